/**
 * Annotated-fixture harness, strict both ways.
 *
 * A comment line names the rule(s) expected on the next code line (`#` instead of `//` in
 * `.properties` connector configs; in JSON ones every `//` line is blanked before the audit):
 *   // expect: ack-before-process            a finding of this rule must start on the next line
 *   // ok: missing-dedup                     near-miss: no finding of this rule there
 *   // todo-expect: dual-write               known gap: should be found, is not (yet)
 *   // todo-ok: missing-dedup                known false positive: found, should not be
 * Several ids may be given, comma-separated. Stacked annotation lines apply to the first
 * following line that is not an annotation. Every finding in the file (of any rule) must be
 * expected, and every expectation found; a todo that starts to hold must be promoted.
 */
import type { Finding } from '@eos/analyzer';

const ANNOTATION = /^\s*(?:\/\/|#)\s*(expect|ok|todo-expect|todo-ok):\s*(.+?)\s*$/;

/**
 * The text with its `//` comment lines (annotations and explanations) emptied, so a JSON fixture
 * is plain JSON again; the remaining lines keep their numbers.
 */
export function blankAnnotations(text: string): string {
  return text.split('\n').map((line) => (/^\s*\/\//.test(line) ? '' : line)).join('\n');
}

export interface Expectation {
  kind: 'expect' | 'ok' | 'todo-expect' | 'todo-ok';
  ruleId: string;
  /** 1-based line the expectation is about. */
  line: number;
}

/** Reads the annotations of a fixture text. */
export function parseExpectations(text: string): Expectation[] {
  const lines = text.split('\n');
  const out: Expectation[] = [];
  let pending: Array<Omit<Expectation, 'line'>> = [];
  lines.forEach((line, i) => {
    const m = ANNOTATION.exec(line);
    if (m) {
      for (const id of m[2].split(/\s*,\s*/)) pending.push({ kind: m[1] as Expectation['kind'], ruleId: id });
      return;
    }
    if (pending.length > 0) {
      out.push(...pending.map((p) => ({ ...p, line: i + 1 })));
      pending = [];
    }
  });
  return out;
}

/** Compares findings of one file with its annotations; returns one line per mismatch. */
export function mismatches(text: string, findings: readonly Finding[]): string[] {
  const expectations = parseExpectations(text);
  const problems: string[] = [];
  const has = (ruleId: string, line: number) => findings.some((f) => f.ruleId === ruleId && f.line === line);
  for (const e of expectations) {
    const found = has(e.ruleId, e.line);
    if (e.kind === 'expect' && !found) problems.push(`line ${e.line}: expected ${e.ruleId}, not reported`);
    if (e.kind === 'ok' && found) problems.push(`line ${e.line}: ${e.ruleId} reported on an ok line`);
    if (e.kind === 'todo-expect' && found) problems.push(`line ${e.line}: todo-expect ${e.ruleId} is now reported; make it expect`);
    if (e.kind === 'todo-ok' && !found) problems.push(`line ${e.line}: todo-ok ${e.ruleId} is no longer reported; make it ok`);
  }
  for (const f of findings) {
    const annotated = expectations.some((e) => e.ruleId === f.ruleId && e.line === f.line && (e.kind === 'expect' || e.kind === 'todo-ok'));
    if (!annotated) problems.push(`line ${f.line}: unexpected ${f.ruleId}: ${f.message}`);
  }
  return problems;
}
