/**
 * File outlines: what the cross-file lookups need to know of a project file's declarations
 * (its top-level classes and interfaces, their methods and base classes, its singletons), kept
 * without the file's tree.
 *
 * Resolving `this.eventBus.publish()` or `publisher.publish()` names a method in another file;
 * finding it used to need that file's tree, and trees live in a small cache (ProjectIndex), so a
 * file evicted between two lookups was parsed again for each (on a 10k-file monorepo, half the
 * parses of imported files). An outline is built once per file from its tree and kept for the
 * analyzer's life: a lookup answers from it with a FunctionRef (file and range), and the tree is
 * parsed again only when the function's effects must be walked and are not already known to be
 * empty (see summaries/callees).
 *
 * Outlines of other files are kept for a run over a list of files (see keepsOutlines); the
 * analysed file's own outline is built from its current facts.
 */
import * as path from 'node:path';
import { ts } from 'ts-morph';
import type { FileFacts } from '../file-facts';
import { unwrap } from '../origins';
import type { ProjectIndex } from './project-index';

/** A project function by where it is (file and node range), with how it reads in a path. */
export interface FunctionRef {
  file: string;
  pos: number;
  end: number;
  label: string;
}

/** A range in a file's tree. */
export interface Range {
  pos: number;
  end: number;
}

/** A top-level class or interface, as the lookups see it. */
export interface TypeOutline {
  /** Its name as declared, or undefined for an unnamed default-exported class. */
  name?: string;
  isClass: boolean;
  /** An interface, or a class declared `abstract`. */
  isAbstract: boolean;
  /** The class it extends (its last name: `ns.Base<T>` → 'Base'). */
  base?: string;
  /** How the file imports `base`, when it does. */
  baseImport?: { module: string; imported: string };
  /**
   * The methods with a body the class itself declares, by name: methods, and properties holding a
   * function (`handle = async () => …`); identifier or string names; the first of a name wins.
   */
  own: ReadonlyMap<string, Range>;
}

/** A method of a top-level class: where it is, how it reads in a path, and whether it is `static`. */
export type MethodOutline = Range & { label: string; isStatic: boolean };

export interface FileOutline {
  /** The first top-level class or interface of each name. */
  types: ReadonlyMap<string, TypeOutline>;
  /**
   * Methods of the file's top-level classes by class name (and `default` for the default-exported
   * class): methods with a body and properties initialised with a function, identifier names only,
   * the first of a name wins, with their path labels. What `new X().m()` / `x.m()` on an imported
   * class or singleton may run.
   */
  classMethods: ReadonlyMap<string, ReadonlyMap<string, MethodOutline>>;
  /** `const publisher = new OrderPublisher()` at top level: variable name → class name (the first). */
  instances: ReadonlyMap<string, string>;
}

/** Outlines per analyzer, by file (null: the file cannot be read or parsed). */
const outlines = new WeakMap<ProjectIndex, Map<string, FileOutline | null>>();

/**
 * The outline of `file` (parsed on first use), or undefined when it cannot be read or parsed.
 * While reads are tracked (the cache), the file is read again so that the answer is recorded as
 * resting on it.
 */
export function outlineOf(project: ProjectIndex, file: string): FileOutline | undefined {
  const key = path.resolve(file);
  if (!keepsOutlines(project)) {
    const facts = project.factsOf(key);
    return facts && outlineOfFacts(facts);
  }
  let byFile = outlines.get(project);
  if (!byFile) outlines.set(project, (byFile = new Map()));
  const known = byFile.get(key);
  if (known !== undefined) {
    if (project.tracking) project.record(key);
    return known ?? undefined;
  }
  const facts = project.factsOf(key);
  const outline = facts ? outlineOfFacts(facts) : undefined;
  byFile.set(key, outline ?? null);
  return outline;
}

/**
 * The outline of `file` when its text can declare a member named `word`, else undefined, without
 * parsing a file whose text does not hold the word at all: a lookup of one method by name in a
 * class of another file (an imported class, an implementation of an interface) mostly lands in
 * files that have no such method. A name written with a Unicode escape (`\u0070ublish`) is not in
 * the text as such: a file with any escape is parsed.
 */
export function outlineHolding(project: ProjectIndex, file: string, word: string): FileOutline | undefined {
  if (!keepsOutlines(project) || !outlines.get(project)?.has(path.resolve(file))) {
    const text = project.readFile(path.resolve(file));
    if (text === undefined || (!text.includes(word) && !text.includes('\\u'))) return undefined;
  }
  return outlineOf(project, file);
}

/**
 * Records the outline of a file the engine has just parsed for analysis (cheap: its top-level
 * statements), so that a later lookup into it needs no parse once its tree is let go; it replaces
 * what was known of the file (an editor analyses new text of the same file).
 */
export function rememberOutline(project: ProjectIndex, facts: FileFacts): void {
  if (!keepsOutlines(project)) return;
  let byFile = outlines.get(project);
  if (!byFile) outlines.set(project, (byFile = new Map()));
  byFile.set(path.resolve(facts.sourceFile.fileName), outlineOfFacts(facts));
}

/**
 * Whether outlines of other files are kept for the analyzer's life: in a run over a list of files
 * (the CLI), which do not change under it. Without that list (an editor, whose other files change
 * while it runs), an outline lives with its file's facts and is let go with them, so it is never
 * older than the tree the project index would give.
 */
function keepsOutlines(project: ProjectIndex): boolean {
  return project.projectFiles !== undefined;
}

/** The outline of a file whose facts are at hand (remembered with them). */
export function outlineOfFacts(facts: FileFacts): FileOutline {
  return facts.memo('project:outline', () => buildOutline(facts));
}

/** The function at `ref` with its file's facts (parsed again if it was let go), or undefined when it is gone or has no body. */
export function functionAt(project: ProjectIndex, ref: Range & { file: string }): { fn: ts.FunctionLikeDeclaration; facts: FileFacts } | undefined {
  const facts = project.factsOf(ref.file);
  if (!facts) return undefined;
  const byRange = facts.memo('summaries:functions-by-range', () => new Map(facts.functions.map((f) => [`${f.pos}:${f.end}`, f])));
  const fn = byRange.get(`${ref.pos}:${ref.end}`);
  return fn && fn.body ? { fn, facts } : undefined;
}

function buildOutline(facts: FileFacts): FileOutline {
  const types = new Map<string, TypeOutline>();
  const classMethods = new Map<string, Map<string, MethodOutline>>();
  const instances = new Map<string, string>();
  for (const stmt of facts.sourceFile.statements) {
    if (ts.isClassDeclaration(stmt) || ts.isInterfaceDeclaration(stmt)) {
      const name = stmt.name?.text;
      if (name !== undefined && !types.has(name)) types.set(name, typeOutline(stmt, facts));
    }
    if (ts.isClassDeclaration(stmt)) {
      const isDefault = stmt.modifiers?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword) ?? false;
      for (const key of [stmt.name?.text, isDefault ? 'default' : undefined]) {
        if (key === undefined) continue;
        let methods = classMethods.get(key);
        if (!methods) classMethods.set(key, (methods = new Map()));
        for (const [method, fn, isStatic] of calledMethods(stmt)) {
          if (!methods.has(method)) methods.set(method, { pos: fn.pos, end: fn.end, label: functionLabel(fn), isStatic });
        }
      }
    }
    if (ts.isVariableStatement(stmt)) {
      for (const d of stmt.declarationList.declarations) {
        if (!ts.isIdentifier(d.name) || !d.initializer || instances.has(d.name.text)) continue;
        const init = unwrap(d.initializer);
        if (ts.isNewExpression(init) && ts.isIdentifier(init.expression)) instances.set(d.name.text, init.expression.text);
      }
    }
  }
  return { types, classMethods, instances };
}

function typeOutline(decl: ts.ClassDeclaration | ts.InterfaceDeclaration, facts: FileFacts): TypeOutline {
  const base = baseClassName(decl);
  const binding = base !== undefined ? facts.origins.importOf(base) : undefined;
  const own = new Map<string, Range>();
  if (ts.isClassDeclaration(decl)) {
    for (const m of decl.members) {
      if (!m.name || !(ts.isIdentifier(m.name) || ts.isStringLiteral(m.name)) || own.has(m.name.text)) continue;
      if (ts.isMethodDeclaration(m) && m.body) own.set(m.name.text, { pos: m.pos, end: m.end });
      else if (ts.isPropertyDeclaration(m) && m.initializer) {
        const init = unwrap(m.initializer);
        if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) own.set(m.name.text, { pos: init.pos, end: init.end });
      }
    }
  }
  return {
    name: decl.name?.text,
    isClass: ts.isClassDeclaration(decl),
    isAbstract: ts.isInterfaceDeclaration(decl) || !!decl.modifiers?.some((m) => m.kind === ts.SyntaxKind.AbstractKeyword),
    ...(base !== undefined ? { base } : {}),
    ...(binding ? { baseImport: { module: binding.module, imported: binding.imported } } : {}),
    own,
  };
}

/** Methods with a body and properties initialised with a function, by identifier name, in member order. */
function* calledMethods(cls: ts.ClassDeclaration): Generator<[string, ts.FunctionLikeDeclaration, boolean]> {
  for (const member of cls.members) {
    if (!member.name || !ts.isIdentifier(member.name)) continue;
    const isStatic = ts.getModifiers(member as ts.HasModifiers)?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword) ?? false;
    if (ts.isMethodDeclaration(member) && member.body) yield [member.name.text, member, isStatic];
    else if (ts.isPropertyDeclaration(member) && member.initializer && (ts.isArrowFunction(member.initializer) || ts.isFunctionExpression(member.initializer))) {
      yield [member.name.text, member.initializer, isStatic];
    }
  }
}

/** The class a class or interface extends, by its last name: `extends ns.Base<T>` → 'Base'. */
export function baseClassName(cls: ts.ClassLikeDeclaration | ts.InterfaceDeclaration): string | undefined {
  for (const clause of cls.heritageClauses ?? []) {
    if (clause.token !== ts.SyntaxKind.ExtendsKeyword || !clause.types[0]) continue;
    const e = clause.types[0].expression;
    if (ts.isIdentifier(e)) return e.text;
    if (ts.isPropertyAccessExpression(e)) return e.name.text;
  }
  return undefined;
}

/** How a function reads in a path: `Class.method`, `name`, or `anonymous function`. */
export function functionLabel(fn: ts.Node): string {
  const named = (n: ts.Node | undefined): string | undefined => (n && (ts.isIdentifier(n) || ts.isStringLiteral(n) || ts.isPrivateIdentifier(n)) ? n.text : undefined);
  if (ts.isMethodDeclaration(fn) || ts.isGetAccessor(fn) || ts.isSetAccessor(fn) || ts.isConstructorDeclaration(fn)) {
    const cls = fn.parent && (ts.isClassDeclaration(fn.parent) || ts.isClassExpression(fn.parent)) ? fn.parent.name?.text : undefined;
    const m = ts.isConstructorDeclaration(fn) ? 'constructor' : named(fn.name) ?? 'method';
    return cls ? `${cls}.${m}` : m;
  }
  if (ts.isFunctionDeclaration(fn)) return fn.name?.text ?? 'default export';
  const p = fn.parent;
  if (p && (ts.isVariableDeclaration(p) || ts.isPropertyDeclaration(p) || ts.isPropertyAssignment(p)) && named(p.name)) {
    const cls = ts.isPropertyDeclaration(p) && p.parent && ts.isClassDeclaration(p.parent) ? p.parent.name?.text : undefined;
    return cls ? `${cls}.${named(p.name)}` : (named(p.name) as string);
  }
  return 'anonymous function';
}
