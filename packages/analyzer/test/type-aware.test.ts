/**
 * What `--types` adds. Broker objects used far from their library's import: the syntactic mode
 * follows helper functions that return them (a confirm channel, a JetStream client), but not
 * fields of project objects (`this.broker.confirmChannel`) or a Pub/Sub topic returned to a call
 * chain that checks options; the checker places all of them. The files under type-aware/wrappers/
 * are annotated with `expect` for what both modes find and `todo-expect` for what only the
 * type-aware run finds: syntactically each `todo-expect` must stay unreported (the gap is real),
 * and with types every one must be reported, and nothing else.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditPaths } from '@eos/analyzer';
import { mismatches } from './harness';

const DIR = path.join(__dirname, 'type-aware', 'wrappers');
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.ts')).sort();

/** The annotations with the type-aware gaps promoted to expectations. */
function asTyped(text: string): string {
  return text.replace(/\/\/\s*todo-expect:/g, '// expect:');
}

describe('type-aware mode on wrappers', () => {
  const syntactic = auditPaths(['.'], { cwd: DIR });
  // These files name no broker module: the pre-filter must still let through every file the
  // checker can make a finding in.
  const typed = auditPaths(['.'], { cwd: DIR, types: true });
  const typedUnfiltered = auditPaths(['.'], { cwd: DIR, types: true, prefilter: false });

  it('analyses every file and builds the program', () => {
    expect(syntactic.internalErrors).toEqual([]);
    expect(typed.internalErrors).toEqual([]);
    expect(typed.errors).toEqual([]);
  });

  it.each(files)('%s: the syntactic mode misses exactly the todo-expect findings', (name) => {
    const file = path.join(DIR, name);
    expect(mismatches(fs.readFileSync(file, 'utf8'), syntactic.findings.filter((f) => f.file === file))).toEqual([]);
  });

  it.each(files)('%s: the type-aware mode finds them, and nothing else', (name) => {
    const file = path.join(DIR, name);
    expect(mismatches(asTyped(fs.readFileSync(file, 'utf8')), typed.findings.filter((f) => f.file === file))).toEqual([]);
  });

  it('loses nothing to the pre-filter', () => {
    expect(typed.findings).toEqual(typedUnfiltered.findings);
  });

  it('gains findings without losing any', () => {
    const key = (f: { ruleId: string; file: string; line: number }) => `${f.ruleId}:${path.basename(f.file)}:${f.line}`;
    const before = new Set(syntactic.findings.map(key));
    const after = new Set(typed.findings.map(key));
    expect([...before].filter((k) => !after.has(k))).toEqual([]);
    expect(after.size - before.size).toBe(3);
  });
});
