import { ts } from 'ts-morph';
import { contains, enclosingFunction, isFunctionWithBody, statementList, statementOf } from './syntax';
import { walkTree } from './tree-walk';

/**
 * Ordering and await questions over one function body, answered syntactically: does call A run
 * before call B, is a promise awaited, is a node inside a `finally` or a `catch` that swallows.
 *
 * The model is deliberately simple and errs towards "no": only sequential code within one
 * function is followed (no back edges of loops: the next iteration handles another message), and
 * a statement after which the block cannot complete (return / throw / break / continue) cuts the
 * path. Rules use it to decide whether an ack precedes work and whether a handler waits for it.
 */

/**
 * Whether `node` runs as part of `scope` itself rather than in a function defined inside it
 * (a callback runs at another time, or never).
 */
export function runsIn(node: ts.Node, scope: ts.Node): boolean {
  if (node === scope) return true;
  for (let n = node.parent; n && n !== scope; n = n.parent) {
    if (isFunctionWithBody(n)) return false;
  }
  return contains(scope, node);
}

/** Whether a statement never completes normally: return, throw, break, continue, or a block / if ending so. */
export function definitelyExits(stmt: ts.Statement): boolean {
  if (ts.isReturnStatement(stmt) || ts.isThrowStatement(stmt) || ts.isBreakStatement(stmt) || ts.isContinueStatement(stmt)) return true;
  if (ts.isBlock(stmt)) return stmt.statements.some(definitelyExits);
  if (ts.isIfStatement(stmt)) return stmt.elseStatement !== undefined && definitelyExits(stmt.thenStatement) && definitelyExits(stmt.elseStatement);
  if (ts.isTryStatement(stmt)) {
    if (stmt.finallyBlock && definitelyExits(stmt.finallyBlock)) return true;
    return definitelyExits(stmt.tryBlock) && (!stmt.catchClause || definitelyExits(stmt.catchClause.block));
  }
  return false;
}

/** The chain of ancestors of `node` up to the root, `node` first. */
function ancestry(node: ts.Node): ts.Node[] {
  const out: ts.Node[] = [];
  for (let n: ts.Node | undefined = node; n; n = n.parent) out.push(n);
  return out;
}

/**
 * Whether, after `a` runs, execution can go on to run `b` in the same invocation of their
 * function: `b` comes later in the text, they are not on exclusive branches (then/else, `?:`,
 * different `case`s), and no return / throw / break / continue stands between them. A call in a
 * `try` block reaches its `catch` and `finally`. Nodes in different functions never reach each other.
 */
export function canReach(a: ts.Node, b: ts.Node): boolean {
  if (a === b || a.getStart() >= b.getStart() || contains(a, b) || contains(b, a)) return false;
  if (enclosingFunction(a) !== enclosingFunction(b)) return false;
  const upA = ancestry(a);
  const upB = new Set(ancestry(b));
  const lcaIndex = upA.findIndex((n) => upB.has(n));
  const lca = upA[lcaIndex];
  const childA = upA[lcaIndex - 1];
  const childB = ancestry(b).find((n) => n.parent === lca);
  if (!childA || !childB) return false;
  // Exclusive branches.
  if (ts.isIfStatement(lca) && childA !== lca.expression) return false;
  if (ts.isConditionalExpression(lca) && childA !== lca.condition) return false;
  if (ts.isCaseBlock(lca)) return false;
  // Anything in a try block may throw into its catch, and every path runs the finally.
  if (ts.isTryStatement(lca) && childA === lca.tryBlock) return true;
  if (ts.isTryStatement(lca) && childA === lca.catchClause && childB === lca.finallyBlock) return true;
  // From a, up to the lowest common ancestor: every enclosing list must let a's statement complete.
  for (let i = 0; i < lcaIndex - 1; i++) {
    const node = upA[i];
    // `return ack()` / `throw …`: a runs as part of leaving.
    if (ts.isReturnStatement(node) || ts.isThrowStatement(node)) return false;
    const list = statementList(node.parent);
    if (!list) continue;
    const at = list.indexOf(node as ts.Statement);
    if (list.slice(at + 1).some(definitelyExits)) return false;
  }
  const shared = statementList(lca);
  if (shared) {
    const from = shared.indexOf(childA as ts.Statement);
    const to = shared.indexOf(childB as ts.Statement);
    if (shared.slice(from, to).some(definitelyExits)) return false;
  }
  return true;
}

/**
 * Whether `a` runs on every path that reaches `b` in their function: `a` sits unconditionally
 * (not in a branch, loop body, `catch`, callback or short-circuit operand) in a statement that
 * precedes `b`'s statement in a block enclosing `b`.
 */
export function runsOnEveryPathBefore(a: ts.Node, b: ts.Node): boolean {
  if (enclosingFunction(a) !== enclosingFunction(b) || a.getStart() >= b.getStart()) return false;
  const stmtA = statementOf(a);
  if (!stmtA || contains(stmtA, b)) return false;
  // Climb out of plain blocks, and out of a try block when `a` leads it (nothing before it can skip it).
  let outer: ts.Statement = stmtA;
  while (outer.parent && !contains(outer.parent, b)) {
    const block = outer.parent;
    if (ts.isBlock(block) && ts.isBlock(block.parent)) outer = block;
    else if (ts.isBlock(block) && ts.isTryStatement(block.parent) && block.parent.tryBlock === block && block.statements[0] === outer) outer = block.parent;
    else return false;
  }
  for (let n: ts.Node = a; n !== stmtA; n = n.parent) {
    const p = n.parent;
    if (ts.isConditionalExpression(p) && n !== p.condition) return false;
    if (ts.isBinaryExpression(p) && p.right === n && [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(p.operatorToken.kind)) return false;
    if (isFunctionWithBody(p) || ts.isIfStatement(p) || ts.isIterationStatement(p, false) || ts.isCatchClause(p) || ts.isSwitchStatement(p)) return false;
    if (ts.isCallExpression(p) && p.questionDotToken) return false;
  }
  return canReach(a, b);
}

/**
 * Whether `a` has completed before `b` starts, on every path to `b`: it runs on every such path
 * and, when it yields a promise, that promise is awaited (or returned) rather than left running.
 */
export function completesBefore(a: ts.CallExpression, b: ts.Node, yieldsPromise = true): boolean {
  return runsOnEveryPathBefore(a, b) && (!yieldsPromise || isAwaited(a));
}

/** The expression a call's value flows into, skipping parentheses, `as`, `!`. */
function valueParent(node: ts.Node): ts.Node {
  let n = node;
  while (n.parent && (ts.isParenthesizedExpression(n.parent) || ts.isAsExpression(n.parent) || ts.isNonNullExpression(n.parent) || ts.isSatisfiesExpression(n.parent))) n = n.parent;
  return n;
}

/**
 * Whether the function that runs `expr` waits for the promise it yields: it is awaited,
 * returned, yielded, or chained (`.then/.catch/.finally`) into something that is; or it is an
 * element of `Promise.all([...])` / `Promise.allSettled` that is. An expression stored in a
 * variable is awaited when that variable is awaited later in the same function.
 */
export function isAwaited(expr: ts.Expression): boolean {
  const top = valueParent(expr);
  const parent = top.parent;
  if (!parent) return false;
  if (ts.isAwaitExpression(parent) || ts.isReturnStatement(parent) || ts.isYieldExpression(parent)) return true;
  if (ts.isArrowFunction(parent) && parent.body === top) return true;
  // p.then(...) / p.catch(...) / p.finally(...) / aws-sdk v2 request.promise(): awaited when the chain is.
  if (ts.isPropertyAccessExpression(parent) && parent.expression === top && ['then', 'catch', 'finally', 'promise'].includes(parent.name.text) &&
    parent.parent && ts.isCallExpression(parent.parent) && parent.parent.expression === parent) {
    return isAwaited(parent.parent);
  }
  // Promise.all([a, b]) / Promise.all(list.map(async ...))
  if (ts.isArrayLiteralExpression(parent) && parent.parent && ts.isCallExpression(parent.parent) && isPromiseCombinator(parent.parent)) {
    return isAwaited(parent.parent);
  }
  if (ts.isCallExpression(parent) && isPromiseCombinator(parent) && parent.arguments.includes(top as ts.Expression)) return isAwaited(parent);
  // const p = work(); ...; await p
  if (ts.isVariableDeclaration(parent) && parent.initializer === top && ts.isIdentifier(parent.name)) {
    const name = parent.name.text;
    const fn = enclosingFunction(parent);
    if (!fn?.body) return false;
    let waited = false;
    const visit = (n: ts.Node): boolean | void => {
      if (waited) return false;
      if (ts.isIdentifier(n) && n.text === name && n !== parent.name && n.getStart() > parent.getEnd()) {
        const p = valueParent(n).parent;
        if (p && (ts.isAwaitExpression(p) || ts.isReturnStatement(p) || (ts.isArrayLiteralExpression(p) && p.parent && ts.isCallExpression(p.parent) && isPromiseCombinator(p.parent)))) waited = true;
      }
    };
    walkTree(fn.body, visit);
    return waited;
  }
  return false;
}

/** `Promise.all/allSettled/race/any(...)`. */
export function isPromiseCombinator(call: ts.CallExpression): boolean {
  const callee = call.expression;
  return ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'Promise' &&
    ['all', 'allSettled', 'race', 'any'].includes(callee.name.text);
}

/** Whether the value of a call is discarded: it is a statement on its own, or marked `void`. */
export function isDiscarded(call: ts.CallExpression): boolean {
  const top = valueParent(call);
  const parent = top.parent;
  return !!parent && (ts.isExpressionStatement(parent) || ts.isVoidExpression(parent));
}

/** The `try` statement whose `finally` block contains `node` within the same function, if any. */
export function enclosingFinally(node: ts.Node): ts.TryStatement | undefined {
  for (let n = node; n.parent; n = n.parent) {
    if (isFunctionWithBody(n) && n !== node) return undefined;
    if (ts.isTryStatement(n.parent) && n.parent.finallyBlock === n) return n.parent;
  }
  return undefined;
}

/**
 * Whether a `catch` block passes the failure on: it throws (rethrows or throws anew) on every
 * path that completes, or returns a rejected promise. A catch that logs and carries on swallows.
 */
export function catchRethrows(clause: ts.CatchClause): boolean {
  return blockThrows(clause.block);
}

/** Whether a statement throws (or returns a rejected promise) on every path that completes. */
export function blockThrows(stmt: ts.Statement): boolean {
  if (ts.isThrowStatement(stmt)) return true;
  if (ts.isReturnStatement(stmt) && stmt.expression) {
    const e = stmt.expression;
    return ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && ts.isIdentifier(e.expression.expression) &&
      e.expression.expression.text === 'Promise' && e.expression.name.text === 'reject';
  }
  if (ts.isBlock(stmt)) {
    for (const s of stmt.statements) {
      if (blockThrows(s)) return true;
      if (definitelyExits(s)) return false;
    }
    return false;
  }
  if (ts.isIfStatement(stmt)) return stmt.elseStatement !== undefined && blockThrows(stmt.thenStatement) && blockThrows(stmt.elseStatement);
  if (ts.isTryStatement(stmt)) return blockThrows(stmt.tryBlock) || (!!stmt.finallyBlock && blockThrows(stmt.finallyBlock));
  return false;
}

/** The statement list holding `stmt`, when it sits in one. */
export function siblingsOf(stmt: ts.Statement): readonly ts.Statement[] | undefined {
  return stmt.parent ? statementList(stmt.parent) : undefined;
}

/** Whether any statement in `nodes` contains a return / throw / break / continue that leaves it (not in nested functions). */
export function mayExitEarly(node: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): boolean | void => {
    if (found) return false;
    if (ts.isReturnStatement(n) || ts.isThrowStatement(n)) {
      found = true;
      return false;
    }
    // break / continue inside a loop or switch of `node` stay inside it.
    if ((ts.isBreakStatement(n) || ts.isContinueStatement(n)) && !hasInnerTarget(n, node)) {
      found = true;
      return false;
    }
    if (n !== node && isFunctionWithBody(n)) return false;
  };
  walkTree(node, visit);
  return found;
}

function hasInnerTarget(jump: ts.BreakStatement | ts.ContinueStatement, within: ts.Node): boolean {
  if (jump.label) return false;
  for (let n = jump.parent; n && n !== within.parent; n = n.parent) {
    if (ts.isIterationStatement(n, false)) return true;
    if (ts.isSwitchStatement(n) && ts.isBreakStatement(jump)) return true;
    if (n === within) break;
  }
  return false;
}

/**
 * Whether a failure caught by `tryStmt`'s `catch` is raised later after all: the `try` block
 * sets a flag once its work has completed (`done = true` after the last work call), and a
 * statement after the `try` (or after the retry loop holding it) throws when the flag says the
 * work never completed: `while (attempt < 3 && !done) { try { await work(); done = true } catch { attempt++ } }
 * if (!done) throw …`. Only assignments after `workEnd` count as flags. Stays within `scope`.
 */
export function failureRaisedAfter(tryStmt: ts.TryStatement, workEnd: number, scope: ts.Node): boolean {
  const flags = new Set<string>();
  const visit = (n: ts.Node): boolean | void => {
    if (isFunctionWithBody(n)) return false;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(n.left) && n.getStart() >= workEnd) flags.add(n.left.text);
  };
  walkTree(tryStmt.tryBlock, visit);
  if (flags.size === 0) return false;
  for (let stmt: ts.Statement | undefined = tryStmt; stmt && contains(scope, stmt) && stmt !== scope; ) {
    const siblings = siblingsOf(stmt) ?? [];
    for (const next of siblings.slice(siblings.indexOf(stmt) + 1)) {
      if (ts.isIfStatement(next) && readsAny(next.expression, flags) && throwsAtOnce(next.thenStatement)) return true;
      if (definitelyExits(next)) return false;
    }
    const owner: ts.Node | undefined = stmt.parent?.parent;
    if (!owner || isFunctionWithBody(owner) || !contains(scope, owner) || owner === scope) return false;
    stmt = statementOf(owner);
  }
  return false;
}

function readsAny(expr: ts.Node, names: ReadonlySet<string>): boolean {
  let found = false;
  walkTree(expr, (n) => {
    if (found) return false;
    if (ts.isIdentifier(n) && names.has(n.text)) found = true;
    return !found;
  });
  return found;
}

/** A `throw`, or a block whose statements reach a `throw` before anything that exits otherwise. */
function throwsAtOnce(stmt: ts.Statement): boolean {
  if (ts.isThrowStatement(stmt)) return true;
  if (!ts.isBlock(stmt)) return false;
  for (const s of stmt.statements) {
    if (ts.isThrowStatement(s)) return true;
    if (definitelyExits(s)) return false;
  }
  return false;
}
