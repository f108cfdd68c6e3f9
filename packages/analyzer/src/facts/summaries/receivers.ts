import * as path from 'node:path';
import { ts } from 'ts-morph';
import type { ProjectIndex } from '../project/project-index';

import { familyOf } from '../effects/shape';
import type { FileFacts } from '../file-facts';
import { unwrap } from '../origins';
import { ClassHierarchy, projectAround } from './class-index';
import { escapeRegExp } from '../../text/regexp';

/**
 * Which methods a call `receiver.method()` may run, when the receiver is an object of the
 * project's own classes: `this.eventBus.publish()` through the field's type (a constructor
 * parameter, a typed or `new`-initialised property, `this.x = new X()`), a DI token
 * (`@Inject(TOKEN)`, `@inject(TOKEN)`) and the providers that bind it, a local variable or
 * parameter of a known type, `X.getInstance()`. Interfaces and abstract classes resolve to every
 * implementing class of the project (class-hierarchy analysis by name, see ClassHierarchy), a
 * class without the method to the base class that has it.
 *
 * Everything is syntactic and bounded: at most MAX_TARGETS methods per call, base classes and
 * re-exports followed a few steps deep.
 */

/** A method (or function) a call may run, with the name shown in a finding's path. */
export interface CallTarget {
  fn: ts.FunctionLikeDeclaration;
  facts: FileFacts;
  /** How the step reads in a path: `RabbitEventBus.publish`, or `EventBus.publish → RabbitEventBus.publish` through an interface. */
  label: string;
}

/** Implementations followed per call through an interface or abstract method. */
const MAX_TARGETS = 5;
/** Steps through re-exports and base classes. */
const MAX_STEPS = 4;

type TypeDecl = ts.ClassDeclaration | ts.InterfaceDeclaration;

interface Declared {
  decl: TypeDecl;
  facts: FileFacts;
}

/** What a receiver is known to be: a type name as written (in `facts`), and/or a DI token. */
interface ReceiverType {
  name?: string;
  token?: string;
}

/** Class hierarchies per project: the run's file list, or per folder scanned when there is none. */
const hierarchies = new WeakMap<ProjectIndex, Map<string, ClassHierarchy>>();

/** The class hierarchy of the project holding `file`, scanned once (per folder scanned, when the run gave no file list). */
export function hierarchyOf(project: ProjectIndex, file: string): ClassHierarchy {
  let byRoot = hierarchies.get(project);
  if (!byRoot) hierarchies.set(project, (byRoot = new Map()));
  const given = project.projectFiles;
  const folder = given ? '' : path.dirname(path.resolve(file));
  for (const [root, h] of byRoot) if (root === folder || (!given && folder.startsWith(root + path.sep))) return h;
  const { root, files } = given ? { root: '', files: given } : projectAround(file);
  const h = new ClassHierarchy(files, (f) => project.peekFile(f));
  byRoot.set(root, h);
  return h;
}

/**
 * Where a target method is, without its tree: enough to skip it when its summary is known to be
 * empty, and to find it again (by position) in the file's facts when it is needed.
 */
export interface TargetRef {
  file: string;
  pos: number;
  end: number;
  label: string;
}

/** Per project: resolved targets per (declaring file, type, method), and where they stand. */
interface ProjectMemo {
  targets: Map<string, readonly TargetRef[]>;
  /** Declarations found through re-exports, per (module file, exported name). */
  exports: Map<string, Array<{ file: string; name: string }>>;
}

const projectMemos = new WeakMap<ProjectIndex, ProjectMemo>();

function memoOf(project: ProjectIndex): ProjectMemo {
  let m = projectMemos.get(project);
  if (!m) projectMemos.set(project, (m = { targets: new Map(), exports: new Map() }));
  return m;
}

/**
 * The methods `call` may run when its receiver is an instance of the project's own classes; empty
 * when unknown. The type is located from text (imports, re-exports, the class index) and its
 * targets remembered per project, so an interface used by many files is resolved, and its files
 * parsed, once.
 */
export function methodTargetRefs(call: ts.CallExpression, facts: FileFacts, project: ProjectIndex): readonly TargetRef[] {
  const callee = unwrap(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return [];
  const method = callee.name.text;
  const receiver = unwrap(callee.expression);
  const type = receiverType(receiver, facts);
  if (!type) return [];
  const hierarchy = (): ClassHierarchy => hierarchyOf(project, facts.sourceFile.fileName);
  const { targets } = memoOf(project);
  const out: TargetRef[] = [];
  if (type.name) {
    for (const at of locateType(type.name, facts, project, hierarchy)) {
      const key = `${at.file}\0${at.name}\0${method}`;
      let refs = targets.get(key);
      if (!refs) {
        const other = at.file === facts.sourceFile.fileName ? facts : project.factsOf(at.file);
        const decl = other && declarationIn(other, at.name);
        refs = other && decl ? methodsOf({ decl, facts: other }, method, project, hierarchy, 0).map(refOf) : [];
        targets.set(key, refs);
      } else if (project.tracking) {
        // Read again so that a cached analysis records the files this answer rests on.
        project.readFile(at.file);
        for (const r of refs) project.readFile(r.file);
      }
      out.push(...refs);
    }
  }
  if (out.length === 0 && type.token) {
    const key = `token:${type.token}\0${type.name ?? ''}\0${method}`;
    let refs = targets.get(key);
    if (!refs) {
      const found: CallTarget[] = [];
      for (const cls of hierarchy().providersOf(type.token)) {
        for (const d of declarationsByName(cls, project, hierarchy)) found.push(...methodsOf(d, method, project, hierarchy, 0, type.name ?? type.token));
      }
      refs = found.map(refOf);
      targets.set(key, refs);
    }
    out.push(...refs);
  }
  const seen = new Set<string>();
  return out.filter((r) => !seen.has(`${r.file}:${r.pos}`) && (seen.add(`${r.file}:${r.pos}`), true)).slice(0, MAX_TARGETS);
}

function refOf(t: CallTarget): TargetRef {
  return { file: t.facts.sourceFile.fileName, pos: t.fn.pos, end: t.fn.end, label: t.label };
}

/** The function at `ref` in its file's facts (parsed again if it was let go), or undefined when the file changed. */
export function loadTarget(ref: TargetRef, project: ProjectIndex): CallTarget | undefined {
  const facts = project.factsOf(ref.file);
  if (!facts) return undefined;
  const byRange = facts.memo('summaries:functions-by-range', () => new Map(facts.functions.map((f) => [`${f.pos}:${f.end}`, f])));
  const fn = byRange.get(`${ref.pos}:${ref.end}`);
  return fn && fn.body ? { fn, facts, label: ref.label } : undefined;
}

/** Where a type name of `facts` is declared, read from text: this file, a relative import (through re-exports), or the class index. */
function locateType(name: string, facts: FileFacts, project: ProjectIndex, hierarchy: () => ClassHierarchy): Array<{ file: string; name: string }> {
  if (declarationIn(facts, name)) return [{ file: facts.sourceFile.fileName, name }];
  const binding = facts.origins.importOf(name);
  if (binding && (binding.module.startsWith('.') || binding.module.startsWith('/'))) {
    const found = exportedByText(facts.sourceFile.fileName, binding.module, binding.imported, project, 0);
    if (found.length > 0) return found;
  }
  // An alias or workspace package (`@app/bus`), or an import not followed: the project's classes of
  // that name. Never for a library eos knows (its clients are classified, not followed).
  if (binding && familyOf(binding.module) !== undefined) return [];
  const wanted = binding && binding.imported !== 'default' && binding.imported !== '*' ? binding.imported : name;
  return hierarchy().filesDeclaring(wanted).slice(0, 3).map((file) => ({ file, name: wanted }));
}

const escape = (s: string): string => s.replace(/[$]/g, '\\$');

/** `export … from` and `export *` followed in text to the file declaring `name`. */
function exportedByText(fromFile: string, specifier: string, name: string, project: ProjectIndex, depth: number): Array<{ file: string; name: string }> {
  if (depth > MAX_STEPS) return [];
  const file = project.resolveModuleCached(fromFile, specifier);
  if (!file) return [];
  const { exports } = memoOf(project);
  const key = `${file}\0${name}`;
  let found = exports.get(key);
  if (!found) {
    found = exportedFrom(file, name, project, depth);
    exports.set(key, found);
  } else if (project.tracking) {
    // Read again so that a cached analysis records the files this answer rests on.
    project.readFile(file);
    for (const f of found) project.readFile(f.file);
  }
  return found;
}

function exportedFrom(file: string, name: string, project: ProjectIndex, depth: number): Array<{ file: string; name: string }> {
  const text = project.readFile(file);
  if (text === undefined) return [];
  if (name === 'default') {
    const m = /export\s+default\s+(?:abstract\s+)?class\s+([A-Za-z_$][\w$]*)/.exec(text) ?? /export\s+default\s+([A-Za-z_$][\w$]*)\s*;?\s*$/m.exec(text);
    return m ? [{ file, name: m[1] }] : [];
  }
  if (new RegExp(`\\b(class|interface)\\s+${escapeRegExp(name)}\\b`).test(text)) return [{ file, name }];
  for (const m of text.matchAll(/export\s*(?:type\s*)?\{([^}]*)\}\s*(?:from\s*['"]([^'"]+)['"])?/g)) {
    for (const el of m[1].split(',')) {
      const [original, alias] = el.replace(/^\s*type\s+/, '').split(/\s+as\s+/).map((x) => x.trim());
      if ((alias ?? original) !== name || !original) continue;
      if (m[2]) return exportedByText(file, m[2], original, project, depth + 1);
      // export { Bus } of an import: follow the import.
      const imp = new RegExp(`import\\s*(?:type\\s*)?\\{[^}]*\\b${escapeRegExp(original)}\\b[^}]*\\}\\s*from\\s*['"]([^'"]+)['"]`).exec(text);
      if (imp) return exportedByText(file, imp[1], original, project, depth + 1);
    }
  }
  for (const m of text.matchAll(/export\s*\*\s*from\s*['"]([^'"]+)['"]/g)) {
    const found = exportedByText(file, m[1], name, project, depth + 1);
    if (found.length > 0) return found;
  }
  return [];
}

/** The type (and DI token) of a receiver expression, read from declarations in its file. */
function receiverType(receiver: ts.Expression, facts: FileFacts): ReceiverType | undefined {
  // this.bus
  if (ts.isPropertyAccessExpression(receiver) && unwrap(receiver.expression).kind === ts.SyntaxKind.ThisKeyword) {
    const cls = enclosingClass(receiver);
    return cls ? memberType(cls, receiver.name.text, 0) : undefined;
  }
  // X.getInstance() / X.instance() / X.get()
  if (ts.isCallExpression(receiver)) {
    const inner = unwrap(receiver.expression);
    if (ts.isPropertyAccessExpression(inner) && ts.isIdentifier(inner.expression) && /^(get)?instance$|^getInstance$|^get$|^shared$|^default$/i.test(inner.name.text)) {
      return /^[A-Z]/.test(inner.expression.text) ? { name: inner.expression.text } : undefined;
    }
    return undefined;
  }
  // X.instance (a static field holding the singleton)
  if (ts.isPropertyAccessExpression(receiver) && ts.isIdentifier(receiver.expression) && /^instance$|^shared$/i.test(receiver.name.text)) {
    return /^[A-Z]/.test(receiver.expression.text) ? { name: receiver.expression.text } : undefined;
  }
  if (ts.isIdentifier(receiver)) return localType(receiver, facts);
  return undefined;
}

/** A local variable or parameter: `const bus = new RabbitBus()`, `bus: EventBus`, `(bus: EventBus) => …`. */
function localType(id: ts.Identifier, facts: FileFacts): ReceiverType | undefined {
  // Parameters of the functions around the call, innermost first.
  for (let n: ts.Node | undefined = id.parent; n; n = n.parent) {
    if (ts.isFunctionLike(n)) {
      for (const p of n.parameters) {
        if (ts.isIdentifier(p.name) && p.name.text === id.text) return withToken(typeNameOf(p.type), p);
      }
    }
  }
  for (const v of facts.variables) {
    if (!ts.isIdentifier(v.name) || v.name.text !== id.text) continue;
    const t = typeNameOf(v.type) ?? newedClass(v.initializer);
    if (t) return { name: t };
  }
  return undefined;
}

function enclosingClass(node: ts.Node): ts.ClassLikeDeclaration | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isClassDeclaration(n) || ts.isClassExpression(n)) return n;
  }
  return undefined;
}

/** The type of a class member `name`: constructor parameter property, property declaration, or constructor assignment; then the base class's. */
function memberType(cls: ts.ClassLikeDeclaration, name: string, depth: number): ReceiverType | undefined {
  let found: ReceiverType | undefined;
  for (const member of cls.members) {
    if (ts.isConstructorDeclaration(member)) {
      for (const p of member.parameters) {
        if (ts.isIdentifier(p.name) && p.name.text === name) found ??= withToken(typeNameOf(p.type), p);
      }
      // this.bus = bus / this.bus = new RabbitBus()
      const visit = (n: ts.Node): void => {
        if (found) return;
        if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(n.left) &&
          n.left.expression.kind === ts.SyntaxKind.ThisKeyword && n.left.name.text === name) {
          const right = unwrap(n.right);
          const newed = newedClass(right);
          if (newed) found = { name: newed };
          else if (ts.isIdentifier(right)) {
            const p = member.parameters.find((q) => ts.isIdentifier(q.name) && q.name.text === right.text);
            if (p) found = withToken(typeNameOf(p.type), p);
          }
        }
        if (!found && !ts.isFunctionLike(n)) ts.forEachChild(n, visit);
      };
      if (member.body) ts.forEachChild(member.body, visit);
    } else if (ts.isPropertyDeclaration(member) && member.name && ts.isIdentifier(member.name) && member.name.text === name) {
      found ??= withToken(typeNameOf(member.type) ?? newedClass(member.initializer), member);
    }
    if (found) return found;
  }
  if (depth >= MAX_STEPS) return undefined;
  const base = baseClassName(cls);
  if (!base) return undefined;
  // A base class in the same file; one in another file is not followed for its fields.
  const sameFile = cls.getSourceFile().statements.find((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === base);
  return sameFile ? memberType(sameFile, name, depth + 1) : undefined;
}

/** Adds the DI token of a decorated parameter or property: `@Inject(EVENT_BUS)`, `@inject(TYPES.Bus)`. */
function withToken(name: string | undefined, decorated: ts.Node): ReceiverType | undefined {
  let token: string | undefined;
  for (const d of ts.canHaveDecorators(decorated) ? ts.getDecorators(decorated) ?? [] : []) {
    const e = d.expression;
    if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && /^(Inject|inject|InjectQueue)$/.test(e.expression.text) && e.arguments[0]) {
      token = e.arguments[0].getText();
    }
  }
  if (!name && !token) return undefined;
  return { name, token };
}

/** `EventBus`, `EventBus<T>`, `ns.EventBus`, `EventBus | undefined` → 'EventBus'; primitives and literals → undefined. */
function typeNameOf(type: ts.TypeNode | undefined): string | undefined {
  if (!type) return undefined;
  if (ts.isUnionTypeNode(type)) {
    for (const t of type.types) {
      const n = typeNameOf(t);
      if (n) return n;
    }
    return undefined;
  }
  if (ts.isTypeReferenceNode(type)) {
    const n = type.typeName;
    const name = ts.isIdentifier(n) ? n.text : n.right.text;
    return /^(Promise|Array|Record|Partial|Readonly|Map|Set|Function|Object)$/.test(name) ? undefined : name;
  }
  return undefined;
}

function newedClass(expr: ts.Expression | undefined): string | undefined {
  const e = expr && unwrap(expr);
  if (!e || !ts.isNewExpression(e)) return undefined;
  const c = e.expression;
  if (ts.isIdentifier(c)) return c.text;
  if (ts.isPropertyAccessExpression(c)) return c.name.text;
  return undefined;
}

function baseClassName(cls: ts.ClassLikeDeclaration | ts.InterfaceDeclaration): string | undefined {
  for (const clause of cls.heritageClauses ?? []) {
    if (clause.token !== ts.SyntaxKind.ExtendsKeyword || !clause.types[0]) continue;
    const e = clause.types[0].expression;
    if (ts.isIdentifier(e)) return e.text;
    if (ts.isPropertyAccessExpression(e)) return e.name.text;
  }
  return undefined;
}

function declarationsByName(name: string, project: ProjectIndex, hierarchy: () => ClassHierarchy): Declared[] {
  const out: Declared[] = [];
  for (const file of hierarchy().filesDeclaring(name).slice(0, 3)) {
    const other = project.factsOf(file);
    const decl = other && declarationIn(other, name);
    if (other && decl) out.push({ decl, facts: other });
  }
  return out;
}

/** A top-level (or namespace-level) class or interface named `name`. */
function declarationIn(facts: FileFacts, name: string): TypeDecl | undefined {
  return facts.memo(`summaries:decl:${name}`, () => {
    for (const s of facts.sourceFile.statements) {
      if ((ts.isClassDeclaration(s) || ts.isInterfaceDeclaration(s)) && s.name?.text === name) return s;
    }
    return undefined;
  });
}

function isAbstract(decl: TypeDecl): boolean {
  return ts.isInterfaceDeclaration(decl) || !!decl.modifiers?.some((m) => m.kind === ts.SyntaxKind.AbstractKeyword);
}

/** The method `name` with a body declared by a class itself (a method, or a property holding a function). */
function ownMethod(cls: ts.ClassDeclaration, name: string): ts.FunctionLikeDeclaration | undefined {
  for (const m of cls.members) {
    if (!m.name || !(ts.isIdentifier(m.name) || ts.isStringLiteral(m.name)) || m.name.text !== name) continue;
    if (ts.isMethodDeclaration(m) && m.body) return m;
    if (ts.isPropertyDeclaration(m) && m.initializer) {
      const init = unwrap(m.initializer);
      if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) return init;
    }
  }
  return undefined;
}

/**
 * The methods `method` of a declared type may run: its own concrete method, or the one it
 * inherits; for an interface, an abstract class or an abstract method, those of every class that
 * extends or implements it.
 */
function methodsOf(d: Declared, method: string, project: ProjectIndex, hierarchy: () => ClassHierarchy, depth: number, through?: string): CallTarget[] {
  const name = d.decl.name?.text ?? 'default';
  const shown = (cls: string): string => (through ?? name) === cls ? `${cls}.${method}` : `${through ?? name}.${method} → ${cls}.${method}`;
  if (ts.isClassDeclaration(d.decl)) {
    const own = ownMethod(d.decl, method);
    if (own) return [{ fn: own, facts: d.facts, label: shown(name) }];
    if (!isAbstract(d.decl)) {
      const inherited = inheritedMethod(d, method, project, hierarchy, depth);
      if (inherited) return [{ ...inherited, label: shown(`${inherited.owner}`) }];
    }
  }
  if (!isAbstract(d.decl) && !hierarchy().isAbstract(name)) return [];
  const out: CallTarget[] = [];
  for (const ref of hierarchy().subtypesOf(name)) {
    const other = project.factsOf(ref.file);
    const sub = other && declarationIn(other, ref.name);
    if (!other || !sub || !ts.isClassDeclaration(sub)) continue;
    const own = ownMethod(sub, method);
    if (own) out.push({ fn: own, facts: other, label: shown(ref.name) });
    if (out.length >= MAX_TARGETS) break;
  }
  return out;
}

/** The concrete method a class inherits from its base classes (followed by name, a few steps). */
function inheritedMethod(d: Declared, method: string, project: ProjectIndex, hierarchy: () => ClassHierarchy, depth: number): (CallTarget & { owner: string }) | undefined {
  if (depth >= MAX_STEPS) return undefined;
  const base = baseClassName(d.decl);
  if (!base) return undefined;
  for (const at of locateType(base, d.facts, project, hierarchy)) {
    const other = at.file === d.facts.sourceFile.fileName ? d.facts : project.factsOf(at.file);
    const decl = other && declarationIn(other, at.name);
    if (!other || !decl || !ts.isClassDeclaration(decl)) continue;
    const b: Declared = { decl, facts: other };
    const own = ownMethod(decl, method);
    if (own) return { fn: own, facts: other, label: '', owner: base };
    const further = inheritedMethod(b, method, project, hierarchy, depth + 1);
    if (further) return further;
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
