/** Runs the analyzer over fixture files the way the CLI would, for the harness tests. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Analyzer, allRules, applyFixes, auditConnectorText, type Finding, type RuleSetting } from '@eos/analyzer';
import { blankAnnotations } from './harness';

export const FIXTURES = path.join(__dirname, 'fixtures');
const SOURCE = /\.(ts|tsx|js|mjs|cjs)$/;

/** Fixture source files below `dir`, excluding `*.fixed.*` results. */
export function fixtureFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...fixtureFiles(full));
    else if (SOURCE.test(entry.name) && !/\.fixed\.\w+$/.test(entry.name)) out.push(full);
  }
  return out.sort();
}

const CONFIG = /\.(json|properties)$/;
/** Rule options for the fixture of the same name (`x.ts` → `x.options.json`): `{ "<rule id>": { …options } }`. */
const OPTIONS_FILE = /\.options\.json$/;

/**
 * The rule settings a fixture runs with: the rules' defaults, and the options its sibling
 * `<name>.options.json` gives (for behaviour a rule shows only when configured).
 */
export function fixtureSettings(file: string): Record<string, RuleSetting> {
  const optionsFile = file.replace(/\.\w+$/, '.options.json');
  if (!fs.existsSync(optionsFile)) return {};
  const byRule = JSON.parse(fs.readFileSync(optionsFile, 'utf8')) as Record<string, Record<string, unknown>>;
  const settings: Record<string, RuleSetting> = {};
  for (const [id, options] of Object.entries(byRule)) {
    const rule = allRules.find((r) => r.meta.id === id);
    if (!rule) throw new Error(`${optionsFile}: no rule ${id}`);
    settings[id] = { severity: rule.meta.defaultSeverity, options };
  }
  return settings;
}

/** Connector-config fixtures (`*.json`, `*.properties`) below `dir`. */
export function configFixtureFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...configFixtureFiles(full));
    else if (CONFIG.test(entry.name) && !OPTIONS_FILE.test(entry.name)) out.push(full);
  }
  return out.sort();
}

/**
 * Audits one connector-config fixture as `eos audit` would, its annotation lines blanked first
 * (JSON has no comments); the findings' lines are the fixture's own.
 */
export function auditConfigFixture(file: string): { findings: Finding[]; error?: string } {
  const result = auditConnectorText(file, blankAnnotations(fs.readFileSync(file, 'utf8')));
  return { findings: result.findings, error: result.error?.message ?? result.internalError?.message };
}

/** A file's findings; a rule that threw on it (a bug, which would hide findings) fails the test. */
function findingsOf(analyzer: Analyzer, file: string, text: string): Finding[] {
  const analysis = analyzer.analyzeText(file, text);
  if (analysis.internalErrors) throw new Error(`internal errors on ${file}:\n${analysis.internalErrors.map((e) => e.message).join('\n')}`);
  return analysis.findings;
}

/** Analyses a set of files together and returns findings grouped by the file they land in. */
export function analyzeAll(files: readonly string[], prefilter = true): Map<string, Finding[]> {
  // The fixtures analysed together are the project: class-hierarchy questions look no further.
  // Fixtures with rule options of their own get an analyzer configured that way.
  const analyzers = new Map<string, Analyzer>();
  const analyzerFor = (file: string): Analyzer => {
    const settings = fixtureSettings(file);
    const key = JSON.stringify(settings);
    let analyzer = analyzers.get(key);
    if (!analyzer) analyzers.set(key, (analyzer = new Analyzer({ rules: allRules, settings, prefilter, projectFiles: files })));
    return analyzer;
  };
  const byFile = new Map<string, Finding[]>(files.map((f) => [f, []]));
  const seen = new Set<string>();
  for (const file of files) {
    for (const f of findingsOf(analyzerFor(file), file, fs.readFileSync(file, 'utf8'))) {
      const key = `${f.ruleId}:${f.file}:${f.start}:${f.end}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const list = byFile.get(f.file) ?? [];
      list.push(f);
      byFile.set(f.file, list);
    }
  }
  return byFile;
}

/** Applies safe fixes until nothing changes (at most 10 passes), as `eos audit --fix` does. */
export function fixUntilStable(file: string, text: string): string {
  let current = text;
  for (let pass = 0; pass < 10; pass++) {
    const analyzer = new Analyzer({ rules: allRules, settings: fixtureSettings(file) });
    const findings = findingsOf(analyzer, file, current).filter((f) => f.file === file);
    const { text: next, applied } = applyFixes(current, findings, 'safe');
    if (applied.length === 0 || next === current) return current;
    current = next;
  }
  return current;
}
