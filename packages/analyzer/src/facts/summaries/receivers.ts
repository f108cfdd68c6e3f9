import * as path from 'node:path';
import { ts } from 'ts-morph';
import type { ProjectIndex } from '../project/project-index';

import { familyOf } from '../effects/shape';
import type { FileFacts } from '../file-facts';
import { unwrap } from '../origins';
import { ClassHierarchy, projectAround } from './class-index';
import { pickedTableValues } from './dispatch';
import { escapeRegExp } from '../../text/regexp';
import { baseClassName, functionAt, functionLabel, outlineHolding, outlineOf, outlineOfFacts, type FileOutline, type FunctionRef, type Range, type TypeOutline } from '../project/outline';

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

/** A class or interface found in a file's outline. */
interface Declared {
  decl: TypeOutline;
  file: string;
  outline: FileOutline;
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
export type TargetRef = FunctionRef;

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
  // A strategy picked from a table of instances (`this.senders[channel].send(…)`): each entry's class.
  const picked = pickedTableValues(receiver)?.map((v) => newedClass(v)).filter((n): n is string => n !== undefined) ?? [];
  const type = picked.length > 0 ? { name: picked[0] } : receiverType(receiver, facts);
  if (!type) return [];
  const hierarchy = (): ClassHierarchy => hierarchyOf(project, facts.sourceFile.fileName);
  const { targets } = memoOf(project);
  const out: TargetRef[] = [];
  for (const name of picked.length > 0 ? [...new Set(picked)] : type.name ? [type.name] : []) {
    for (const at of locateType(name, siteOf(facts), project, hierarchy)) {
      const key = `${at.file}\0${at.name}\0${method}`;
      let refs = targets.get(key);
      if (!refs) {
        const decl = declaredIn(at.file, at.name, facts, project);
        refs = decl ? methodsOf(decl, method, project, hierarchy, 0) : [];
        targets.set(key, refs);
      } else if (project.tracking) {
        // Read again so that a cached analysis records the files this answer rests on.
        project.record(at.file);
        for (const r of refs) project.record(r.file);
      }
      out.push(...refs);
    }
  }
  if (out.length === 0 && type.token) {
    const key = `token:${type.token}\0${type.name ?? ''}\0${method}`;
    let refs = targets.get(key);
    if (!refs) {
      const found: TargetRef[] = [];
      for (const cls of hierarchy().providersOf(type.token)) {
        for (const d of declarationsByName(cls, project, hierarchy)) found.push(...methodsOf(d, method, project, hierarchy, 0, type.name ?? type.token));
      }
      refs = found;
      targets.set(key, refs);
    }
    out.push(...refs);
  }
  const seen = new Set<string>();
  return out.filter((r) => !seen.has(`${r.file}:${r.pos}`) && (seen.add(`${r.file}:${r.pos}`), true)).slice(0, MAX_TARGETS);
}

/** The function at `ref` in its file's facts (parsed again if it was let go), or undefined when the file changed. */
export function loadTarget(ref: TargetRef, project: ProjectIndex): CallTarget | undefined {
  const found = functionAt(project, ref);
  return found && { ...found, label: ref.label };
}

/** A file where a type name is read: which types it declares and how it imports a name. */
interface TypeSite {
  file: string;
  declares(name: string): boolean;
  importOf(name: string): { module: string; imported: string } | undefined;
}

/** The site of the analysed file. */
function siteOf(facts: FileFacts): TypeSite {
  return { file: facts.sourceFile.fileName, declares: (name) => outlineOfFacts(facts).types.has(name), importOf: (name) => facts.origins.importOf(name) };
}

/** Where a type name of `facts` is declared, read from text: this file, a relative import (through re-exports), or the class index. */
function locateType(name: string, facts: TypeSite, project: ProjectIndex, hierarchy: () => ClassHierarchy): Array<{ file: string; name: string }> {
  if (facts.declares(name)) return [{ file: facts.file, name }];
  const binding = facts.importOf(name);
  if (binding && (binding.module.startsWith('.') || binding.module.startsWith('/'))) {
    const found = exportedByText(facts.file, binding.module, binding.imported, project, 0);
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
    project.record(file);
    for (const f of found) project.record(f.file);
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
  // new OrderApprovedEmail(data).send(): the class built right there, or the class a constructor
  // variable is typed as (`const Sender = pick(name) as new (d: D) => EmailSender; new Sender(d).send()`).
  if (ts.isNewExpression(receiver)) return constructedType(receiver, facts);
  return undefined;
}

/** The type a `new` expression builds: its class, or the instance type of the constructor variable it calls. */
function constructedType(expr: ts.NewExpression, facts: FileFacts): ReceiverType | undefined {
  const c = expr.expression;
  if (ts.isPropertyAccessExpression(c)) return { name: c.name.text };
  if (!ts.isIdentifier(c)) return undefined;
  for (const v of facts.variables) {
    if (!ts.isIdentifier(v.name) || v.name.text !== c.text) continue;
    const built = instanceTypeOf(v.type) ?? castInstanceType(v.initializer);
    if (built) return { name: built };
  }
  return /^[A-Z]/.test(c.text) ? { name: c.text } : undefined;
}

/** `new (d: D) => EmailSender<D>` → 'EmailSender'. */
function instanceTypeOf(type: ts.TypeNode | undefined): string | undefined {
  return type && ts.isConstructorTypeNode(type) ? typeNameOf(type.type) : undefined;
}

/** The constructor type an initializer is cast to: `x as unknown as new () => Sender`. */
function castInstanceType(init: ts.Expression | undefined): string | undefined {
  for (let e = init; e; ) {
    if (ts.isAsExpression(e) || ts.isTypeAssertionExpression(e)) {
      const t = instanceTypeOf(e.type);
      if (t) return t;
      e = e.expression;
    } else if (ts.isParenthesizedExpression(e)) e = e.expression;
    else return undefined;
  }
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

function declarationsByName(name: string, project: ProjectIndex, hierarchy: () => ClassHierarchy): Declared[] {
  const out: Declared[] = [];
  for (const file of hierarchy().filesDeclaring(name).slice(0, 3)) {
    const decl = declaredIn(file, name, undefined, project);
    if (decl) out.push(decl);
  }
  return out;
}

/** The top-level class or interface `name` of `file`, from its outline (the analysed file's own when it is `facts`'). */
function declaredIn(file: string, name: string, facts: FileFacts | undefined, project: ProjectIndex): Declared | undefined {
  const own = facts !== undefined && file === facts.sourceFile.fileName;
  const outline = own ? outlineOfFacts(facts) : outlineOf(project, file);
  const decl = outline?.types.get(name);
  return outline && decl && { decl, outline, file: own ? file : path.resolve(file) };
}

/**
 * The methods `method` of a declared type may run: its own concrete method, or the one it
 * inherits; for an interface, an abstract class or an abstract method, those of every class that
 * extends or implements it.
 */
function methodsOf(d: Declared, method: string, project: ProjectIndex, hierarchy: () => ClassHierarchy, depth: number, through?: string): TargetRef[] {
  const name = d.decl.name ?? 'default';
  const shown = (cls: string): string => (through ?? name) === cls ? `${cls}.${method}` : `${through ?? name}.${method} → ${cls}.${method}`;
  if (d.decl.isClass) {
    const own = d.decl.own.get(method);
    if (own) return [{ file: d.file, ...own, label: shown(name) }];
    if (!d.decl.isAbstract) {
      const inherited = inheritedMethod(d, method, project, hierarchy, depth);
      if (inherited) return [{ ...inherited.ref, label: shown(inherited.owner) }];
    }
  }
  if (!d.decl.isAbstract && !hierarchy().isAbstract(name)) return [];
  const out: TargetRef[] = [];
  for (const ref of hierarchy().subtypesOf(name)) {
    // Only the subtype's own method is wanted: a file whose text has no such name is not parsed.
    if (!outlineHolding(project, ref.file, method)) continue;
    const sub = declaredIn(ref.file, ref.name, undefined, project);
    if (!sub || !sub.decl.isClass) continue;
    const own = sub.decl.own.get(method);
    if (own) out.push({ file: sub.file, ...own, label: shown(ref.name) });
    if (out.length >= MAX_TARGETS) break;
  }
  return out;
}

/** The concrete method a class inherits from its base classes (followed by name, a few steps). */
function inheritedMethod(d: Declared, method: string, project: ProjectIndex, hierarchy: () => ClassHierarchy, depth: number): { ref: Range & { file: string }; owner: string } | undefined {
  if (depth >= MAX_STEPS) return undefined;
  const base = d.decl.base;
  if (!base) return undefined;
  const site: TypeSite = { file: d.file, declares: (n) => d.outline.types.has(n), importOf: (n) => (n === base ? d.decl.baseImport : undefined) };
  for (const at of locateType(base, site, project, hierarchy)) {
    const b = declaredIn(at.file, at.name, undefined, project);
    if (!b || !b.decl.isClass) continue;
    const own = b.decl.own.get(method);
    if (own) return { ref: { file: b.file, ...own }, owner: base };
    const further = inheritedMethod(b, method, project, hierarchy, depth + 1);
    if (further) return further;
  }
  return undefined;
}

/** How a function reads in a path (kept here for the summaries' callers; see facts/project/outline). */
export { functionLabel };

/**
 * Where the class `name`, as read in `facts` (declared there or imported), is declared: its file,
 * and its name there. The first of the candidates `locateType` finds.
 */
export function classLocation(name: string, facts: FileFacts, project: ProjectIndex): { file: string; name: string } | undefined {
  return locateType(name, siteOf(facts), project, () => hierarchyOf(project, facts.sourceFile.fileName))[0];
}
