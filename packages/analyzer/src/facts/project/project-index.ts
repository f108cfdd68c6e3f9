import * as path from 'node:path';
import { ts } from 'ts-morph';
import type { FileFacts } from '../file-facts';
import { unwrap } from '../origins';
import { localInitializer } from '../syntax';
import { resolveRelativeModule } from './module-resolution';
import { rememberOutline } from './outline';

/** Reads the text of files the analysis did not start from (imported modules). */
export interface SourceHost {
  /** The file's text, or undefined when it does not exist or cannot be read. */
  readFile(fileName: string): string | undefined;
}

/**
 * How the pre-filter reads other files: the ProjectIndex in the analyzer (so a cached analysis
 * records what it read), a plain reader on the read-ahead thread.
 */
export interface SourceFiles {
  /** The file's text, or undefined when absent or unreadable; recorded while `tracking`. */
  readFile(fileName: string): string | undefined;
  /**
   * Records, while `tracking`, that the current result depends on the file, as a read would, and
   * says whether it exists; for callers that need no text (a probe, a dependency already judged).
   */
  record(fileName: string): boolean;
  /** The file a relative specifier names, or undefined. */
  resolveModule(fromFile: string, specifier: string): string | undefined;
  /** Whether the reads are being recorded as what the current result depends on. */
  readonly tracking: boolean;
}

/**
 * How many parsed files stay cached at once; bounds memory on large trees. Imports are mostly
 * between nearby files, analysed close together, so a small cache serves them; a larger one
 * mostly keeps trees alive through collections (256 cost ~45 MiB more peak RSS on the synthetic
 * 10k-file monorepo and ~8% more CPU, and saved no parse there).
 */
const CACHE_LIMIT = 64;

/**
 * Cross-file knowledge for the syntactic mode: follows relative imports so that a handler
 * defined in one file and registered in another is still found. Imported files are parsed on
 * demand and kept in a small LRU cache.
 */
export class ProjectIndex implements SourceFiles {
  private readonly cache = new Map<string, FileFacts | null>();
  /** Module resolutions that found a file, by importing file and specifier (see resolveModuleCached). */
  private readonly resolutions = new Map<string, string>();
  /** Files read (or probed) while `track` runs, with their text or null when absent. */
  private reads: Map<string, string | null> | undefined;

  constructor(
    private readonly host: SourceHost,
    private readonly load: (fileName: string, text: string) => FileFacts | undefined,
    /**
     * The files of the project (a run's discovered files), for questions about the whole project
     * such as which classes implement an interface (facts/summaries); undefined when not known
     * (an editor), where the folder around the analysed file is scanned instead.
     */
    readonly projectFiles?: readonly string[],
  ) {}

  /**
   * Reads a file through the host without recording it as a dependency: for project-wide scans
   * whose answers record the files they actually use.
   */
  peekFile(fileName: string): string | undefined {
    return this.host.readFile(fileName);
  }

  /**
   * Runs `fn` and returns, with its result, every other file it read or probed for (text, or null
   * when absent). The cache uses this to know which files a file's findings depend on.
   */
  track<T>(fn: () => T): { result: T; reads: Map<string, string | null> } {
    const outer = this.reads;
    const reads = new Map<string, string | null>();
    this.reads = reads;
    try {
      return { result: fn(), reads };
    } finally {
      this.reads = outer;
      if (outer) for (const [k, v] of reads) outer.set(k, v);
    }
  }

  /** Whether a `track` call is running (its reads are being recorded). */
  get tracking(): boolean {
    return this.reads !== undefined;
  }

  /** Reads a file through the host, recording it while `track` runs; undefined when absent. */
  readFile(fileName: string): string | undefined {
    const text = this.host.readFile(fileName);
    this.reads?.set(fileName, text ?? null);
    return text;
  }

  /**
   * Reads the file only when this `track` call has not recorded it yet: an answer remembered
   * across files (an empty summary, an outline, a class's methods) records the files it rests on
   * for every file that uses it, often many times over in one file's analysis.
   */
  record(fileName: string): boolean {
    const recorded = this.reads?.get(fileName);
    if (recorded !== undefined) return recorded !== null;
    return this.readFile(fileName) !== undefined;
  }

  /** Facts of another file, parsed on first use; undefined when it cannot be read or parsed. */
  factsOf(fileName: string): FileFacts | undefined {
    const key = path.resolve(fileName);
    if (this.cache.has(key)) {
      const hit = this.cache.get(key) ?? undefined;
      if (this.reads && !this.reads.has(key)) this.reads.set(key, hit ? hit.sourceFile.text : null);
      this.cache.delete(key); // refresh LRU position
      this.cache.set(key, hit ?? null);
      return hit;
    }
    const text = this.readFile(key);
    const facts = text === undefined ? undefined : this.load(key, text);
    this.cache.set(key, facts ?? null);
    if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as string);
    return facts;
  }

  /** Registers facts the engine already has, so they are not parsed again. */
  remember(facts: FileFacts): void {
    rememberOutline(this, facts);
    this.cache.set(path.resolve(facts.sourceFile.fileName), facts);
    if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as string);
  }

  /**
   * `resolveModule`, remembered per (importing file, specifier): resolving probes the disk for a
   * dozen file names, and the cross-file lookup (lookup.ts) repeats the same resolutions.
   */
  resolveModuleCached(fromFile: string, specifier: string): string | undefined {
    const key = `${fromFile}\0${specifier}`;
    const hit = this.resolutions.get(key);
    if (hit !== undefined) return hit;
    const file = this.resolveModule(fromFile, specifier);
    // Only hits are remembered: a file created later (an editor session) must still resolve.
    if (file !== undefined) this.resolutions.set(key, file);
    return file;
  }

  /** Resolves a relative module specifier from `fromFile` to an existing file name. */
  resolveModule(fromFile: string, specifier: string): string | undefined {
    return resolveRelativeModule(fromFile, specifier, (candidate) => this.readFile(candidate) !== undefined);
  }

  /**
   * The function an expression denotes, following local names, `this.method`, `.bind(...)`
   * and relative imports. Undefined when it cannot be known syntactically.
   */
  resolveFunction(facts: FileFacts, expr: ts.Expression, depth = 0): ts.FunctionLikeDeclaration | undefined {
    if (depth > 4) return undefined;
    const e = unwrap(expr);
    if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) return e;
    // handler.bind(this)
    if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === 'bind') {
      return this.resolveFunction(facts, e.expression.expression, depth + 1);
    }
    if (ts.isPropertyAccessExpression(e)) {
      const local = facts.functionNamed(e.name.text);
      if (local) return local;
      const ns = unwrap(e.expression);
      if (ts.isIdentifier(ns)) {
        const binding = facts.origins.importOf(ns.text);
        if (binding && binding.imported === '*') return this.exportedFunction(facts, binding.module, e.name.text, depth);
      }
      return undefined;
    }
    if (ts.isIdentifier(e)) {
      // The nearest declaration in scope first: two functions of a file may each hold their own
      // `const onMessage = …`, and the file-wide name table keeps only one of them.
      const scoped = e.getSourceFile() === facts.sourceFile ? localInitializer(e) : undefined;
      const inScope = scoped && unwrap(scoped);
      if (inScope && (ts.isArrowFunction(inScope) || ts.isFunctionExpression(inScope))) return inScope;
      const local = facts.functionNamed(e.text);
      if (local) return local;
      const binding = facts.origins.importOf(e.text);
      if (binding) return this.exportedFunction(facts, binding.module, binding.imported, depth);
    }
    return undefined;
  }

  /** The function exported as `name` (or `default`) by the module `specifier` imported from `facts`. */
  private exportedFunction(facts: FileFacts, specifier: string, name: string, depth: number): ts.FunctionLikeDeclaration | undefined {
    const target = this.resolveModuleCached(facts.sourceFile.fileName, specifier);
    if (!target) return undefined;
    const other = this.factsOf(target);
    if (!other) return undefined;
    if (name !== 'default' && name !== '*') {
      const direct = other.functionNamed(name);
      if (direct) return direct;
    }
    for (const stmt of other.sourceFile.statements) {
      if (name === 'default' && ts.isExportAssignment(stmt)) return this.resolveFunction(other, stmt.expression, depth + 1);
      if (name === 'default' && ts.isFunctionDeclaration(stmt) && stmt.modifiers?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)) return stmt;
      // export { handle } from './handlers' / export { handle as default }
      if (ts.isExportDeclaration(stmt) && stmt.exportClause && ts.isNamedExports(stmt.exportClause)) {
        for (const el of stmt.exportClause.elements) {
          if (el.name.text !== name) continue;
          const original = (el.propertyName ?? el.name).text;
          if (stmt.moduleSpecifier && ts.isStringLiteral(stmt.moduleSpecifier)) {
            return this.exportedFunction(other, stmt.moduleSpecifier.text, original, depth + 1);
          }
          return other.functionNamed(original);
        }
      }
    }
    return undefined;
  }
}
