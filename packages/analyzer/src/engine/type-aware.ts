import * as fs from 'node:fs';
import * as path from 'node:path';
import { Project, ts } from 'ts-morph';
import type { Origin, OriginFallback } from '../facts/origins';

/**
 * Type-aware origin resolution for `eos audit --types`.
 *
 * The syntactic facts layer knows where a value comes from when the code says so (an import, an
 * annotation, an initialiser). When it does not (`const ch = await openChannel()` with the helper
 * in another file, a field injected by a framework), the type checker does: the value's type is
 * declared in some package's typings, and that package is the origin. Building the program costs
 * seconds on a real project, so it is built on the first question only, and never in the default
 * syntactic mode.
 */
export class TypeAwareOrigins {
  private project: Project | undefined;
  private checker: ts.TypeChecker | undefined;
  /** Why the program could not be built, once it failed (the run goes on syntactically). */
  failure: string | undefined;

  /**
   * @param tsconfig the tsconfig.json whose program answers; undefined for default compiler options
   * @param files the files the run analyses (added to the program when the tsconfig leaves them out)
   */
  constructor(readonly tsconfig: string | undefined, private readonly files: readonly string[] = []) {}

  /** The fallback the facts layer consults for one analysed file (see OriginResolver). */
  fallbackFor(sourceFile: ts.SourceFile): OriginFallback {
    return (expr) => this.originOf(sourceFile, expr);
  }

  /** The package an expression's type is declared in, as an Origin `{ module, chain: [':TypeName'] }`. */
  originOf(sourceFile: ts.SourceFile, expr: ts.Expression): Origin | undefined {
    const programFile = this.programFile(sourceFile);
    const checker = this.checker;
    if (!programFile || !checker) return undefined;
    const node = nodeAt(programFile, expr.getStart(sourceFile), expr.getEnd(), expr.kind);
    if (!node) return undefined;
    let type: ts.Type;
    try {
      type = checker.getTypeAtLocation(node);
    } catch {
      return undefined;
    }
    const awaited = checker.getAwaitedType(type) ?? type;
    const symbol = awaited.aliasSymbol ?? awaited.getSymbol();
    const declaration = symbol?.declarations?.[0];
    if (!symbol || !declaration) return undefined;
    const module = packageOfFile(declaration.getSourceFile().fileName);
    if (!module) return undefined;
    return { module, chain: [`:${symbol.getName()}`] };
  }

  /**
   * The program's copy of an analysed file, only when its text is the one being analysed (after
   * `--fix` rewrote a file, positions would no longer agree and the answer would be wrong).
   */
  private programFile(sourceFile: ts.SourceFile): ts.SourceFile | undefined {
    const project = this.load();
    if (!project) return undefined;
    let program = project.getProgram().compilerObject;
    let compiled = program.getSourceFile(sourceFile.fileName);
    if (!compiled) {
      // Not part of the tsconfig's program (nor imported by it): add it; the program is rebuilt once.
      if (!project.addSourceFileAtPathIfExists(sourceFile.fileName)) return undefined;
      program = project.getProgram().compilerObject;
      this.checker = undefined;
      compiled = program.getSourceFile(sourceFile.fileName);
    }
    this.checker ??= program.getTypeChecker();
    return compiled && compiled.text === sourceFile.text ? compiled : undefined;
  }

  private load(): Project | undefined {
    if (this.project || this.failure) return this.project;
    try {
      const project = this.tsconfig
        ? new Project({ tsConfigFilePath: this.tsconfig })
        : new Project({ compilerOptions: { allowJs: true, strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 } });
      // Files analysed but outside the tsconfig join before the first program is built, so it is built once.
      for (const file of this.files) if (!project.getSourceFile(file)) project.addSourceFileAtPathIfExists(file);
      this.project = project;
    } catch (e) {
      this.failure = `${this.tsconfig ?? 'default compiler options'}: ${(e as Error).message.split('\n')[0]}`;
    }
    return this.project;
  }
}

/** The nearest project tsconfig.json at or above `from` (a file or folder), or undefined. */
export function findTsconfig(from: string): string | undefined {
  let dir = path.resolve(from);
  try {
    if (!fs.statSync(dir).isDirectory()) dir = path.dirname(dir);
  } catch {
    dir = path.dirname(dir);
  }
  for (;;) {
    const candidate = path.join(dir, 'tsconfig.json');
    if (fs.existsSync(candidate) && !isSolutionFile(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
    dir = path.dirname(dir);
  }
}

/** A solution-style tsconfig (`"files": []` with references) holds no program of its own. */
function isSolutionFile(file: string): boolean {
  const { config } = ts.readConfigFile(file, (f) => fs.readFileSync(f, 'utf8'));
  return Array.isArray(config?.files) && config.files.length === 0 && config.include === undefined;
}

/**
 * The package a declaration file belongs to: `…/node_modules/@types/amqplib/index.d.ts` →
 * `amqplib`, `…/node_modules/@aws-sdk/client-sqs/dist-types/…` → `@aws-sdk/client-sqs`,
 * `@types/scope__name` → `@scope/name`. Files outside node_modules belong to the project: undefined.
 */
export function packageOfFile(fileName: string): string | undefined {
  const norm = fileName.split(path.sep).join('/');
  const at = norm.lastIndexOf('/node_modules/');
  if (at === -1) return undefined;
  const parts = norm.slice(at + '/node_modules/'.length).split('/');
  const name = parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  if (!name.startsWith('@types/')) return name;
  const typed = name.slice('@types/'.length);
  return typed.includes('__') ? `@${typed.replace('__', '/')}` : typed;
}

/** The node of `kind` spanning exactly `[start, end)`, descending only into children that contain the range. */
function nodeAt(sourceFile: ts.SourceFile, start: number, end: number, kind: ts.SyntaxKind): ts.Node | undefined {
  let found: ts.Node | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    const nodeStart = node.getStart(sourceFile);
    if (nodeStart === start && node.getEnd() === end && node.kind === kind) {
      found = node;
      return;
    }
    if (node.pos <= start && node.getEnd() >= end) ts.forEachChild(node, visit);
  };
  ts.forEachChild(sourceFile, visit);
  return found;
}
