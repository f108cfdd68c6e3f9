import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { ts } from 'ts-morph';
import type { Origin, OriginFallback } from '../facts/origins';
import { parseSource } from './parse';
import { walkTree } from '../facts/tree-walk';

/**
 * Type-aware origin resolution for `eos audit --types`.
 *
 * The syntactic facts layer knows where a value comes from when the code says so (an import, an
 * annotation, an initialiser). When it does not (`const ch = await openChannel()` with the helper
 * in another file, a field injected by a framework), the type checker does: the value's type is
 * declared in some package's typings, and that package is the origin. Building the program costs
 * seconds on a real project, so it is built on the first question only, and never in the default
 * syntactic mode.
 *
 * The program is made with the compiler API itself, not a ts-morph Project: a Project wraps every
 * file and keeps its own copies, which on a few thousand files cost seconds and hundreds of MiB
 * for nothing the questions need. Once the program exists, `parse` hands the analyzer the
 * program's own tree of each file, so a file is parsed once and a question about one of its
 * expressions is asked of that very node (no lookup by position).
 */
export class TypeAwareOrigins {
  private program: ts.Program | undefined;
  private checker: ts.TypeChecker | undefined;
  private build: ProgramBuild | undefined;
  /** Files asked about that the program does not hold even when added (absent, excluded by options): not retried. */
  private readonly unavailable = new Set<string>();
  /** For each tree the analyzer walks, the program's copy of its file (null: none with the same text). */
  private copies = new WeakMap<ts.SourceFile, ts.SourceFile | null>();
  /** Answers per node of the program (null: none); the same expression is asked again across fix passes and imported files. */
  private answers = new WeakMap<ts.Node, Origin | null>();
  /** Packages with declarations in the program (see declaredPackages); grows when the program does. */
  private readonly packages = new Set<string>();
  /** Why the program could not be built, once it failed (the run goes on syntactically). */
  failure: string | undefined;

  /**
   * @param tsconfig the tsconfig.json whose program answers; undefined for default compiler options
   * @param files the files the run analyses (added to the program when the tsconfig leaves them out)
   */
  constructor(readonly tsconfig: string | undefined, private readonly files: readonly string[] = []) {}

  /**
   * The tree to analyse a file with (the Analyzer's `parse` option): the program's own when the
   * program is built and holds exactly this text, else a fresh parse. The program's trees are
   * parsed with parent pointers set, as `parseSource` does. Before the first question there is no
   * program, and it is not built here: a run that never asks never pays for it.
   */
  parse(fileName: string, text: string): ts.SourceFile {
    const own = this.program?.getSourceFile(fileName);
    return own !== undefined && own.text === text ? own : parseSource(fileName, text);
  }

  /**
   * The packages the program holds declarations of (`packageOfFile` of each of its files): the
   * only packages an answer of `originOf` can name. Builds the program; empty when it cannot be
   * built (every answer is then undefined). The set is live: a file added to the program later
   * (one outside the run and the tsconfig, opened in an editor) adds its packages.
   */
  declaredPackages(): ReadonlySet<string> {
    this.load();
    return this.packages;
  }

  /** The fallback the facts layer consults for one analysed file (see OriginResolver). */
  fallbackFor(sourceFile: ts.SourceFile): OriginFallback {
    return (expr) => this.originOf(sourceFile, expr);
  }

  /** The package an expression's type is declared in, as an Origin `{ module, chain: [':TypeName'] }`. */
  originOf(sourceFile: ts.SourceFile, expr: ts.Expression): Origin | undefined {
    const programFile = this.programCopy(sourceFile);
    const checker = this.checker;
    if (!programFile || !checker) return undefined;
    // The analyzer walks the program's own tree unless the file was parsed before the program existed.
    const node = programFile === sourceFile ? expr : nodeAt(programFile, expr.getStart(sourceFile), expr.getEnd(), expr.kind);
    if (!node) return undefined;
    const known = this.answers.get(node);
    if (known !== undefined) return known ?? undefined;
    const origin = originFromChecker(checker, node);
    this.answers.set(node, origin ?? null);
    return origin;
  }

  /**
   * The program's copy of an analysed file, only when its text is the one being analysed (after
   * `--fix` rewrote a file, positions would no longer agree and the answer would be wrong).
   */
  private programCopy(sourceFile: ts.SourceFile): ts.SourceFile | undefined {
    const known = this.copies.get(sourceFile);
    if (known !== undefined) return known ?? undefined;
    const compiled = this.programWith(sourceFile.fileName)?.getSourceFile(sourceFile.fileName);
    const copy = compiled && compiled.text === sourceFile.text ? compiled : undefined;
    this.copies.set(sourceFile, copy ?? null);
    return copy;
  }

  /** The program, with `fileName` added when the tsconfig's program (and its imports) leave it out. */
  private programWith(fileName: string): ts.Program | undefined {
    const program = this.load();
    const build = this.build;
    if (!program || !build || program.getSourceFile(fileName) || this.unavailable.has(fileName)) return program;
    this.unavailable.add(fileName);
    if (!fs.existsSync(fileName)) return program;
    // Rebuilt once for the file; every other tree is reused (the host keeps them), only the checker starts afresh.
    // A new array: the old program holds the old one, and an equal root list would make it reuse everything.
    build.rootNames = [...build.rootNames, fileName];
    this.use(ts.createProgram({ rootNames: build.rootNames, options: build.options, host: build.host, oldProgram: program }));
    return this.program;
  }

  private load(): ts.Program | undefined {
    if (this.program || this.failure) return this.program;
    try {
      const { options, fileNames } = this.tsconfig ? readTsconfig(this.tsconfig) : { options: DEFAULT_OPTIONS, fileNames: [] };
      // Files analysed but outside the tsconfig are roots from the start, so the program is built once.
      const rootNames = [...new Set([...fileNames, ...this.files].map((f) => path.resolve(f)))];
      this.build = { rootNames, options, host: cachingHost(options) };
      this.use(ts.createProgram({ rootNames, options, host: this.build.host }));
    } catch (e) {
      this.failure = `${this.tsconfig ?? 'default compiler options'}: ${(e as Error).message.split('\n')[0]}`;
    }
    return this.program;
  }

  private use(program: ts.Program): void {
    this.program = program;
    for (const sf of program.getSourceFiles()) {
      const pkg = packageOfFile(sf.fileName);
      if (pkg) this.packages.add(pkg);
    }
    this.checker = program.getTypeChecker();
    this.copies = new WeakMap();
    this.answers = new WeakMap();
  }
}

/** What a program is made of, kept to rebuild it when a file has to be added. */
interface ProgramBuild {
  rootNames: string[];
  options: ts.CompilerOptions;
  host: ts.CompilerHost;
}

/** Compiler options when no tsconfig applies. */
const DEFAULT_OPTIONS: ts.CompilerOptions = {
  allowJs: true,
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.Node16,
  moduleResolution: ts.ModuleResolutionKind.Node16,
};

/**
 * Compiler options and files of a tsconfig. Only an unreadable or malformed file is a failure:
 * other problems (an unknown option, no inputs) leave a program worth asking, as they did when
 * ts-morph read the file.
 */
function readTsconfig(file: string): { options: ts.CompilerOptions; fileNames: string[] } {
  const read = ts.readConfigFile(file, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(file), undefined, file);
  return { options: parsed.options, fileNames: parsed.fileNames };
}

/**
 * Where the standard library's declarations live. The compiler bundled with ts-morph ships them as
 * strings, not files; they are served at the path ts-morph gives them, so declarations in them
 * belong to the package `typescript` as they always have (see packageOfFile).
 */
const LIB_FOLDER = '/node_modules/typescript/lib';

let libTexts: Map<string, string> | undefined;

/** The bundled lib files by full path. */
function bundledLibs(): Map<string, string> {
  libTexts ??= new Map(tsMorphCommon().getLibFiles().map((f) => [`${LIB_FOLDER}/${f.fileName}`, f.text]));
  return libTexts;
}

/**
 * ts-morph's own dependency, which holds the lib files: the copy ts-morph itself loads, as another
 * version may sit at the top of node_modules. In a bundle (the VS Code extension ships one and no
 * node_modules) there is no ts-morph to resolve, and the bundled copy is ts-morph's; the name is
 * a literal there so that bundlers include it, and a variable above so that they leave it alone.
 */
function tsMorphCommon(): { getLibFiles(): Array<{ fileName: string; text: string }> } {
  const tsMorph = ['ts', 'morph'].join('-');
  try {
    return createRequire(require.resolve(tsMorph))('@ts-morph/common');
  } catch {
    return require('@ts-morph/common');
  }
}

/** `x.d.ts`, `x.d.mts`, `x.d.cts`, and `x.d.css.ts` (declarations for an arbitrary extension). */
const DECLARATION_FILE = /\.d\.([cm]?ts|[^./]+\.ts)$/i;

/**
 * A compiler host on the real file system, with the bundled lib files, that parses each file once
 * and keeps the trees: a program rebuilt to add a file then reuses every tree, so the ones handed
 * to the analyzer stay the program's. Files are read once; the run sees the disk as it was when
 * the program was built.
 *
 * JSDoc is parsed where types depend on it (JavaScript files) and nowhere else, as `parseSource`
 * leaves it out and tsc skips what types do not need. Source files get their parent pointers at
 * parse, as `parseSource` gives them, since the analyzer may walk them; declaration files (the
 * libs, the dependencies' typings: a third of the text on a typical project) only answer the
 * checker, and the binder sets the pointers it needs.
 */
function cachingHost(options: ts.CompilerOptions): ts.CompilerHost {
  const host = ts.createCompilerHost(options, true);
  const libs = bundledLibs();
  const trees = new Map<string, ts.SourceFile | undefined>();
  const { fileExists, readFile } = host;
  host.getDefaultLibLocation = () => LIB_FOLDER;
  host.getDefaultLibFileName = (o) => `${LIB_FOLDER}/${ts.getDefaultLibFileName(o)}`;
  host.fileExists = (f) => libs.has(f) || fileExists.call(host, f);
  host.readFile = (f) => libs.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (fileName, version, onError) => {
    if (trees.has(fileName)) return trees.get(fileName);
    let text: string | undefined;
    try {
      text = host.readFile(fileName);
    } catch (e) {
      onError?.((e as Error).message);
    }
    const settings = typeof version === 'object' ? version : { languageVersion: version };
    const tree = text === undefined ? undefined : ts.createSourceFile(fileName, text, { ...settings, jsDocParsingMode: ts.JSDocParsingMode.ParseForTypeInfo }, !DECLARATION_FILE.test(fileName));
    trees.set(fileName, tree);
    return tree;
  };
  return host;
}

/** packageOfFile per declaration file (null: the project's own): thousands of answers come from a few files. */
const packages = new WeakMap<ts.SourceFile, string | null>();

function packageOfDeclaration(file: ts.SourceFile): string | undefined {
  let known = packages.get(file);
  if (known === undefined) packages.set(file, (known = packageOfFile(file.fileName) ?? null));
  return known ?? undefined;
}

/** The package the type of `node` is declared in, as an Origin, or undefined (the project's own type, none, or the checker failed). */
function originFromChecker(checker: ts.TypeChecker, node: ts.Node): Origin | undefined {
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
  const module = packageOfDeclaration(declaration.getSourceFile());
  if (!module) return undefined;
  return { module, chain: [`:${symbol.getName()}`] };
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
  walkTree(sourceFile, (node) => {
    if (found) return false;
    const nodeStart = node.getStart(sourceFile);
    if (nodeStart === start && node.getEnd() === end && node.kind === kind) {
      found = node;
      return false;
    }
    return node.pos <= start && node.getEnd() >= end;
  }, false);
  return found;
}
