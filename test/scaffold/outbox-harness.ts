/**
 * Renders the outbox template into throw-away projects with the real scaffold engine, compiles
 * them with the TypeScript compiler (strict, against the client packages installed at the repo
 * root), and loads or runs the result. Shared by the outbox scaffold and service tests.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import ts from 'typescript';
import { detectProject, loadTemplate, planScaffold, resolveAnswers, writePlan, type ScaffoldPlan } from '@eos/analyzer';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export const STORES = ['postgres', 'mysql', 'sqlite'] as const;
export const BROKERS = ['kafka', 'sqs', 'rabbitmq', 'pubsub', 'nats'] as const;
export type Store = (typeof STORES)[number];
export type Broker = (typeof BROKERS)[number];

export interface OutboxAnswers {
  store: Store;
  broker: Broker;
  table?: string;
  relay?: 'polling' | 'cdc';
  language?: 'ts' | 'js';
  module?: 'esm' | 'cjs';
}

/** The folder the templates render into, inside each temp project. */
export const OUT = 'src/outbox';

/** Compiler options of a careful user's project: strict, node16 modules, esModuleInterop. */
export const USER_COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.Node16,
  moduleResolution: ts.ModuleResolutionKind.Node16,
  lib: ['lib.es2022.d.ts'],
  types: ['node'],
  strict: true,
  noImplicitOverride: true,
  noFallthroughCasesInSwitch: true,
  esModuleInterop: true,
  skipLibCheck: true,
};

/** Creates an empty TypeScript project whose node_modules is the repo's (so real clients resolve). */
export function makeProject(prefix: string, esm = false): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `eos-${prefix}-`));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'user-service', private: true, ...(esm ? { type: 'module' } : {}) }, null, 2));
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, module: 'node16', esModuleInterop: true, outDir: 'dist', rootDir: 'src' } }, null, 2),
  );
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Removes a project made by `makeProject` (its node_modules is a symlink and stays untouched). */
export function removeProject(dir: string): void {
  if (path.dirname(dir) !== os.tmpdir() || !path.basename(dir).startsWith('eos-')) throw new Error(`not a test project: ${dir}`);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Resolves answers as `eos scaffold outbox --yes ...flags` would and plans the files (writes nothing). */
export async function planOutbox(projectDir: string, answers: OutboxAnswers): Promise<ScaffoldPlan> {
  const template = loadTemplate('outbox');
  const project = detectProject(projectDir);
  const given: Record<string, unknown> = { out: OUT, ...answers };
  const resolved = await resolveAnswers(template, { given, project, yes: true });
  return planScaffold(template, resolved, project);
}

/** Renders and writes the outbox template into `projectDir`; returns the plan. */
export async function scaffoldOutbox(projectDir: string, answers: OutboxAnswers): Promise<ScaffoldPlan> {
  const plan = await planOutbox(projectDir, answers);
  writePlan(plan);
  return plan;
}

/** Every .ts file under `dir`, recursively. */
export function tsFilesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules' && entry.name !== 'dist') found.push(...tsFilesUnder(full));
    else if (entry.isFile() && entry.name.endsWith('.ts')) found.push(full);
  }
  return found;
}

/**
 * Compiles a project's src/ to dist/ (CommonJS) so a child process can run it with plain node.
 * Throws with the diagnostics when the code does not type-check.
 */
export function compileProject(projectDir: string): string {
  const files = tsFilesUnder(path.join(projectDir, 'src'));
  const options: ts.CompilerOptions = {
    ...USER_COMPILER_OPTIONS,
    outDir: path.join(projectDir, 'dist'),
    rootDir: path.join(projectDir, 'src'),
  };
  const program = ts.createProgram({ rootNames: files, options });
  const result = program.emit();
  const errors = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics].filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    throw new Error(errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n'));
  }
  return path.join(projectDir, 'dist');
}

/** A name unique to this test run, valid as a SQL identifier, queue, stream and subject token. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
}

/** Polls `check` until it returns true or `timeoutMs` passes (then throws with `what`). */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
