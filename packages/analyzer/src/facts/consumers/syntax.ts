import { ts } from 'ts-morph';
import type { FileFacts } from '../file-facts';
import { unwrap, type Origin } from '../origins';
import { walkTree } from '../tree-walk';

/** Small syntactic queries shared by the broker modules of the consumer facts. */

/** Method or function name a call invokes: `a.b.ack(m)` → 'ack', `ack(m)` → 'ack'. */
export function calleeName(call: ts.CallExpression): string | undefined {
  const callee = unwrap(call.expression);
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  if (ts.isIdentifier(callee)) return callee.text;
  return undefined;
}

/** The receiver of a method call (`channel` in `channel.ack(m)`), or undefined for a plain call. */
export function receiverOf(call: ts.CallExpression): ts.Expression | undefined {
  const callee = unwrap(call.expression);
  return ts.isPropertyAccessExpression(callee) ? callee.expression : undefined;
}

/** Name of a property (identifier or string literal key), or undefined when computed. */
export function propertyName(name: ts.PropertyName | undefined): string | undefined {
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isStringLiteralLike(name) || ts.isNumericLiteral(name)) return name.text;
  return undefined;
}

/** The property `name` of an object literal: assignment, shorthand or method. */
export function property(obj: ts.ObjectLiteralExpression, name: string): ts.ObjectLiteralElementLike | undefined {
  return obj.properties.find((p) => (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p) || ts.isMethodDeclaration(p)) &&
    propertyName(p.name) === name);
}

/** The value expression of property `name` (shorthand gives the identifier), undefined for methods. */
export function propertyValue(obj: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  const p = property(obj, name);
  if (p && ts.isPropertyAssignment(p)) return p.initializer;
  if (p && ts.isShorthandPropertyAssignment(p)) return p.name;
  return undefined;
}

/** `true` / `false` for a boolean literal (also a `const x = true` in the same file), else undefined. */
export function booleanValue(expr: ts.Expression | undefined, facts?: FileFacts): boolean | undefined {
  if (!expr) return undefined;
  const e = unwrap(expr);
  if (e.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (e.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (facts && ts.isIdentifier(e)) {
    const init = constInitializer(e.text, facts);
    if (init) return booleanValue(init);
  }
  return undefined;
}

/** The text of a string literal (also a `const q = 'x'` in the same file), else undefined. */
export function stringValue(expr: ts.Expression | undefined, facts?: FileFacts): string | undefined {
  if (!expr) return undefined;
  const e = unwrap(expr);
  if (ts.isStringLiteralLike(e)) return e.text;
  if (facts && ts.isIdentifier(e)) {
    const init = constInitializer(e.text, facts);
    if (init && ts.isStringLiteralLike(unwrap(init))) return (unwrap(init) as ts.StringLiteralLike).text;
  }
  return undefined;
}

/** The initializer of a top-level-or-local `const name = …` of the file, when there is exactly one. */
export function constInitializer(name: string, facts: FileFacts): ts.Expression | undefined {
  return facts.memo(`const:${name}`, () => {
    let found: ts.Expression | undefined;
    let count = 0;
    const visit = (n: ts.Node): boolean | void => {
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === name && n.initializer &&
        ts.isVariableDeclarationList(n.parent) && (n.parent.flags & ts.NodeFlags.Const) !== 0) {
        found = n.initializer;
        count++;
      }
    };
    walkTree(facts.sourceFile, visit);
    return count === 1 ? found : undefined;
  });
}

/** An object literal given directly or through a `const opts = { … }` of the file. */
export function objectLiteralOf(expr: ts.Expression | undefined, facts: FileFacts): ts.ObjectLiteralExpression | undefined {
  if (!expr) return undefined;
  const e = unwrap(expr);
  if (ts.isObjectLiteralExpression(e)) return e;
  if (ts.isIdentifier(e)) {
    const init = constInitializer(e.text, facts);
    if (init && ts.isObjectLiteralExpression(unwrap(init))) return unwrap(init) as ts.ObjectLiteralExpression;
  }
  return undefined;
}

/**
 * Local names a parameter binds: `(msg)` → ['msg'], `({ message })` → ['message'],
 * `({ message: m })` → ['m']. With `only`, just the destructured properties of those names.
 */
export function parameterNames(fn: ts.FunctionLikeDeclaration, index: number, only?: readonly string[]): string[] {
  const p = fn.parameters[index];
  if (!p) return [];
  return bindingNames(p.name, only);
}

/** Local names a binding creates (identifiers, object and array patterns). */
export function bindingNames(name: ts.BindingName, only?: readonly string[]): string[] {
  if (ts.isIdentifier(name)) return only ? [] : [name.text];
  const out: string[] = [];
  for (const el of name.elements) {
    if (ts.isOmittedExpression(el)) continue;
    const key = ts.isObjectBindingPattern(name) ? propertyName(el.propertyName) ?? (ts.isIdentifier(el.name) ? el.name.text : undefined) : undefined;
    if (only && (key === undefined || !only.includes(key))) continue;
    out.push(...bindingNames(el.name));
  }
  return out;
}

/** For `({ resolveOffset, heartbeat: hb })`, the map local name → property name. */
export function destructuredAliases(fn: ts.FunctionLikeDeclaration, index: number): Map<string, string> {
  const out = new Map<string, string>();
  const p = fn.parameters[index];
  if (!p || !ts.isObjectBindingPattern(p.name)) return out;
  for (const el of p.name.elements) {
    if (!ts.isIdentifier(el.name)) continue;
    out.set(el.name.text, propertyName(el.propertyName) ?? el.name.text);
  }
  return out;
}

/** The identifier a property-access / call / element chain starts from: `m.a.b()[0]` → `m`. */
export function rootIdentifier(expr: ts.Expression): ts.Identifier | undefined {
  let e = unwrap(expr);
  for (;;) {
    if (ts.isIdentifier(e)) return e;
    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) || ts.isCallExpression(e)) e = unwrap(e.expression);
    else return undefined;
  }
}

/** Whether `expr` starts from one of `names` (`msg`, `msg.content`, `ctx.getMessage()`). */
export function startsFrom(expr: ts.Expression, names: ReadonlySet<string>): boolean {
  const root = rootIdentifier(expr);
  return !!root && names.has(root.text);
}

/**
 * Whether `node` mentions one of `names` as a value anywhere inside (property keys do not count).
 * An identifier argument is followed one step to its `const` initializer in the enclosing function.
 */
export function mentions(node: ts.Node, names: ReadonlySet<string>, follow = true): boolean {
  let found = false;
  const visit = (n: ts.Node): boolean | void => {
    if (found) return false;
    if (ts.isIdentifier(n) && names.has(n.text) && !isPropertyKey(n)) {
      found = true;
      return false;
    }
  };
  walkTree(node, visit);
  if (found || !follow) return found;
  const e = ts.isExpression(node as ts.Expression) ? unwrap(node as ts.Expression) : node;
  if (ts.isIdentifier(e)) {
    const init = localInitializer(e);
    if (init) return mentions(init, names, false);
  }
  return false;
}

function isPropertyKey(id: ts.Identifier): boolean {
  const p = id.parent;
  return (ts.isPropertyAccessExpression(p) && p.name === id) || (ts.isPropertyAssignment(p) && p.name === id) ||
    (ts.isBindingElement(p) && p.propertyName === id);
}

/** The initializer of the nearest declaration of `id` in its enclosing functions (by name). */
export function localInitializer(id: ts.Identifier): ts.Expression | undefined {
  for (let scope: ts.Node | undefined = id.parent; scope; scope = scope.parent) {
    if (!ts.isBlock(scope) && !ts.isSourceFile(scope)) continue;
    for (const stmt of scope.statements) {
      if (!ts.isVariableStatement(stmt)) continue;
      for (const d of stmt.declarationList.declarations) {
        if (ts.isIdentifier(d.name) && d.name.text === id.text && d.initializer) return d.initializer;
      }
    }
  }
  return undefined;
}

/** Whether the file imports any of `modules` (exact names or `prefix/*` subpaths). */
export function importsAny(facts: FileFacts, modules: readonly string[]): boolean {
  return facts.importsModule((m) => modules.some((x) => m === x || m.startsWith(`${x}/`)));
}

/** Whether a module name is one of `modules` or a subpath of one. */
export function isModule(module: string | undefined, modules: readonly string[]): boolean {
  return module !== undefined && modules.some((x) => module === x || module.startsWith(`${x}/`));
}

/**
 * The origin of an expression when it comes from a package (not from a project file): a value
 * imported from `./rabbit` says nothing about which library made it.
 */
export function packageOrigin(facts: FileFacts, expr: ts.Expression): Origin | undefined {
  const origin = facts.originOf(expr);
  return origin && !origin.module.startsWith('.') && !origin.module.startsWith('/') ? origin : undefined;
}
