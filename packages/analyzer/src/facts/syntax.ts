import { ts } from 'ts-morph';
import type { FileFacts } from './file-facts';
import { unwrap, type Origin } from './origins';
import { walkTree } from './tree-walk';

/**
 * The syntax toolkit: small syntactic queries over raw compiler nodes with parent pointers (the
 * engine parses with `setParentNodes`), one definition each, shared by the facts and the rules.
 * Names are looked up syntactically from the use outwards (a stand-in for scope resolution).
 */

/** The name of the method or function a call invokes: `a.b.set(...)` → 'set', `f(...)` → 'f'. */
export function calleeName(call: ts.CallExpression): string | undefined {
  const callee = unwrap(call.expression);
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isElementAccessExpression(callee) && ts.isStringLiteralLike(callee.argumentExpression)) return callee.argumentExpression.text;
  return undefined;
}

/** The receiver of a method call (`redis` in `redis.set(...)`), or undefined for a plain call. */
export function receiverOf(call: ts.CallExpression): ts.Expression | undefined {
  const callee = unwrap(call.expression);
  if (ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee)) return callee.expression;
  return undefined;
}

/** The name of a property (identifier, string or numeric literal), or undefined when computed. */
export function propertyNameText(name: ts.PropertyName | ts.BindingName | undefined): string | undefined {
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isStringLiteralLike(name) || ts.isNumericLiteral(name) || ts.isPrivateIdentifier(name)) return name.text;
  return undefined;
}

/** The property assignment node for `name` (for reporting and edits). */
export function propertyNode(obj: ts.ObjectLiteralExpression, name: string): ts.ObjectLiteralElementLike | undefined {
  return obj.properties.find((p) => (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) && propertyNameText(p.name) === name);
}

/**
 * The calls in `node` (itself included when it is a call), in document order. By default every
 * call written there, nested functions included; with `intoNestedFunctions: false` only the calls
 * that run as part of `node` itself (a function with a body inside it runs at another time, or never).
 */
export function callsWithin(node: ts.Node, { intoNestedFunctions = true }: { intoNestedFunctions?: boolean } = {}): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  walkTree(node, (n) => {
    if (n.kind === ts.SyntaxKind.CallExpression) out.push(n as ts.CallExpression);
    if (!intoNestedFunctions && n !== node && isFunctionWithBody(n)) return false;
    return true;
  });
  return out;
}

/** The callee of a call or the tag of a tagged template, as written, whitespace removed (`db.query`, `sql`). */
export function calleeText(call: ts.CallExpression | ts.TaggedTemplateExpression): string {
  return (ts.isCallExpression(call) ? call.expression : call.tag).getText().replace(/\s+/g, '');
}

/** Code text quoted in a message: whitespace collapsed, clipped to `max` characters with an ellipsis. */
export function excerpt(text: string, max: number): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** Text of a node with whitespace collapsed, for comparing key expressions written the same way. */
export function normalizedText(node: ts.Node): string {
  return node.getText().replace(/\s+/g, '');
}

/** Whether `fn` is the callback of a promise `.catch(fn)` or the second argument of `.then(ok, fail)`. */
export function isPromiseFailureCallback(fn: ts.Node): boolean {
  const call = fn.parent;
  if (!call || !ts.isCallExpression(call)) return false;
  const name = calleeName(call);
  if (name === 'catch') return call.arguments[0] === fn;
  if (name === 'then') return call.arguments[1] === fn;
  return false;
}

/** The statements of a statement list (block, file, namespace body, case clause), when `node` is one. */
export function statementList(node: ts.Node): readonly ts.Statement[] | undefined {
  if (ts.isBlock(node) || ts.isSourceFile(node) || ts.isModuleBlock(node)) return node.statements;
  if (ts.isCaseClause(node) || ts.isDefaultClause(node)) return node.statements;
  return undefined;
}

/**
 * The statement directly containing `node` in a statement list (see `statementList`). By default
 * within `node`'s own function: undefined when the way up leaves a function with a body first
 * (`x => f(x)` has no statement of its own). With `acrossFunctions: true` the climb goes on to the
 * statement holding that function.
 */
export function statementOf(node: ts.Node, { acrossFunctions = false }: { acrossFunctions?: boolean } = {}): ts.Statement | undefined {
  for (let n: ts.Node = node; n.parent; n = n.parent) {
    if (statementList(n.parent)) return n as ts.Statement;
    if (!acrossFunctions && n !== node && isFunctionWithBody(n)) return undefined;
  }
  return undefined;
}

/** Whether any identifier, property name or string inside `node` matches `pattern` (see `mentions` for names as values). */
export function mentionsText(node: ts.Node, pattern: RegExp): boolean {
  let found = false;
  walkTree(node, (n) => {
    if (found) return false;
    if ((ts.isIdentifier(n) || ts.isPrivateIdentifier(n) || ts.isStringLiteralLike(n)) && pattern.test(n.text)) {
      found = true;
      return false;
    }
    if (ts.isTemplateExpression(n) && (pattern.test(n.head.text) || n.templateSpans.some((s) => pattern.test(s.literal.text)))) {
      found = true;
      return false;
    }
    return true;
  });
  return found;
}

/**
 * The name a call's (awaited) result is stored in: `const tx = await p.transaction()` → 'tx',
 * `this.tx = …` → 'this.tx'. Undefined when the result is not stored in a plain name.
 */
export function boundName(expr: ts.Expression): string | undefined {
  let n: ts.Node = expr;
  while (n.parent && (ts.isAwaitExpression(n.parent) || ts.isParenthesizedExpression(n.parent) || ts.isAsExpression(n.parent) || ts.isNonNullExpression(n.parent))) n = n.parent;
  const p = n.parent;
  if (p && ts.isVariableDeclaration(p) && p.initializer === n && ts.isIdentifier(p.name)) return p.name.text;
  if (p && ts.isBinaryExpression(p) && p.right === n && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    if (ts.isIdentifier(p.left)) return p.left.text;
    if (ts.isPropertyAccessExpression(p.left) && p.left.expression.kind === ts.SyntaxKind.ThisKeyword) return `this.${p.left.name.text}`;
  }
  return undefined;
}

/** `x` → 'x', `this.x` → 'this.x'; the key `boundName` uses. */
export function nameKey(expr: ts.Expression): string | undefined {
  const e = unwrap(expr);
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e) && e.expression.kind === ts.SyntaxKind.ThisKeyword) return `this.${e.name.text}`;
  return undefined;
}

/**
 * Kinds of `isFunctionWithBody`, compared by `node.kind`: it runs for every ancestor or node of
 * the walks here, and each `ts.isX` goes through ts-morph's `ts` getter and a namespace accessor.
 */
const FUNCTION_KINDS = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.FunctionDeclaration, ts.SyntaxKind.FunctionExpression, ts.SyntaxKind.ArrowFunction, ts.SyntaxKind.MethodDeclaration,
  ts.SyntaxKind.Constructor, ts.SyntaxKind.GetAccessor, ts.SyntaxKind.SetAccessor,
]);

/** The innermost function-like node with a body that contains `node` (not `node` itself). */
export function enclosingFunction(node: ts.Node): ts.FunctionLikeDeclaration | undefined {
  for (let n = node.parent; n; n = n.parent) {
    if (isFunctionWithBody(n)) return n;
  }
  return undefined;
}

/** Whether `node` is a function (declaration, expression, arrow, method, accessor) with a body. */
export function isFunctionWithBody(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return FUNCTION_KINDS.has(node.kind) && (node as ts.FunctionLikeDeclaration).body !== undefined;
}

/** Whether `inner` lies within `outer` (inclusive). */
export function contains(outer: ts.Node, inner: ts.Node): boolean {
  return inner.pos >= outer.pos && inner.end <= outer.end;
}

/** The `catch` clause containing `node` within the same function, if any. */
export function enclosingCatch(node: ts.Node): ts.CatchClause | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (isFunctionWithBody(n)) return undefined;
    if (ts.isCatchClause(n)) return n;
  }
  return undefined;
}

/**
 * The initialiser of the `const` a name refers to, searched from the use outwards through the
 * enclosing blocks and the file's top level (a syntactic stand-in for scope resolution).
 */
export function constInitializer(name: ts.Identifier): ts.Expression | undefined {
  for (let scope: ts.Node | undefined = name.parent; scope; scope = scope.parent) {
    if (scope.kind !== BLOCK && scope.kind !== SOURCE_FILE && scope.kind !== MODULE_BLOCK) continue;
    const init = initializersOf(scope as ScopeWithStatements, true).get(name.text);
    if (init) return init;
  }
  return undefined;
}

const BLOCK = ts.SyntaxKind.Block;
const SOURCE_FILE = ts.SyntaxKind.SourceFile;
const MODULE_BLOCK = ts.SyntaxKind.ModuleBlock;
const VARIABLE_STATEMENT = ts.SyntaxKind.VariableStatement;
const IDENTIFIER = ts.SyntaxKind.Identifier;
const CONST_FLAG = ts.NodeFlags.Const;
type ScopeWithStatements = ts.Block | ts.SourceFile | ts.ModuleBlock;

/**
 * The first initialiser per declared name among a scope's own statements (`const` ones only, or
 * all). Built once per scope: name lookups run for every call's receiver and arguments, and
 * scanning the top level of a large file for each of them was quadratic. Keyed by the scope
 * node, which is safe across an editor's incremental reparse: a reused node keeps its statements.
 */
function initializersOf(scope: ScopeWithStatements, constOnly: boolean): ReadonlyMap<string, ts.Expression> {
  const cache = constOnly ? constInitializers : anyInitializers;
  let byName = cache.get(scope);
  if (byName) return byName;
  let found: Map<string, ts.Expression> | undefined;
  // By kind and with the flag read once: every block around every looked-up name is scanned here,
  // and each `ts.isX` / `ts.NodeFlags` goes through ts-morph's `ts` getter.
  for (const stmt of scope.statements) {
    if (stmt.kind !== VARIABLE_STATEMENT) continue;
    const list = (stmt as ts.VariableStatement).declarationList;
    if (constOnly && !(list.flags & CONST_FLAG)) continue;
    for (const d of list.declarations) {
      if (d.name.kind !== IDENTIFIER || !d.initializer) continue;
      const name = (d.name as ts.Identifier).text;
      found ??= new Map();
      if (!found.has(name)) found.set(name, d.initializer);
    }
  }
  // Blocks that declare nothing (many: `if` and loop bodies) share one empty map.
  byName = found ?? NO_INITIALIZERS;
  cache.set(scope, byName);
  return byName;
}

const NO_INITIALIZERS: ReadonlyMap<string, ts.Expression> = new Map();
const constInitializers = new WeakMap<ts.Node, ReadonlyMap<string, ts.Expression>>();
const anyInitializers = new WeakMap<ts.Node, ReadonlyMap<string, ts.Expression>>();

/** The value of property `name` in an object literal (`name: v` or shorthand `name`). */
export function propertyValue(obj: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const p of obj.properties) {
    if (ts.isPropertyAssignment(p) && propertyNameText(p.name) === name) return p.initializer;
    if (ts.isShorthandPropertyAssignment(p) && p.name.text === name) return p.name;
  }
  return undefined;
}

/** Whether an object literal has property `name` (any form, including methods). */
export function hasProperty(obj: ts.ObjectLiteralExpression, name: string): boolean {
  return obj.properties.some((p) => p.name !== undefined && propertyNameText(p.name) === name);
}

/** An object literal argument, also through a `const opts = { … }` of the same scope. */
export function objectLiteralOf(expr: ts.Expression | undefined): ts.ObjectLiteralExpression | undefined {
  if (!expr) return undefined;
  const e = unwrap(expr);
  if (ts.isObjectLiteralExpression(e)) return e;
  if (ts.isIdentifier(e)) {
    const init = constInitializer(e) ?? localInitializer(e);
    return init && ts.isObjectLiteralExpression(unwrap(init)) ? (unwrap(init) as ts.ObjectLiteralExpression) : undefined;
  }
  return undefined;
}

/**
 * Like `constInitializer`, for `let`/`var` declarations too (read-only use: an approximation): the
 * initializer of the nearest declaration of the name, from the use outwards.
 */
export function localInitializer(name: ts.Identifier): ts.Expression | undefined {
  for (let scope: ts.Node | undefined = name.parent; scope; scope = scope.parent) {
    if (scope.kind !== BLOCK && scope.kind !== SOURCE_FILE) continue;
    const init = initializersOf(scope as ScopeWithStatements, false).get(name.text);
    if (init) return init;
  }
  return undefined;
}

/** The property `name` of an object literal: assignment, shorthand or method. */
export function property(obj: ts.ObjectLiteralExpression, name: string): ts.ObjectLiteralElementLike | undefined {
  return obj.properties.find((p) => (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p) || ts.isMethodDeclaration(p)) &&
    propertyNameText(p.name) === name);
}

/** `true` / `false` for a boolean literal (with `followConst`, also through a `const x = true` in scope), else undefined. */
export function booleanValue(expr: ts.Expression | undefined, followConst = false): boolean | undefined {
  if (!expr) return undefined;
  const e = unwrap(expr);
  if (e.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (e.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (followConst && ts.isIdentifier(e)) {
    const init = constInitializer(e);
    if (init) return booleanValue(init);
  }
  return undefined;
}

/** The text of a string literal (with `followConst`, also through a `const q = 'x'` in scope), else undefined. */
export function stringValue(expr: ts.Expression | undefined, followConst = false): string | undefined {
  if (!expr) return undefined;
  const e = unwrap(expr);
  if (ts.isStringLiteralLike(e)) return e.text;
  if (followConst && ts.isIdentifier(e)) {
    const init = constInitializer(e);
    if (init && ts.isStringLiteralLike(unwrap(init))) return (unwrap(init) as ts.StringLiteralLike).text;
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
    const key = ts.isObjectBindingPattern(name) ? propertyNameText(el.propertyName) ?? (ts.isIdentifier(el.name) ? el.name.text : undefined) : undefined;
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
    out.set(el.name.text, propertyNameText(el.propertyName) ?? el.name.text);
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
