/**
 * Helpers of the packaging test: pack the workspace packages, make a new project outside the
 * repository, install into it as a user would, and run commands there with a clean environment.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface Run {
  command: string;
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * The environment of a user's shell: no npm lifecycle variables from `npm test` (npm_config_*
 * would steer the nested npm), no NODE_ENV=test from vitest, no colour switches.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|NODE_ENV$|VITEST|FORCE_COLOR$|NO_COLOR$|EOS_DEBUG$|INIT_CWD$)/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Runs a command to completion (never through a shell), failing loudly when it outlives `timeoutMs`. */
export function run(file: string, args: readonly string[], cwd: string, options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Run> {
  const command = `${path.basename(file)} ${args.join(' ')}`;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env: userEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} (in ${cwd}) did not finish within ${timeoutMs / 1000} s\n--- stdout:\n${stdout}\n--- stderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ command, status, stdout, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 });
    });
  });
}

/** A failure message with everything the run printed. */
export function explain(r: Run): string {
  return `${r.command} exited ${r.status}\n--- stdout:\n${r.stdout}\n--- stderr:\n${r.stderr}`;
}

/** The run's stdout as JSON; a failure shows everything the run printed. */
export function jsonOf<T>(r: Run): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON: ${explain(r)}`);
  }
}

/** Throws with the run's output unless it exited 0. */
export function ok(r: Run): Run {
  if (r.status !== 0) throw new Error(explain(r));
  return r;
}

/**
 * A new folder under the OS temp folder. Refused inside the repository, or below any folder that
 * holds a node_modules: Node would resolve packages from there that the project never installed.
 */
export function tempFolder(prefix: string): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  const rel = path.relative(REPO_ROOT, dir);
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) throw new Error(`${dir} is inside the repository ${REPO_ROOT}: set TMPDIR elsewhere`);
  for (let up = path.dirname(dir); ; up = path.dirname(up)) {
    if (fs.existsSync(path.join(up, 'node_modules'))) throw new Error(`${up}/node_modules would be visible to the test projects in ${dir}: set TMPDIR elsewhere`);
    if (path.dirname(up) === up) break;
  }
  return dir;
}

interface WorkspacePackage {
  name: string;
  dir: string;
}

/** The workspace packages npm would publish (private ones, such as the VS Code extension, ship as a .vsix). */
export function publishablePackages(): WorkspacePackage[] {
  const root = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  return root.workspaces
    .map((w) => ({ dir: path.join(REPO_ROOT, w), manifest: JSON.parse(fs.readFileSync(path.join(REPO_ROOT, w, 'package.json'), 'utf8')) as { name: string; private?: boolean } }))
    .filter((p) => p.manifest.private !== true)
    .map((p) => ({ name: p.manifest.name, dir: p.dir }));
}

/** `npm pack` of every publishable package into `dest`; returns the tarballs' paths. */
export async function packAll(dest: string): Promise<string[]> {
  const packages = publishablePackages();
  ok(await run('npm', ['pack', '--pack-destination', dest, ...packages.flatMap((p) => ['-w', p.name])], REPO_ROOT, { timeoutMs: 300_000 }));
  const tarballs = fs.readdirSync(dest).filter((f) => f.endsWith('.tgz'));
  if (tarballs.length !== packages.length) throw new Error(`npm pack wrote ${tarballs.join(', ')} for ${packages.map((p) => p.name).join(', ')}`);
  return tarballs.map((f) => path.join(dest, f));
}

/** Writes a project's package.json (and whatever else it holds) into a new folder. */
export function newProject(dir: string, files: Record<string, string>): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

export interface Footprint {
  packages: number;
  megabytes: number;
  seconds: number;
}

/** Installs the tarballs as a user installs eos (`npm install -D`), and measures what it took. */
export async function installEos(project: string, tarballs: readonly string[]): Promise<Footprint> {
  const r = ok(await run('npm', ['install', '--save-dev', '--no-audit', '--no-fund', ...tarballs], project, { timeoutMs: 600_000 }));
  const lock = JSON.parse(fs.readFileSync(path.join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
  // Every @eos package must come from our tarballs, never from a registry (the scope is not ours there).
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key.includes('node_modules/@eos/') && !entry.resolved?.startsWith('file:')) throw new Error(`${key} was not installed from a local tarball: ${JSON.stringify(entry)}`);
  }
  return {
    packages: Object.keys(lock.packages).filter((k) => k !== '').length,
    megabytes: folderBytes(path.join(project, 'node_modules')) / 1024 / 1024,
    seconds: r.ms / 1000,
  };
}

/** Bytes of the regular files under a folder (what `du --apparent-size` counts). */
export function folderBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += folderBytes(p);
    else if (e.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

/** The `npm install …` commands a scaffold printed in its next steps. */
export function installSteps(scaffoldOutput: string): string[][] {
  return [...scaffoldOutput.matchAll(/^\s*\d+\.\s+npm install (.+)$/gm)].map((m) => m[1].trim().split(/\s+/));
}

export interface TestSummary {
  pass: number;
  fail: number;
  skipped: number;
}

/** Counts of node:test's TAP summary. */
export function testSummary(output: string): TestSummary {
  const count = (name: string): number => Number(new RegExp(`^# ${name} (\\d+)`, 'm').exec(output)?.[1] ?? NaN);
  return { pass: count('pass'), fail: count('fail'), skipped: count('skipped') };
}

/** Files under `dir` whose name ends with `suffix`, relative to `root`, with forward slashes. */
export function filesEndingWith(dir: string, suffix: string, root: string = dir): string[] {
  const out: string[] = [];
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules') out.push(...filesEndingWith(p, suffix, root));
    else if (e.isFile() && e.name.endsWith(suffix)) out.push(path.relative(root, p).split(path.sep).join('/'));
  }
  return out.sort();
}
