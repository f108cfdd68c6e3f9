/** Shared helpers of the end-to-end CLI suites: build once, run the built binary, make sample trees. */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

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

/** Runs `eos <args>` in `cwd` as a user would, without a terminal. */
export function eos(args: string[], cwd: string, env: Record<string, string | undefined> = {}): RunResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, EOS_DEBUG: undefined, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
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
export function auditJson(args: string[], cwd: string): RunResult & { report: JsonReport } {
  const r = eos(['audit', '--format', 'json', ...args], cwd);
  let report: JsonReport;
  try {
    report = JSON.parse(r.stdout) as JsonReport;
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.status}):\n${r.stdout}\n--- stderr:\n${r.stderr}`);
  }
  return { ...r, report };
}
