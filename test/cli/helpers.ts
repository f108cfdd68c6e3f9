/** Shared helpers of the end-to-end CLI suites: build once, run the built binary, make sample trees. */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { it } from 'vitest';

export const ROOT = path.resolve(__dirname, '../..');
export const BIN = path.join(ROOT, 'packages/cli/bin/run.js');
const BUILT = path.join(ROOT, 'packages/cli/dist/commands/audit.js');

/**
 * Builds the workspace (`tsc -b`, incremental) so the suites test what a user would run. Test
 * files run in parallel, so the build is serialised with a lock. A failing build is tolerated
 * only when an earlier build left the CLI in place (the suites then say what they ran).
 */
export function ensureBuilt(): void {
  try {
    execFileSync('flock', [path.join(os.tmpdir(), 'eos-cli-e2e-build.lock'), 'npx', 'tsc', '-b'], { cwd: ROOT, stdio: 'pipe' });
  } catch (e) {
    if (!fs.existsSync(BUILT)) throw new Error(`tsc -b failed and no built CLI exists:\n${(e as { stdout?: Buffer }).stdout?.toString() ?? e}`);
  }
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** How to start the child besides its arguments: as another user (root only), under a umask. */
export interface RunAs {
  uid?: number;
  gid?: number;
  /** e.g. 0o077; applied by a shell before it execs node. */
  umask?: number;
}

/**
 * Runs `eos <args>` in `cwd` as a user would, without a terminal. Asynchronous, so the test
 * worker stays responsive while the child runs.
 */
export function eos(args: string[], cwd: string, env: Record<string, string | undefined> = {}, as: RunAs = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const command = as.umask === undefined ? [process.execPath, BIN, ...args] : ['/bin/sh', '-c', `umask ${as.umask.toString(8)} && exec "$0" "$@"`, process.execPath, BIN, ...args];
    const child = spawn(command[0], command.slice(1), {
      cwd,
      // vitest sets NODE_ENV=test, which makes oclif print development warnings; users do not have it.
      env: { ...process.env, NODE_ENV: undefined, NO_COLOR: undefined, FORCE_COLOR: undefined, EOS_DEBUG: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Node drops the supplementary groups when it switches user, as su and setpriv would.
      ...(as.uid !== undefined ? { uid: as.uid } : {}),
      ...(as.gid !== undefined ? { gid: as.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** A fresh temporary folder holding `files` (path → content). */
export function tree(files: Record<string, string | Buffer>): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'eos-e2e-')));
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(dir, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
  }
  return dir;
}

/** Copies a folder recursively (regular files and folders only). */
export function copyDir(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}

export interface JsonReport {
  version: number;
  findings: Array<{ ruleId: string; severity: string; file: string; line: number; column: number; endLine: number; endColumn: number; message: string; fix?: unknown }>;
  stats: { files: number; parsed: number; ms: number };
  errors?: Array<{ file: string; message: string }>;
}

/** Runs `eos audit --format json` and parses stdout. */
export async function auditJson(args: string[], cwd: string): Promise<RunResult & { report: JsonReport }> {
  const r = await eos(['audit', '--format', 'json', ...args], cwd);
  let report: JsonReport;
  try {
    report = JSON.parse(r.stdout) as JsonReport;
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.status}):\n${r.stdout}\n--- stderr:\n${r.stderr}`);
  }
  return { ...r, report };
}

/** Whether the tests run as root, which can own files as another user and run eos as `nobody`. */
export const IS_ROOT = process.getuid?.() === 0;

/** The `nobody` account: the second user of the ownership tests. */
export const NOBODY = { uid: Number(execFileSync('id', ['-u', 'nobody']).toString()), gid: Number(execFileSync('id', ['-g', 'nobody']).toString()) };

/**
 * `it` for a test that needs root (files owned by another user, eos run as `nobody`). Without root
 * it is skipped with the reason in its name, except under CI, which runs as root: there it runs,
 * and fails if root is missing, rather than pass unseen.
 */
export function itAsRoot(name: string, fn: () => Promise<void> | void): void {
  if (IS_ROOT || process.env.CI) it(name, fn);
  else it.skip(`${name} [skipped: needs root to own files as another user; CI runs it as root]`, fn);
}
