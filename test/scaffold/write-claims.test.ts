/**
 * A scaffold's files are claimed atomically, one by one (issue 12, item 13): two scaffolds into the
 * same folder cannot both report success while one's files are replaced; a signal never leaves a
 * partial set or temporary files; a rerun removes the temporary files a killed scaffold left.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { detectProject, loadTemplate, planScaffold, resolveAnswers, ScaffoldError, writePlan, type ScaffoldPlan } from '@eos/analyzer';
import { REPO_ROOT } from './helpers';

let root: string;
beforeAll(() => {
  execFileSync('flock', [path.join(os.tmpdir(), 'eos-cli-e2e-build.lock'), 'npx', 'tsc', '-b'], { cwd: REPO_ROOT, stdio: 'pipe' });
}, 300_000);
beforeEach(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'eos-scaffold-claims-')));
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'svc', dependencies: { pg: '^8' } }));
  fs.writeFileSync(path.join(root, 'tsconfig.json'), '{}');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const plan = async (given: Record<string, unknown>): Promise<ScaffoldPlan> => {
  const project = detectProject(root);
  const template = loadTemplate('dedup');
  return planScaffold(template, await resolveAnswers(template, { given, project, yes: true }), project);
};

/** Every file below `dir`, relative, sorted. */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

const temps = (dir: string) => filesUnder(dir).filter((f) => /\.eos-.*\.tmp$/.test(f));

describe('scaffold writes', () => {
  it('issue 12 item 13: of two scaffolds planned at the same time into one folder, the second to write is refused as a conflict and the first keeps its files', async () => {
    const first = await plan({ out: 'src/eos', store: 'sqlite', table: 'first_table' });
    const second = await plan({ out: 'src/eos', store: 'sqlite', table: 'second_table' });
    expect(second.files.every((f) => f.status === 'new')).toBe(true);
    writePlan(first);
    let refused: unknown;
    try {
      writePlan(second);
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(ScaffoldError);
    expect((refused as ScaffoldError).exitCode).toBe(1);
    expect((refused as ScaffoldError).message).toMatch(/src\/eos\/dedup\.ts appeared while eos was writing \(another scaffold at the same time\?\); nothing was changed/);
    for (const f of first.files) expect(fs.readFileSync(f.absolutePath, 'utf8')).toBe(f.content);
    expect(temps(root)).toEqual([]);
  });

  it('issue 12 item 13: two `eos scaffold` processes started together into one folder: exactly one succeeds, and the files are all its own', async () => {
    const bin = path.join(REPO_ROOT, 'packages/cli/bin/run.js');
    const run = (table: string) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [bin, 'scaffold', 'dedup', '--out', 'src/eos', '--store', 'sqlite', '--table', table, '--yes'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code, stderr }));
      });
    const results = await Promise.all([run('alpha_table'), run('beta_table')]);
    expect(results.map((r) => r.code).sort()).toEqual([0, 1]);
    const winner = results[0].code === 0 ? 'alpha_table' : 'beta_table';
    const loser = winner === 'alpha_table' ? 'beta_table' : 'alpha_table';
    const written = filesUnder(path.join(root, 'src/eos')).map((f) => fs.readFileSync(path.join(root, 'src/eos', f), 'utf8')).join('\n');
    expect(written).toContain(winner);
    expect(written).not.toContain(loser);
    expect(temps(root)).toEqual([]);
  });

  it('issue 12 item 13: SIGINT in the middle of the renames leaves the whole set and no temporary file, then ends the process', async () => {
    const p = await plan({ out: 'src/eos', store: 'postgres' });
    expect(p.files.length).toBeGreaterThan(2);
    const script = `
      const fs = require('node:fs');
      const e = require(${JSON.stringify(path.join(REPO_ROOT, 'packages/analyzer/dist/index.js'))});
      (async () => {
        const project = e.detectProject(${JSON.stringify(root)});
        const template = e.loadTemplate('dedup');
        const plan = e.planScaffold(template, await e.resolveAnswers(template, { given: { out: 'src/eos', store: 'postgres' }, project, yes: true }), project);
        let placed = 0;
        const interrupt = () => { if (++placed === 1) process.kill(process.pid, 'SIGINT'); };
        e.writePlan(plan, {}, {
          writeFileSync: (f, d, o) => fs.writeFileSync(f, d, o),
          renameSync: (a, b) => { fs.renameSync(a, b); interrupt(); },
          linkSync: (a, b) => { fs.linkSync(a, b); interrupt(); },
        });
      })();`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.signal).toBe('SIGINT');
    for (const f of p.files) expect(fs.readFileSync(f.absolutePath, 'utf8')).toBe(f.content);
    expect(temps(root)).toEqual([]);
  });

  it('issue 12 item 13: a rerun removes the temporary files a killed scaffold left for its targets, and only those', async () => {
    const dir = path.join(root, 'src/eos');
    fs.mkdirSync(dir, { recursive: true });
    // Left by a process that no longer runs (no pid is that large): stale.
    const stale = '.dedup.ts.eos-999999999-0123456789ab.tmp';
    // Not stale or not ours: a running process's (this one), another target's, another program's.
    const kept = [`.dedup.ts.eos-${process.pid}-0123456789ab.tmp`, '.notes.md.eos-999999999-0123456789ab.tmp', 'dedup.ts.mine.tmp'];
    for (const name of [stale, ...kept]) fs.writeFileSync(path.join(dir, name), 'x');
    writePlan(await plan({ out: 'src/eos', store: 'sqlite' }));
    const left = fs.readdirSync(dir);
    expect(left).not.toContain(stale);
    for (const name of kept) expect(left).toContain(name);
  });
});
