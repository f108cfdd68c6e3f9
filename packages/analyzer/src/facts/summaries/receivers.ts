import * as path from 'node:path';
import { ts } from 'ts-morph';
import type { ProjectIndex } from '../../engine/project-index';
import { resolveModuleCached } from '../effects/flow';
import { familyOf } from '../effects/shape';
import type { FileFacts } from '../file-facts';
import { unwrap } from '../origins';
import { ClassHierarchy, filesAround } from './class-index';

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

/** The class hierarchy of the project holding `file`, scanned once. */
export function hierarchyOf(project: ProjectIndex, file: string): ClassHierarchy {
  let byRoot = hierarchies.get(project);
  if (!byRoot) hierarchies.set(project, (byRoot = new Map()));
  const given = project.projectFiles;
  const key = given ? '' : path.dirname(path.resolve(file));
  for (const [root, h] of byRoot) if (root === key || (!given && key.startsWith(root + path.sep))) return h;
  const files = given ?? filesAround(file);
  const h = new ClassHierarchy(files, (f) => project.peekFile(f));
  // Without a list, the scan covered the folder of the nearest package.json: remember it for that whole folder.
  const root = given ? '' : commonRoot(files, key);
  byRoot.set(root, h);
  return h;
}

function commonRoot(files: readonly string[], fallback: string): string {
  if (files.length === 0) return fallback;
  let root = path.dirname(files[0]);
  for (const f of files) while (!f.startsWith(root + path.sep) && path.dirname(root) !== root) root = path.dirname(root);
  return fallback.startsWith(root) ? root : fallback;
}

/** The methods `call` may run when its receiver is an instance of the project's own classes; empty when unknown. */
export function methodTargets(call: ts.CallExpression, facts: FileFacts, project: ProjectIndex): CallTarget[] {
  const callee = unwrap(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return [];
  const method = callee.name.text;
  const receiver = unwrap(callee.expression);
  const type = receiverType(receiver, facts);
  if (!type) return [];
  const hierarchy = (): ClassHierarchy => hierarchyOf(project, facts.sourceFile.fileName);
  const out: CallTarget[] = [];
  if (type.name) {
    for (const d of resolveType(type.name, facts, project, hierarchy, 0)) out.push(...methodsOf(d, method, project, hierarchy, 0));
  }
  if (out.length === 0 && type.token) {
    for (const cls of hierarchy().providersOf(type.token)) {
      for (const d of declarationsByName(cls, project, hierarchy)) out.push(...methodsOf(d, method, project, hierarchy, 0, type.name ?? type.token));
    }
  }
  return dedupe(out).slice(0, MAX_TARGETS);
}

function dedupe(targets: CallTarget[]): CallTarget[] {
  const seen = new Set<ts.Node>();
  return targets.filter((t) => !seen.has(t.fn) && (seen.add(t.fn), true));
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

/** The class or interface a name denotes in `facts`: declared there, imported (through re-exports), or found by name in the project. */
function resolveType(name: string, facts: FileFacts, project: ProjectIndex, hierarchy: () => ClassHierarchy, depth: number): Declared[] {
  const local = declarationIn(facts, name);
  if (local) return [{ decl: local, facts }];
  const binding = facts.origins.importOf(name);
  if (binding && (binding.module.startsWith('.') || binding.module.startsWith('/'))) {
    const found = exported(facts, binding.module, binding.imported, project, depth);
    if (found.length > 0) return found;
  }
  // An alias or workspace package (`@app/bus`), or an import not followed: the project's classes of
  // that name. Never for a library eos knows (its clients are classified, not followed).
  if (binding && familyOf(binding.module) !== undefined) return [];
  if (binding && binding.imported !== 'default' && binding.imported !== '*') return declarationsByName(binding.imported, project, hierarchy);
  return declarationsByName(name, project, hierarchy);
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

/** The class or interface `name` exported by module `specifier` of `facts`, through `export … from` re-exports. */
function exported(facts: FileFacts, specifier: string, name: string, project: ProjectIndex, depth: number): Declared[] {
  if (depth > MAX_STEPS) return [];
  const file = resolveModuleCached(project, facts.sourceFile.fileName, specifier);
  const other = file ? project.factsOf(file) : undefined;
  if (!other) return [];
  if (name === 'default') {
    for (const s of other.sourceFile.statements) {
      if ((ts.isClassDeclaration(s) || ts.isInterfaceDeclaration(s)) && s.modifiers?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)) return [{ decl: s, facts: other }];
      if (ts.isExportAssignment(s) && ts.isIdentifier(s.expression)) {
        const d = declarationIn(other, s.expression.text);
        if (d) return [{ decl: d, facts: other }];
      }
    }
    return [];
  }
  const direct = declarationIn(other, name);
  if (direct) return [{ decl: direct, facts: other }];
  const stars: string[] = [];
  for (const s of other.sourceFile.statements) {
    if (!ts.isExportDeclaration(s)) continue;
    const from = s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier) ? s.moduleSpecifier.text : undefined;
    if (!s.exportClause) {
      if (from) stars.push(from);
      continue;
    }
    if (!ts.isNamedExports(s.exportClause)) continue;
    for (const el of s.exportClause.elements) {
      if (el.name.text !== name) continue;
      const original = (el.propertyName ?? el.name).text;
      if (from) return exported(other, from, original, project, depth + 1);
      // export { Local as Name }, or a re-export of an import
      const d = declarationIn(other, original);
      if (d) return [{ decl: d, facts: other }];
      const b = other.origins.importOf(original);
      if (b) return exported(other, b.module, b.imported, project, depth + 1);
    }
  }
  for (const from of stars) {
    const found = exported(other, from, name, project, depth + 1);
    if (found.length > 0) return found;
  }
  return [];
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
  for (const b of resolveType(base, d.facts, project, hierarchy, depth + 1)) {
    if (!ts.isClassDeclaration(b.decl)) continue;
    const own = ownMethod(b.decl, method);
    if (own) return { fn: own, facts: b.facts, label: '', owner: base };
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
