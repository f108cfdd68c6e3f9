import * as path from 'node:path';
import { applyFixes } from '../fix/apply';
import { allRules } from '../rules';
import type { Finding, FixSafety, InputError } from '../types';
import { Analyzer, sortFindings, type RuleSetting } from './analyzer';
import { discoverFiles } from './files';
import type { Rule } from './rule';
import { DEFAULT_MAX_FILE_SIZE, readSource } from './source';
import { findTsconfig, TypeAwareOrigins } from './type-aware';

/** How `auditPaths` runs. Every field is optional; the defaults are those of `eos audit`. */
export interface AuditOptions {
  /** Directory relative paths are resolved against (default: process.cwd()). */
  cwd?: string;
  /** Rules to run (default: every registered rule). */
  rules?: readonly Rule[];
  /** Severity/options per rule id, from configuration. */
  settings?: Readonly<Record<string, RuleSetting>>;
  /** Ignore globs, relative to `ignoreBase` (the configuration's directory). */
  ignore?: readonly string[];
  ignoreBase?: string;
  /** Honour .gitignore files (default true). */
  gitignore?: boolean;
  /** Largest file analysed, in bytes (default DEFAULT_MAX_FILE_SIZE). */
  maxFileSize?: number;
  /** Ask the type checker (nearest tsconfig) where values come from when syntax cannot tell. */
  types?: boolean;
  /** Text pre-filter (default true); off only to prove it loses nothing. */
  prefilter?: boolean;
  /** Called before each file with the number done so far and the total. */
  onProgress?(done: number, total: number): void;
}

/** Counters of a run. */
export interface AuditStats {
  /** Source files found. */
  files: number;
  /** Files the pre-filter let through to the parser. */
  parsed: number;
  /** Wall time of the run in milliseconds. */
  ms: number;
}

/** Everything a run found. Order is deterministic: findings by file, position, rule; errors by file. */
export interface AuditResult {
  findings: Finding[];
  /** Inputs that could not be analysed (unreadable, binary, too large, unparsable); the rest was. */
  errors: InputError[];
  /** Failures of eos itself on a file (a rule threw); the file's other findings are missing. */
  internalErrors: InputError[];
  stats: AuditStats;
  /** The analysed files (absolute paths). */
  files: string[];
}

/** An analyzer configured as a run asks; reused for the fix passes of the same run. */
export function createAnalyzer(options: AuditOptions, anchorPath?: string, files: readonly string[] = []): { analyzer: Analyzer; typeAware?: TypeAwareOrigins } {
  const typeAware = options.types ? new TypeAwareOrigins(findTsconfig(anchorPath ?? options.cwd ?? process.cwd()), files) : undefined;
  const analyzer = new Analyzer({
    rules: options.rules ?? allRules,
    settings: options.settings,
    prefilter: options.prefilter,
    originFallback: typeAware ? (sf) => typeAware.fallbackFor(sf) : undefined,
  });
  return { analyzer, typeAware };
}

/**
 * Analyses files and folders: discovers the source files (see discoverFiles), reads each safely,
 * runs the rules once per file, and collects findings and input errors. Never throws for bad
 * input: every problem is an entry in `errors` naming the file, and the run goes on.
 */
export function auditPaths(paths: readonly string[], options: AuditOptions = {}): AuditResult {
  const started = performance.now();
  const cwd = options.cwd ?? process.cwd();
  const discovery = discoverFiles(paths, { cwd, ignore: options.ignore, ignoreBase: options.ignoreBase, gitignore: options.gitignore });
  const anchor = paths.length > 0 ? path.resolve(cwd, paths[0]) : cwd;
  const { analyzer, typeAware } = createAnalyzer(options, anchor, discovery.files);
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const errors: InputError[] = [...discovery.errors];
  const internalErrors: InputError[] = [];
  let parsed = 0;
  const total = discovery.files.length;
  discovery.files.forEach((file, i) => {
    options.onProgress?.(i, total);
    const read = readSource(file, options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE);
    if (!read.ok) {
      errors.push(read.error);
      return;
    }
    let analysis;
    try {
      analysis = analyzer.analyzeText(file, read.text);
    } catch (e) {
      internalErrors.push({ file, message: `internal error while analysing: ${(e as Error)?.message ?? String(e)}; this file's findings are missing (please report it)` });
      return;
    }
    if (analysis.parsed) parsed++;
    errors.push(...analysis.errors);
    for (const f of analysis.findings) {
      // A handler imported by several analysed files is reported once.
      const key = `${f.ruleId}:${f.file}:${f.start}:${f.end}`;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push(f);
    }
  });
  options.onProgress?.(total, total);
  if (typeAware?.failure) errors.push({ file: typeAware.tsconfig ?? cwd, message: `--types: cannot build the program (${typeAware.failure}); analysed syntactically` });
  return {
    findings: sortFindings(findings),
    errors: sortErrors(errors),
    internalErrors,
    stats: { files: total, parsed, ms: Math.round(performance.now() - started) },
    files: discovery.files,
  };
}

function sortErrors(errors: InputError[]): InputError[] {
  return errors.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.message.localeCompare(b.message)));
}

/** Fix passes per file before giving up on reaching a stable text (each pass re-analyses). */
export const MAX_FIX_PASSES = 10;

/** The outcome of fixing one file. */
export interface FileFixResult {
  file: string;
  original: string;
  /** The fixed text (equal to `original` when nothing applied). */
  text: string;
  /** Findings whose fixes were applied, over all passes. */
  applied: Finding[];
  /** Fixes declined in the last pass (would drop a comment, overlap), with the reason. */
  skipped: Array<{ finding: Finding; reason: string }>;
  /** Findings of the final text, after the last pass. */
  remaining: Finding[];
  /** Set when a fix produced text that no longer parses: the file is left at the last good text. */
  problem?: string;
  /** Passes run; equal to MAX_FIX_PASSES when the text did not become stable. */
  passes: number;
}

/**
 * Applies the fixes `allow` admits to one file's text, re-analysing after each pass until no fix
 * applies (fixes that overlap wait for the next pass). A pass whose result does not parse is
 * rolled back. Pure: the caller decides whether and how to write the text.
 */
export function fixText(analyzer: Analyzer, file: string, original: string, allow: FixSafety, maxPasses = MAX_FIX_PASSES): FileFixResult {
  let text = original;
  let previous = original;
  const applied: Finding[] = [];
  let skipped: FileFixResult['skipped'] = [];
  let problem: string | undefined;
  let passes = 0;
  let lastPass = 0;
  while (passes < maxPasses) {
    passes++;
    const analysis = analyzer.analyzeText(file, text);
    if (analysis.errors.length > 0 && text !== original) {
      problem = `a fix produced code that does not parse (${analysis.errors[0].message}); the file keeps the fixes of the earlier passes`;
      text = previous;
      applied.splice(applied.length - lastPass, lastPass);
      break;
    }
    const result = applyFixes(text, analysis.findings.filter((f) => f.file === file), allow);
    skipped = result.skipped;
    if (result.applied.length === 0 || result.text === text) {
      return { file, original, text, applied, skipped, remaining: analysis.findings, passes };
    }
    previous = text;
    applied.push(...result.applied);
    lastPass = result.applied.length;
    text = result.text;
  }
  // Rolled back or out of passes: the findings of the text actually kept.
  const remaining = analyzer.analyzeText(file, text).findings;
  return { file, original, text, applied, skipped, remaining, problem: problem ?? `fixes did not settle after ${maxPasses} passes`, passes };
}
