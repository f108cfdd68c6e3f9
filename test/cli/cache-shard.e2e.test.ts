/** `eos audit --cache` and `--shard k/n` end to end, on a copy of the sample service. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditJson, copyDir, ensureBuilt, eos, ROOT } from './helpers';

let dir: string;

beforeAll(() => {
  ensureBuilt();
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'eos-e2e-cache-')));
  copyDir(path.join(ROOT, 'examples/orders-service'), dir);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const keys = (findings: Array<{ file: string; line: number; column: number; ruleId: string }>) => findings.map((f) => `${f.file}:${f.line}:${f.column}:${f.ruleId}`).sort();

describe('eos audit --cache', () => {
  it('writes .eos-cache.json in the working directory and reports the same on an unchanged rerun', async () => {
    const plain = await auditJson(['.'], dir);
    expect(plain.report.findings.length).toBeGreaterThan(0);
    const cold = await auditJson(['.', '--cache'], dir);
    expect(fs.existsSync(path.join(dir, '.eos-cache.json'))).toBe(true);
    const warm = await auditJson(['.', '--cache'], dir);
    expect(warm.status).toBe(plain.status);
    expect(warm.report.findings).toEqual(plain.report.findings);
    expect(cold.report.findings).toEqual(plain.report.findings);
    // Nothing was parsed the second time: every file came from the cache.
    expect(warm.report.stats.parsed).toBe(0);
    expect(warm.stderr).toBe('');
  });

  it('answers an unchanged rerun without loading the TypeScript compiler (light entry of the built analyzer)', () => {
    // The cache written by the CLI above is reused by a plain library call with the same settings.
    const script = `
      const { auditPaths } = require(${JSON.stringify(path.join(ROOT, 'packages/analyzer/dist/light.js'))});
      const r = auditPaths(['.'], { cwd: ${JSON.stringify(dir)}, cacheFile: '.eos-cache.json' });
      const loaded = Object.keys(require.cache).filter((k) => /[\\/](ts-morph|@ts-morph|typescript)[\\/]/.test(k));
      console.log(JSON.stringify({ files: r.stats.files, cached: r.stats.cached, findings: r.findings.length, loaded }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' })) as { files: number; cached: number; findings: number; loaded: string[] };
    expect(out.files).toBeGreaterThan(0);
    expect(out.cached).toBe(out.files);
    expect(out.findings).toBeGreaterThan(0);
    expect(out.loaded).toEqual([]);
  });

  it('uses --cache-location, and discards a corrupt cache file with a notice on stderr, not an error', async () => {
    const location = path.join(dir, 'ci-cache/eos.json');
    const first = await auditJson(['.', '--cache', '--cache-location', 'ci-cache/eos.json'], dir);
    expect(fs.existsSync(location)).toBe(true);
    // Cut short (a full disk, a botched copy): still recognisably eos's, so it is replaced. Garbage
    // that is not recognisably a cache is refused instead (written-paths.e2e.test.ts).
    fs.writeFileSync(location, fs.readFileSync(location, 'utf8').slice(0, 30));
    const after = await auditJson(['.', '--cache', '--cache-location', 'ci-cache/eos.json'], dir);
    expect(after.status).toBe(first.status);
    expect(after.stderr).toMatch(/eos: cache ci-cache\/eos\.json not used \(cache file is not valid JSON\); analysing afresh/);
    expect(after.report.findings).toEqual(first.report.findings);
    expect(() => JSON.parse(fs.readFileSync(location, 'utf8'))).not.toThrow();
  });
});

describe('eos audit --shard', () => {
  it('splits the files so that the shards together report exactly the unsharded findings', async () => {
    const whole = await auditJson(['.'], dir);
    const parts = await Promise.all([1, 2, 3].map((k) => auditJson(['.', '--shard', `${k}/3`], dir)));
    expect(parts.reduce((n, p) => n + p.report.stats.files, 0)).toBe(whole.report.stats.files);
    expect([...new Set(parts.flatMap((p) => keys(p.report.findings)))].sort()).toEqual(keys(whole.report.findings));
  });

  it.each(['3/2', '0/2', 'half'])('rejects --shard %s with exit code 2 and a one-line reason', async (value) => {
    const res = await eos(['audit', '.', '--shard', value], dir);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/--shard/);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  });
});
