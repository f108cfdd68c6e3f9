import { ts } from 'ts-morph';
import { unwrap } from './origins';
import { walkTree } from './tree-walk';

/**
 * Small syntactic queries shared by the dedup / retry rules. They work on raw compiler nodes
 * with parent pointers (the engine parses with `setParentNodes`).
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

/** The innermost function (declaration, expression, arrow, method) that contains `node`. */
export function enclosingFunction(node: ts.Node): ts.FunctionLikeDeclaration | undefined {
  for (let n = node.parent; n; n = n.parent) {
    if (ts.isFunctionLike(n) && 'body' in n && (n as ts.FunctionLikeDeclaration).body) return n as ts.FunctionLikeDeclaration;
  }
  return undefined;
}

/** Whether `inner` lies within `outer` (inclusive). */
export function contains(outer: ts.Node, inner: ts.Node): boolean {
  return inner.pos >= outer.pos && inner.end <= outer.end;
}

/** The name of a property (identifier, string or numeric literal), or undefined when computed. */
export function propertyNameText(name: ts.PropertyName | ts.BindingName | undefined): string | undefined {
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isStringLiteralLike(name) || ts.isNumericLiteral(name) || ts.isPrivateIdentifier(name)) return name.text;
  return undefined;
}

/** The initializer of property `name` in an object literal (shorthand gives the identifier itself). */
export function propertyValue(obj: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const p of obj.properties) {
    if (ts.isPropertyAssignment(p) && propertyNameText(p.name) === name) return p.initializer;
    if (ts.isShorthandPropertyAssignment(p) && p.name.text === name) return p.name;
  }
  return undefined;
}

/** The property assignment node for `name` (for reporting and edits). */
export function propertyNode(obj: ts.ObjectLiteralExpression, name: string): ts.ObjectLiteralElementLike | undefined {
  return obj.properties.find((p) => (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) && propertyNameText(p.name) === name);
}

/** Visits every descendant of `node` (not `node` itself); `visit` returning false skips a subtree. */
export function forEachDescendant(node: ts.Node, visit: (n: ts.Node) => boolean | void): void {
  const walk = (n: ts.Node): boolean | void => {
    if (visit(n) === false) return false;
  };
  walkTree(node, walk, false);
}

/** Descendant calls of `node`, in document order, not entering nested functions when `shallow`. */
export function callsWithin(node: ts.Node, shallow = false): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  forEachDescendant(node, (n) => {
    if (shallow && ts.isFunctionLike(n)) return false;
    if (ts.isCallExpression(n)) out.push(n);
    return true;
  });
  return out;
}

/** Text of a node with whitespace collapsed, for comparing key expressions written the same way. */
export function normalizedText(node: ts.Node): string {
  return node.getText().replace(/\s+/g, '');
}

/** The catch clause whose block contains `node`, if `node` is inside one (stops at functions). */
export function enclosingCatch(node: ts.Node): ts.CatchClause | undefined {
  for (let n = node.parent; n; n = n.parent) {
    if (ts.isCatchClause(n)) return n;
    if (ts.isFunctionLike(n)) return undefined;
  }
  return undefined;
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

/** The statement list directly containing `node`'s statement, and that statement. */
export function statementOf(node: ts.Node): ts.Statement | undefined {
  for (let n: ts.Node | undefined = node; n; n = n.parent) {
    if (n.parent && (ts.isBlock(n.parent) || ts.isSourceFile(n.parent) || ts.isCaseClause(n.parent) || ts.isDefaultClause(n.parent))) {
      return n as ts.Statement;
    }
  }
  return undefined;
}

/** Whether any identifier, property name or string inside `node` matches `pattern`. */
export function mentions(node: ts.Node, pattern: RegExp): boolean {
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

/** Leading whitespace of the line `node` starts on, for inserting sibling statements. */
export function indentationOf(node: ts.Node): string {
  const sf = node.getSourceFile();
  const start = node.getStart(sf);
  const lineStart = sf.text.lastIndexOf('\n', start - 1) + 1;
  return /^[ \t]*/.exec(sf.text.slice(lineStart, start))?.[0] ?? '';
}
