/*
 * Deliberately light: this module, the file walk, the cache and the shard split load without the
 * TypeScript compiler (ts-morph costs ~0.4 s of CPU to import). The analyzer, the rules and the
 * type-aware origins come from the engine the entry point passes in (`auditApi`), loaded only when
 * a file must actually be analysed, so a `--cache` rerun in which nothing changed never pays for them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { auditConnectorCandidates } from './connect-configs';
import { applyFixes } from '../fix/apply';
import type { Finding, FixSafety, InputError, InternalError } from '../types';
import type { Analyzer, FileAnalysis, RuleSetting } from '../engine/analyzer';
import { AnalysisCache, cacheKey, contentHash } from './cache';
import { discoverFiles, displayPath, type Discovery } from './files';
import { CollectionPacer } from './memory';
import { sortFindings } from '../engine/ordering';
import { internalError } from '../engine/internal-errors';
import type { Rule } from '../engine/rule';
import { ReadAhead } from './read-ahead';
import { inShard, type Shard } from './shard';
import { DEFAULT_MAX_FILE_SIZE, readSource } from './source';
import type { TypeAwareOrigins } from '../engine/type-aware';

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
  /** Walk into test folders and files too (default false; files named explicitly are always analysed). */
  includeTests?: boolean;
  /** Largest file analysed, in bytes (default DEFAULT_MAX_FILE_SIZE). */
  maxFileSize?: number;
  /** Ask the type checker (nearest tsconfig) where values come from when syntax cannot tell. */
  types?: boolean;
  /** Text pre-filter (default true); off only to prove it loses nothing. */
  prefilter?: boolean;
  /** Called before each file with the number done so far and the total. */
  onProgress?(done: number, total: number): void;
  /**
   * Keep per-file results in this file (resolved against `cwd`) and reuse them while the file and
   * everything its analysis read are unchanged. The cache is dropped when the eos build, the
   * rules, their settings, `prefilter` or `types` differ from the run that wrote it.
   */
  cacheFile?: string;
  /** Analyse only the files of this CI matrix slice (by a hash of the cwd-relative path). */
  shard?: Shard;
  /**
   * Read and pre-filter files on a second thread while this one analyses (see read-ahead.ts).
   * Default: when at least READ_AHEAD_MIN_FILES files are to be read. Same results either way.
   */
  readAhead?: boolean;
}

/** Below this many files to read, starting the read-ahead thread costs more than it saves. */
export const READ_AHEAD_MIN_FILES = 500;

function useReadAhead(options: AuditOptions, filesToRead: number): boolean {
  if (options.prefilter === false || filesToRead === 0) return false;
  return options.readAhead ?? filesToRead >= READ_AHEAD_MIN_FILES;
}

/** Counters of a run. */
export interface AuditStats {
  /** Source files found. */
  files: number;
  /** Files the pre-filter let through to the parser. */
  parsed: number;
  /** Files whose results came from the cache (neither read nor parsed). */
  cached: number;
  /** Test folders and files the walk left out (see AuditOptions.includeTests). */
  testsLeftOut: number;
  /** Wall time of the run in milliseconds. */
  ms: number;
  /** Whether a second thread read and pre-filtered every file to read (see AuditOptions.readAhead). */
  readAhead: boolean;
}

/** Everything a run found. Order is deterministic: findings by file, position, rule; errors by file. */
export interface AuditResult {
  findings: Finding[];
  /** Inputs that could not be analysed (unreadable, binary, too large, unparsable); the rest was. */
  errors: InputError[];
  /**
   * Failures of eos itself on a file: a rule threw (named, with the first stack frame; that
   * rule's findings for the file are missing, the other rules' are kept), or the file's shared
   * walk did (its findings are missing). The run goes on.
   */
  internalErrors: InternalError[];
  stats: AuditStats;
  /** The analysed files (absolute paths): with a shard, only the shard's. */
  files: string[];
  /** The Kafka Connect connector configs checked (absolute paths), see connect/. */
  configs: string[];
  /** Why an existing cache file was not used (corrupt, other configuration); the run started afresh. */
  cacheNotice?: string;
  /**
   * What the file walk found before any shard split: source files, and the source files and
   * folders ignore rules left out. Found none but ignored some: everything named was ignored.
   */
  discovered: { files: number; ignored: Discovery['ignored'] };
}

/**
 * The modules that load the TypeScript compiler, needed only once a file must be analysed. Each
 * entry point passes its own: the full API the modules it imports anyway, the light one a loader
 * that requires them on first use (see light.ts).
 */
export interface AnalysisEngine {
  Analyzer: typeof import('../engine/analyzer').Analyzer;
  /** The rule registry: every rule eos ships. */
  allRules: readonly Rule[];
  findTsconfig: typeof import('../engine/type-aware').findTsconfig;
  TypeAwareOrigins: typeof import('../engine/type-aware').TypeAwareOrigins;
}

/** The audit functions bound to an engine (see `auditApi`). */
export interface AuditApi {
  /** Analyses files and folders; see `runAudit`. */
  auditPaths(paths: readonly string[], options?: AuditOptions): AuditResult;
  /** An analyzer configured as a run asks; reused for the fix passes of the same run. */
  createAnalyzer(options: AuditOptions, anchorPath?: string, files?: readonly string[]): { analyzer: Analyzer; typeAware?: TypeAwareOrigins };
  /** Every rule eos ships (the registry), loaded on first call: loading them loads the compiler. */
  builtInRules(): readonly Rule[];
}

/** The audit functions over the engine `load` returns; `load` runs at most once, on first need. */
export function auditApi(load: () => AnalysisEngine): AuditApi {
  let engine: AnalysisEngine | undefined;
  const get = (): AnalysisEngine => (engine ??= load());
  return {
    auditPaths: (paths, options = {}) => runAudit(get, paths, options),
    createAnalyzer: (options, anchorPath, files = []) => createAnalyzerWith(get(), options, anchorPath, files),
    builtInRules: () => get().allRules,
  };
}

function createAnalyzerWith(engine: AnalysisEngine, options: AuditOptions, anchorPath: string | undefined, files: readonly string[]): { analyzer: Analyzer; typeAware?: TypeAwareOrigins } {
  const { Analyzer, allRules, findTsconfig, TypeAwareOrigins } = engine;
  const typeAware = options.types ? new TypeAwareOrigins(findTsconfig(anchorPath ?? options.cwd ?? process.cwd()), files) : undefined;
  const analyzer = new Analyzer({
    rules: options.rules ?? allRules,
    settings: options.settings,
    prefilter: options.prefilter,
    originFallback: typeAware ? (sf) => typeAware.fallbackFor(sf) : undefined,
    typePackages: typeAware ? () => typeAware.declaredPackages() : undefined,
    // Under --types each file is parsed once, by the program, and the analyzer walks that tree.
    parse: typeAware ? (file, text) => typeAware.parse(file, text) : undefined,
    projectFiles: files.length > 0 ? files : undefined,
  });
  return { analyzer, typeAware };
}

/**
 * Analyses files and folders: discovers the source files (see discoverFiles), reads each safely,
 * runs the rules once per file, and collects findings and input errors. Never throws for bad
 * input: every problem is an entry in `errors` naming the file, and the run goes on.
 */
function runAudit(engine: () => AnalysisEngine, paths: readonly string[], options: AuditOptions): AuditResult {
  const started = performance.now();
  const plan = planRun(engine, paths, options);
  const tally: Tally = { findings: [], seen: new Set(), errors: [...plan.discovery.errors], internalErrors: [], parsed: 0, cached: 0 };
  // Cached results first: the read-ahead thread is given the files still to read, in order.
  const toRead = plan.files.filter((_, i) => plan.fromCache[i] === undefined);
  const readAhead = useReadAhead(options, toRead.length) ? ReadAhead.start(toRead, plan.analyzer().analyzer.prefilterSpec(), { maxFileSize: plan.maxFileSize, track: plan.cache !== undefined }) : undefined;
  const total = plan.files.length;
  try {
    plan.files.forEach((file, i) => {
      options.onProgress?.(i, total);
      const cached = plan.fromCache[i];
      if (cached) tally.cached++;
      const analysis = cached ?? analyseFile(file, readAhead?.next(file), plan, tally);
      if (analysis) gather(analysis, tally);
    });
  } finally {
    readAhead?.close();
  }
  options.onProgress?.(total, total);
  const connect = auditConnectors(plan, options);
  tally.findings.push(...connect.findings);
  tally.errors.push(...connect.errors);
  tally.internalErrors.push(...connect.internalErrors);
  const typeAware = plan.createdAnalyzer()?.typeAware;
  if (typeAware?.failure) tally.errors.push({ file: typeAware.tsconfig ?? plan.cwd, message: `--types: cannot build the program (${typeAware.failure}); analysed syntactically` });
  if (plan.cache) saveCache(plan.cache, plan, options, tally.errors);
  return {
    findings: sortFindings(tally.findings),
    errors: sortErrors(tally.errors),
    internalErrors: sortErrors(tally.internalErrors),
    stats: { files: total, parsed: tally.parsed, cached: tally.cached, testsLeftOut: plan.discovery.ignored.tests, ms: Math.round(performance.now() - started), readAhead: readAhead !== undefined && !readAhead.failed },
    files: plan.files,
    configs: connect.configs,
    cacheNotice: plan.cache?.discarded,
    discovered: { files: plan.discovery.files.length, ignored: plan.discovery.ignored },
  };
}

/** What one run works through (see `planRun`). */
interface RunPlan {
  cwd: string;
  discovery: ReturnType<typeof discoverFiles>;
  /** The discovered files of this run's shard. */
  files: string[];
  /** Per file of `files`, its cached result when the cache has one. */
  fromCache: Array<FileAnalysis | undefined>;
  cache: AnalysisCache | undefined;
  maxFileSize: number;
  types: boolean;
  pacer: CollectionPacer;
  /** The analyzer, created on the first file that needs analysing: a run answered from the cache never loads it. */
  analyzer(): CreatedAnalyzer;
  /** The analyzer if one was created. */
  createdAnalyzer(): CreatedAnalyzer | undefined;
}

type CreatedAnalyzer = ReturnType<AuditApi['createAnalyzer']>;

/** What the run has gathered so far. */
interface Tally {
  findings: Finding[];
  /** Keys of the findings gathered: a handler imported by several analysed files is reported once. */
  seen: Set<string>;
  errors: InputError[];
  internalErrors: InternalError[];
  parsed: number;
  cached: number;
}

/** Discovers the files, picks this shard's, opens the cache and looks each file up in it. */
function planRun(engine: () => AnalysisEngine, paths: readonly string[], options: AuditOptions): RunPlan {
  const cwd = options.cwd ?? process.cwd();
  const discovery = discoverFiles(paths, { cwd, ignore: options.ignore, ignoreBase: options.ignoreBase, gitignore: options.gitignore, includeTests: options.includeTests });
  const { shard } = options;
  const files = shard ? discovery.files.filter((f) => inShard(displayPath(f, cwd), shard)) : discovery.files;
  const anchor = paths.length > 0 ? path.resolve(cwd, paths[0]) : cwd;
  let created: CreatedAnalyzer | undefined;
  const cache = options.cacheFile ? AnalysisCache.open(path.resolve(cwd, options.cacheFile), (build) => auditCacheKey(options, discovery.files, build), cwd) : undefined;
  return {
    cwd,
    discovery,
    files,
    fromCache: files.map((f) => cache?.get(f)),
    cache,
    maxFileSize: options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE,
    types: options.types ?? false,
    pacer: new CollectionPacer(),
    analyzer: () => (created ??= createAnalyzerWith(engine(), options, anchor, discovery.files)),
    createdAnalyzer: () => created,
  };
}

/**
 * One file not answered by the cache: its text from the read-ahead thread or read here, then
 * analysed (and cached). Undefined when the file could not be read or the analyzer itself failed
 * on it; that is recorded in `tally`.
 */
function analyseFile(file: string, item: ReturnType<ReadAhead['next']>, plan: RunPlan, tally: Tally): FileAnalysis | undefined {
  if (item && 'error' in item) {
    tally.errors.push(item.error);
    return undefined;
  }
  const { cache } = plan;
  if (item && !item.decision.parse) {
    // Nothing to parse: the result is known, and its stamps were taken by the thread.
    const analysis: FileAnalysis = { findings: [], errors: [], parsed: false };
    if (cache && item.stamp) cache.setStamped(file, item.stamp, analysis, item.deps ?? {});
    return analysis;
  }
  let text = item?.text;
  if (text === undefined) {
    const read = readSource(file, plan.maxFileSize);
    if (!read.ok) {
      tally.errors.push(read.error);
      return undefined;
    }
    text = read.text;
  }
  const source = text;
  const decision = item?.decision;
  let analysis: FileAnalysis;
  try {
    const { analyzer: a } = plan.analyzer();
    if (cache) {
      const tracked = a.project.track(() => a.analyzeText(file, source, decision));
      analysis = tracked.result;
      // A result missing a rule's findings (it threw) is not kept: the next run retries.
      if (!analysis.internalErrors) cache.set(file, source, analysis, tracked.reads, item?.deps);
    } else {
      analysis = a.analyzeText(file, source, decision);
    }
  } catch (e) {
    tally.internalErrors.push(internalError(file, e));
    return undefined;
  }
  if (analysis.parsed) {
    tally.parsed++;
    // Under --types the program holds every tree and most of the heap: a forced collection
    // frees little and marks all of it, each time.
    if (!plan.types) plan.pacer.afterFile();
  }
  return analysis;
}

/** Adds one file's findings (each once across the run) and errors to the tally. */
function gather(analysis: FileAnalysis, tally: Tally): void {
  tally.errors.push(...analysis.errors);
  if (analysis.internalErrors) tally.internalErrors.push(...analysis.internalErrors);
  for (const f of analysis.findings) {
    const key = `${f.ruleId}:${f.file}:${f.start}:${f.end}`;
    if (tally.seen.has(key)) continue;
    tally.seen.add(key);
    tally.findings.push(f);
  }
}

/** The Kafka Connect connector configs of this shard, checked afresh on every run: they are small and parsed without the compiler. */
function auditConnectors(plan: RunPlan, options: AuditOptions): ReturnType<typeof auditConnectorCandidates> {
  const { discovery, cwd } = plan;
  const { shard } = options;
  const candidates = shard ? discovery.configs.filter((f) => inShard(displayPath(f, cwd), shard)) : discovery.configs;
  return auditConnectorCandidates(candidates, discovery.namedConfigs, options.settings, plan.maxFileSize, options.rules);
}

/** Writes the cache back; a failed write is an input error naming the cache file, not a failed run. */
function saveCache(cache: AnalysisCache, plan: RunPlan, options: AuditOptions, errors: InputError[]): void {
  // Other shards' entries stay: one cache file can serve every slice of a matrix.
  cache.retainOnly(plan.discovery.files);
  try {
    cache.save();
  } catch (e) {
    errors.push({ file: path.resolve(plan.cwd, options.cacheFile ?? ''), message: `cannot write the cache: ${(e as Error)?.message ?? String(e)}; the next run starts afresh` });
  }
}

/**
 * The cache key of a run: everything besides file contents that changes what the analysis says.
 * Built-in rules are identified by the analyzer build (`build`: its id, see `buildIdentity`),
 * custom ones by id. Under `--types` the checker may look at any file of the program, so the key
 * also folds in the size and mtime of every discovered file: any change there re-analyses
 * everything.
 */
function auditCacheKey(options: AuditOptions, files: readonly string[], build: string): string {
  let program: string | undefined;
  if (options.types) {
    program = files
      .map((f) => {
        try {
          const st = fs.statSync(f);
          return `${f}:${st.size}:${st.mtimeMs}`;
        } catch {
          return `${f}:absent`;
        }
      })
      .join('\n');
  }
  return cacheKey({
    build,
    rules: options.rules ? options.rules.map((r) => r.meta.id) : 'built-in',
    settings: options.settings ?? {},
    prefilter: options.prefilter ?? true,
    types: options.types ?? false,
    // A file over the limit is skipped, not analysed: a cached result of a larger limit is not this run's.
    maxFileSize: options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE,
    program: program === undefined ? undefined : contentHash(program),
  });
}

function sortErrors<E extends InputError>(errors: E[]): E[] {
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
