/**
 * Shared helpers for the scaffold tests: render a template into a throw-away user project inside
 * the repo (so the repo's node_modules, with the real client packages, resolve from it), type-check
 * the result with the TypeScript compiler under `strict`, and run the eos analyzer on it.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import {
  Analyzer,
  allRules,
  detectProject,
  loadTemplate,
  planScaffold,
  resolveAnswers,
  writePlan,
  type Finding,
  type ScaffoldPlan,
} from '@eos/analyzer';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** Git-ignored; under the repo so generated code resolves the repo's node_modules. */
export const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'scaffold');

export interface ProjectOptions {
  /** `"type": "module"` in the generated package.json. */
  esm?: boolean;
  /** Write a tsconfig.json (makes `language` default to ts). */
  typescript?: boolean;
  dependencies?: Record<string, string>;
}

/** Creates (fresh) a minimal user project and returns its directory. */
export function makeProject(name: string, options: ProjectOptions = {}): string {
  const dir = path.join(ARTIFACTS, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const pkg: Record<string, unknown> = { name: `eos-scaffold-${name}`, private: true, dependencies: options.dependencies ?? {} };
  if (options.esm) pkg.type = 'module';
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  if (options.typescript !== false) {
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, module: 'node16', target: 'ES2022', esModuleInterop: true, noEmit: true } }, null, 2),
    );
  }
  return dir;
}

/** Resolves answers non-interactively (flags + defaults), plans and writes. */
export async function scaffold(projectDir: string, template: string, given: Record<string, unknown>): Promise<ScaffoldPlan> {
  const spec = loadTemplate(template);
  const project = detectProject(projectDir);
  const answers = await resolveAnswers(spec, { given, project, yes: true });
  const plan = planScaffold(spec, answers, project);
  writePlan(plan);
  return plan;
}

/** Compiler options of the strict check: what a careful user's tsconfig would say. */
const STRICT_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.Node16,
  moduleResolution: ts.ModuleResolutionKind.Node16,
  esModuleInterop: true,
  skipLibCheck: true,
  noUnusedLocals: true,
  noImplicitReturns: true,
  noFallthroughCasesInSwitch: true,
  types: ['node'],
  typeRoots: [path.join(REPO_ROOT, 'node_modules', '@types')],
};

/** Type-checks files in one program; returns formatted errors (empty = clean). */
export function typeCheck(files: readonly string[]): string[] {
  const program = ts.createProgram(files, STRICT_OPTIONS);
  const diagnostics = ts.getPreEmitDiagnostics(program);
  return diagnostics.map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return text;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${path.relative(REPO_ROOT, d.file.fileName)}:${line + 1}:${character + 1} TS${d.code} ${text}`;
  });
}

/**
 * typeCheck in a child process: a large program takes tens of seconds of compiler time, which
 * must not block the test worker (its runner would time out talking to it).
 */
export function typeCheckInChild(files: readonly string[]): Promise<string[]> {
  const script = `
    const ts = require('typescript');
    const path = require('node:path');
    const { files, options, root } = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    const program = ts.createProgram(files, options);
    const out = ts.getPreEmitDiagnostics(program).map((d) => {
      const text = ts.flattenDiagnosticMessageText(d.messageText, '\\n');
      if (!d.file || d.start === undefined) return text;
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      return path.relative(root, d.file.fileName) + ':' + (line + 1) + ':' + (character + 1) + ' TS' + d.code + ' ' + text;
    });
    process.stdout.write(JSON.stringify(out));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`type check process failed (${code}): ${stderr}`));
      else resolve(JSON.parse(stdout) as string[]);
    });
    child.stdin.end(JSON.stringify({ files, options: STRICT_OPTIONS, root: REPO_ROOT }));
  });
}

/** Runs every eos rule on files; returns the findings (and input errors as pseudo-findings). */
export function audit(files: readonly string[]): string[] {
  const analyzer = new Analyzer({ rules: allRules });
  const out: string[] = [];
  for (const file of files) {
    const result = analyzer.analyzeText(file, fs.readFileSync(file, 'utf8'));
    for (const f of result.findings as Finding[]) out.push(`${path.relative(REPO_ROOT, f.file)}:${f.line}:${f.column} ${f.ruleId} ${f.message}`);
    for (const e of result.errors) out.push(`${path.relative(REPO_ROOT, e.file)} input error: ${e.message}`);
  }
  return out;
}

/** Absolute paths of the planned files with a given extension. */
export function filesOf(plan: ScaffoldPlan, ...extensions: string[]): string[] {
  return plan.files.filter((f) => extensions.some((e) => f.path.endsWith(e))).map((f) => f.absolutePath);
}
