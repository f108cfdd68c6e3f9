/**
 * What `eos audit` writes besides fixes, the report (--output) and the cache (--cache-location),
 * is checked before anything is written (issue 12, items 8 and 9): never an input of the run,
 * never an existing file that is not an eos cache.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, eos, tree } from './helpers';
import { FIXABLE_CONSUMER } from './samples';

const PACKAGE_JSON = '{\n  "name": "svc",\n  "private": true\n}\n';

const made: string[] = [];
beforeAll(() => ensureBuilt());
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** A project with one fixable consumer; returns its folder and a snapshot of every file in it. */
function project(extra: Record<string, string> = {}): { dir: string; files: () => Record<string, string> } {
  const dir = tree({ 'package.json': PACKAGE_JSON, 'src/consumer.ts': FIXABLE_CONSUMER, ...extra });
  made.push(dir);
  const files = () => Object.fromEntries((fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
  return { dir, files };
}

describe('--cache-location', () => {
  it.each([
    ['package.json', []],
    ['src/consumer.ts', []],
    ['src/consumer.ts', ['--fix']],
    ['src/new-cache.ts', []],
    ['eos.config.json', []],
  ])('issue 12 item 8: --cache-location %s %j is refused (exit 2) before anything is written', async (location, more) => {
    const { dir, files } = project({ 'eos.config.json': '{ "rules": {} }\n' });
    const before = files();
    const r = await eos(['audit', '.', '--cache', '--cache-location', location, ...more], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^eos: --cache-location ${location.replace('.', '\\.')}: it (exists and is not an eos cache file|is a source file name); eos will not write its cache there .*; nothing was written\\n$`));
    expect(files()).toEqual(before);
  });

  it('issue 12 item 8: a folder as --cache-location is refused the same way', async () => {
    const { dir, files } = project();
    const before = files();
    const r = await eos(['audit', '.', '--cache', '--cache-location', 'src'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--cache-location src: it is not a regular file/);
    expect(files()).toEqual(before);
  });

  it('issue 12 item 8: an eos cache, even one cut short, is still replaced; so is an absent one created', async () => {
    const { dir } = project();
    const first = await eos(['audit', '.', '--cache', '--cache-location', 'ci/eos.json'], dir);
    expect(first.status).toBe(1);
    const written = fs.readFileSync(path.join(dir, 'ci/eos.json'), 'utf8');
    fs.writeFileSync(path.join(dir, 'ci/eos.json'), written.slice(0, 40));
    const again = await eos(['audit', '.', '--cache', '--cache-location', 'ci/eos.json'], dir);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/cache ci\/eos\.json not used \(cache file is not valid JSON\)/);
    expect(() => JSON.parse(fs.readFileSync(path.join(dir, 'ci/eos.json'), 'utf8'))).not.toThrow();
  });
});

describe('--output', () => {
  it.each([
    ['src/consumer.ts', []],
    ['src/consumer.ts', ['--fix']],
    ['src/report.ts', ['--fix']],
    ['package.json', ['--config', 'package.json']],
    ['eos.config.json', []],
    ['.eos-cache.json', ['--cache']],
  ])('issue 12 item 9: --output %s %j is refused (exit 2) before anything is written, fixes included', async (output, more) => {
    const { dir, files } = project({ 'eos.config.json': '{ "rules": {} }\n', 'package.json': '{ "name": "svc", "eos": { "rules": {} } }\n' });
    const before = files();
    const r = await eos(['audit', '.', '--format', 'json', '--output', output, ...more], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^eos: --output ${output.replace('.', '\\.')}: (is a source file name|is the configuration file|is the cache file).*; nothing was written\\n$`));
    expect(files()).toEqual(before);
  });

  it('issue 12 item 9: a named input, or a link to one, is refused as --output', async () => {
    const { dir, files } = project();
    fs.symlinkSync('src/consumer.ts', path.join(dir, 'report.json'));
    const before = files();
    const viaLink = await eos(['audit', 'src', '--output', 'report.json', '--fix'], dir);
    expect(viaLink.status).toBe(2);
    expect(viaLink.stderr).toMatch(/--output report\.json: is a source file name/);
    const folder = await eos(['audit', 'src', '--output', 'src'], dir);
    expect(folder.status).toBe(2);
    expect(folder.stderr).toMatch(/--output src: is one of the paths to analyse/);
    expect(files()).toEqual(before);
  });

  it("issue 12 (smaller): --output '' is refused (exit 2) instead of printing to stdout", async () => {
    const { dir } = project();
    const r = await eos(['audit', '.', '--output', ''], dir);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^eos: --output : needs a file name/);
  });

  it('issue 12 item 9: a report file is still written, and replaced on the next run', async () => {
    const { dir } = project();
    for (let i = 0; i < 2; i++) {
      const r = await eos(['audit', '.', '--format', 'json', '--output', 'out/eos.json'], dir);
      expect(r.status).toBe(1);
      expect((JSON.parse(fs.readFileSync(path.join(dir, 'out/eos.json'), 'utf8')) as { findings: unknown[] }).findings).toHaveLength(1);
    }
  });
});
