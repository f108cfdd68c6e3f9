/** `auditPaths` with `shard` (`eos audit --shard k/n`): a deterministic split whose union is the whole run. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditPaths, inShard, parseShard, type AuditResult, type Shard } from '@eos/analyzer';

const REPO = path.resolve(__dirname, '../../..');
// A snapshot of the fixtures and the sample projects: the runs compared must see the same files.
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-shard-'));
const INPUTS = ['fixtures', 'examples'];
fs.cpSync(path.join(REPO, 'packages/analyzer/test/fixtures'), path.join(ROOT, 'fixtures'), { recursive: true });
fs.cpSync(path.join(REPO, 'examples'), path.join(ROOT, 'examples'), { recursive: true });
afterAll(() => fs.rmSync(ROOT, { recursive: true, force: true }));

const key = (r: AuditResult): string[] => r.findings.map((f) => `${path.relative(ROOT, f.file)}:${f.line}:${f.column}:${f.endLine}:${f.endColumn}:${f.ruleId}:${f.message}`);

describe('eos audit --shard', () => {
  const whole = auditPaths(INPUTS, { cwd: ROOT });

  it('has findings to split (the inputs are not empty)', () => {
    expect(whole.stats.files).toBeGreaterThan(50);
    expect(whole.findings.length).toBeGreaterThan(50);
  });

  it.each([2, 3, 5])('n = %i: every file lands in exactly one shard and the union of findings is the unsharded run', (n) => {
    const shards = Array.from({ length: n }, (_, i) => auditPaths(INPUTS, { cwd: ROOT, shard: { index: i + 1, count: n } }));
    const files = shards.flatMap((s) => s.files);
    expect([...files].sort()).toEqual([...whole.files].sort());
    expect(new Set(files).size).toBe(files.length);
    // No shard is empty on 100+ files (a split that puts everything in one slice is no split).
    for (const s of shards) expect(s.files.length).toBeGreaterThan(0);
    // A handler imported by files of two shards is reported by both: the union is a set.
    const union = [...new Set(shards.flatMap(key))].sort();
    expect(union).toEqual([...new Set(key(whole))].sort());
  });

  it('assigns a file by its project-relative path alone: same shard from any checkout, whatever else exists', () => {
    const shard: Shard = { index: 2, count: 4 };
    const rel = 'services/orders/src/consumer.ts';
    expect(inShard(rel, shard)).toBe(inShard(rel, shard));
    expect(inShard('services\\orders\\src\\consumer.ts', shard)).toBe(inShard(rel, shard));
    const owners = [1, 2, 3, 4].filter((k) => inShard(rel, { index: k, count: 4 }));
    expect(owners).toHaveLength(1);
  });

  it('parses k/n and rejects anything else with a message', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard('0/4')).toMatch(/between 1 and n/);
    expect(parseShard('5/4')).toMatch(/between 1 and n/);
    expect(parseShard('two')).toMatch(/k\/n/);
  });

  it('issue 12 (smaller): --shard 1/99999999999999999999 is refused (n at most 1024), and a long value is not echoed whole', () => {
    expect(parseShard('1/99999999999999999999')).toBe('--shard 1/99999999999999999999: n must be at most 1024');
    expect(parseShard('1/1025')).toBe('--shard 1/1025: n must be at most 1024');
    expect(parseShard('1024/1024')).toEqual({ index: 1024, count: 1024 });
    expect(parseShard(`1/${'9'.repeat(10_000)}`)).toBe(`--shard 1/${'9'.repeat(38)}…: n must be at most 1024`);
  });
});
