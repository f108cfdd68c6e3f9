/**
 * `eos audit` against hostile inputs (issue 12): configuration above the project, runs where
 * everything is ignored, symbolic-link ladders, deep trees and odd encodings and line endings.
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

function sample(files: Record<string, string | Buffer>): string {
  const dir = tree(files);
  made.push(dir);
  return dir;
}

describe('configuration above the project', () => {
  it('issue 12 item 3: an eos.config.json above the repository root (.git) does not apply: the project is analysed', async () => {
    const dir = sample({ 'eos.config.json': '{ "ignore": ["**"] }\n', 'svc/package.json': PACKAGE_JSON, 'svc/src/consumer.ts': FIXABLE_CONSUMER });
    fs.mkdirSync(path.join(dir, 'svc/.git'));
    const r = await eos(['audit', '--format', 'json'], path.join(dir, 'svc'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as { stats: { files: number }; findings: unknown[] };
    expect(report.stats.files).toBe(1);
    expect(report.findings.length).toBeGreaterThan(0);
  });

  it('issue 12 item 3: inside a repository, the configuration at its root still applies to a workspace package, without a notice', async () => {
    const dir = sample({ 'eos.config.json': '{ "ignore": ["**/generated/**"] }\n', 'package.json': PACKAGE_JSON, 'packages/svc/package.json': PACKAGE_JSON, 'packages/svc/src/consumer.ts': FIXABLE_CONSUMER, 'packages/svc/src/generated/consumer.ts': FIXABLE_CONSUMER });
    fs.mkdirSync(path.join(dir, '.git'));
    const r = await eos(['audit', '--format', 'json'], path.join(dir, 'packages/svc'));
    expect(r.stderr).toBe('');
    expect((JSON.parse(r.stdout) as { stats: { files: number } }).stats.files).toBe(1);
  });

  it('issue 12 item 3: outside any repository, a configuration above the nearest package.json is used but named on stderr', async () => {
    const dir = sample({ 'eos.config.json': '{ "rules": { "ack-before-process": "off" } }\n', 'svc/package.json': PACKAGE_JSON, 'svc/src/consumer.ts': FIXABLE_CONSUMER });
    const r = await eos(['audit'], path.join(dir, 'svc'));
    expect(r.stderr).toBe('eos: using the configuration ../eos.config.json, found above the project in . (no git repository between them); put an eos.config.json in the project, or name one with --config\n');
  });
});

describe('everything ignored', () => {
  it('issue 12 item 3: a run in which the "ignore" globs leave out every file exits 2 and says so, naming the configuration', async () => {
    const dir = sample({ 'eos.config.json': '{ "ignore": ["src/**"] }\n', 'package.json': PACKAGE_JSON, 'src/consumer.ts': FIXABLE_CONSUMER });
    const r = await eos(['audit'], dir);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('eos: nothing to analyse: every source file and folder under . is ignored (by the "ignore" globs of eos.config.json); change the ignore rules or name the files to analyse\n');
  });

  it('issue 12 item 3: so does one in which .gitignore leaves out every file; a file named on the command line is still analysed', async () => {
    const dir = sample({ '.gitignore': 'src/\n', 'package.json': PACKAGE_JSON, 'src/consumer.ts': FIXABLE_CONSUMER });
    fs.mkdirSync(path.join(dir, '.git'));
    const r = await eos(['audit', 'src'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^eos: nothing to analyse: every source file and folder under src is ignored \(by \.gitignore\)/);
    const named = await eos(['audit', 'src/consumer.ts', '--format', 'json'], dir);
    expect(named.status).toBe(1);
    expect((JSON.parse(named.stdout) as { stats: { files: number } }).stats.files).toBe(1);
  });

  it('a run in which every source file is test code exits 2 and names --include-tests', async () => {
    const dir = sample({ 'package.json': PACKAGE_JSON, 'test/consumer.ts': FIXABLE_CONSUMER, 'src/consumer.spec.ts': FIXABLE_CONSUMER });
    const r = await eos(['audit'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('eos: nothing to analyse: every source file and folder under . is ignored (by being test code: --include-tests analyses it); change the ignore rules or name the files to analyse\n');
  });

  it('issue 12 item 3: a folder with no source file at all is not "everything ignored" (exit 0)', async () => {
    const dir = sample({ 'package.json': PACKAGE_JSON, 'README.md': '# svc\n' });
    const r = await eos(['audit'], dir);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });
});
