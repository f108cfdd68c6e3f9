import { ts } from 'ts-morph';
import type { ProjectIndex } from '../project/project-index';
import type { FileFacts } from '../file-facts';
import { classifyCall, sideEffectsIn } from '../effects/effects';
import { callsInFlow, flowOwner } from '../effects/flow';
import type { Effect, Hop } from '../effects/types';
import { blockThrows, catchRethrows, failureRaisedAfter, isAwaited } from '../flow';
import { unwrap } from '../origins';
import { calleeText, contains, isFunctionWithBody } from '../syntax';
import { walkTree } from '../tree-walk';
import { isWork } from '../work';
import { calleesOf } from './callees';
import type { CallTarget } from './receivers';

/**
 * Summary fact "swallows the failure of its work": a project function that, when the work it
 * does outside the process (a database write, a publish, an e-mail, an HTTP call) fails, still
 * returns normally, so whoever awaits it cannot tell. Two shapes:
 *
 * - a `catch` around that work that neither throws, nor hands the failure on (no recovery send,
 *   no nack, no state the function itself acts on later): it logs, maybe records a status row,
 *   and carries on;
 * - an HTTP response whose failed status (`!res.ok`, `res.status >= 400`) is only logged.
 *
 * A function inherits the fact from a function it awaits (or returns) that has it, up to
 * MAX_DEPTH calls deep, cycles cut. A `catch` that returns a value (`return false`, `return
 * { ok: false }`) "signals": a caller that uses the returned value may be checking it, so it
 * only counts where the value is thrown away.
 */

/** One way a function's work fails without its caller hearing of it. */
export interface SwallowedFailure {
  /** Where the failure is dropped: the `catch` clause, or the `if` that only logs the failed response. */
  at: ts.CatchClause | ts.IfStatement;
  kind: 'catch' | 'status';
  /** The work whose failure is dropped (its hops lead from the `try` block, or are empty). */
  work: Effect;
  /** The calls followed to reach the function holding `at`, the first from the asking call site. */
  hops: Hop[];
  /** Whether the dropping function hands back a value on that path that a caller could test. */
  signals: boolean;
}

/** Calls followed from a call site down to the function that swallows. */
const MAX_DEPTH = 3;
/** Swallows remembered per function: the first few in document order are enough to report one. */
const MAX_PER_FUNCTION = 3;

/**
 * Work a failure of which is fine to drop on purpose: caches, metrics, tracing, audit logs,
 * presence. Matched against the work's call and against the names of the functions on the path.
 */
const BEST_EFFORT = /cache|metric|stats|telemetry|tracing|tracer|logger|logging|audit|heartbeat|presence|lastSeen/i;
/** A comment in the `catch` that says the failure is meant to be dropped. */
const DELIBERATE = /best[- ]?effort|non[- ]?critical|not critical|ignor(e|ed|ing)\b|intentional|on purpose|must not fail|should not fail|never fail/i;

/**
 * The swallowed failures a call may run into: those of the project functions it runs (resolved
 * as `calleesOf`, dispatch tables included), each with the hops from this call. Empty when the call
 * runs no project function or none of them swallows.
 */
export function swallowedThrough(call: ts.CallExpression, facts: FileFacts, project: ProjectIndex): SwallowedFailure[] {
  return throughCall(call, facts, project, 0, new Set());
}

function throughCall(call: ts.CallExpression, facts: FileFacts, project: ProjectIndex, depth: number, visiting: Set<ts.Node>): SwallowedFailure[] {
  if (depth >= MAX_DEPTH) return [];
  const out: SwallowedFailure[] = [];
  for (const target of targetsOf(call, facts, project)) {
    if (visiting.has(target.fn) || BEST_EFFORT.test(target.label)) continue;
    visiting.add(target.fn);
    const inner = target.facts.memo(`swallows:${target.fn.pos}:${target.fn.end}:${depth + 1}`, () => summarise(target.fn, target.facts, project, depth + 1, visiting));
    visiting.delete(target.fn);
    const hop: Hop = { call, fn: target.fn, label: target.label };
    for (const s of inner) out.push({ ...s, hops: [hop, ...s.hops] });
    if (out.length >= MAX_PER_FUNCTION) break;
  }
  return out.slice(0, MAX_PER_FUNCTION);
}

/** The swallowed failures of one function: its own, then those of the functions it awaits. */
function summarise(fn: ts.FunctionLikeDeclaration, facts: FileFacts, project: ProjectIndex, depth: number, visiting: Set<ts.Node>): SwallowedFailure[] {
  const body = fn.body;
  if (!body) return [];
  const out: SwallowedFailure[] = [...swallowingCatches(fn, body, facts, project), ...loggedResponses(fn, body, facts, project)];
  for (const call of callsInFlow(body)) {
    if (out.length >= MAX_PER_FUNCTION) break;
    if (!isWork(call) || !waitedFor(call) || inThrowingCatch(call)) continue;
    for (const s of throughCall(call, facts, project, depth, visiting)) {
      // A value the callee hands back on failure and this function uses: it may be checking it.
      if (s.signals && !resultUnused(call) && !returned(call)) continue;
      out.push({ ...s, signals: s.signals && returned(call) });
    }
  }
  return out.slice(0, MAX_PER_FUNCTION).sort((a, b) => a.hops.length - b.hops.length);
}

/**
 * Whether a call sits in a `catch` that throws anyway (`catch (e) { await alert(e); throw e; }`):
 * whatever the call swallows, the failure the `catch` handles still reaches the caller.
 */
export function inThrowingCatch(call: ts.CallExpression): boolean {
  for (let n: ts.Node | undefined = call.parent; n && !isFunctionWithBody(n); n = n.parent) {
    if (ts.isCatchClause(n)) return throwsAnywhere(n.block);
  }
  return false;
}

/** Whether the caller waits for the call's promise (awaited, returned, in an awaited `Promise.all`), or the call is synchronous. */
function waitedFor(call: ts.CallExpression): boolean {
  return isAwaited(call) || !ts.isExpressionStatement(valueHolder(call));
}

/** Whether nothing reads the call's value: a statement of its own (`await notify(x);`), or `void`. */
export function resultUnused(call: ts.CallExpression): boolean {
  const holder = valueHolder(call);
  return ts.isExpressionStatement(holder) || ts.isVoidExpression(holder);
}

/** Whether the call's value is what its function returns (`return f()`, `return await f()`, `=> f()`). */
function returned(call: ts.CallExpression): boolean {
  const holder = valueHolder(call);
  return ts.isReturnStatement(holder) || (ts.isArrowFunction(holder) && holder.body !== undefined && !ts.isBlock(holder.body));
}

/** The node holding a call's value, past parentheses, `await` and type assertions. */
function valueHolder(call: ts.CallExpression): ts.Node {
  let n: ts.Node = call;
  while (n.parent && (ts.isParenthesizedExpression(n.parent) || ts.isAwaitExpression(n.parent) || ts.isAsExpression(n.parent) || ts.isNonNullExpression(n.parent))) n = n.parent;
  return n.parent ?? n;
}

/** Try statements of the function's own flow whose `catch` drops the failure of their work. */
function swallowingCatches(fn: ts.FunctionLikeDeclaration, body: ts.Node, facts: FileFacts, project: ProjectIndex): SwallowedFailure[] {
  const out: SwallowedFailure[] = [];
  walkTree(body, (n) => {
    if (out.length >= MAX_PER_FUNCTION) return false;
    // A nested function that runs later is another unit; one that runs inline (`items.map(async …)`) is walked.
    if (n !== body && isFunctionWithBody(n) && n.body && flowOwner(n.body) !== fn) return false;
    if (!ts.isTryStatement(n) || !n.catchClause || flowOwner(n) !== fn) return;
    const clause = n.catchClause;
    if (catchRethrows(clause) || throwsAnywhere(clause.block) || DELIBERATE.test(clause.getFullText())) return;
    if (retriedUntilDone(n)) return;
    const work = sideEffectsIn(n.tryBlock, facts, project).filter((e) => !BEST_EFFORT.test(calleeText(e.call)) && !BEST_EFFORT.test((e.hops ?? []).map((h) => h.label).join(' ')));
    if (work.length === 0) return;
    if (workDoneBefore(n, body, facts, project)) return;
    const drop = dropsFailure(clause, fn, facts, project);
    if (!drop) return;
    if (failureRaisedAfter(n, work[work.length - 1].at.getEnd(), body)) return;
    out.push({ at: clause, kind: 'catch', work: work[0], hops: [], signals: drop.signals });
  });
  return out;
}

/**
 * Whether the `try` is the body of a loop that only ends once it succeeds: `while (true)` /
 * `for (;;)`, or `while (!done)` with `done` set in the `try`. Its `catch` drops one attempt, not
 * the failure: `while (!ok) { try { await save(x); ok = true } catch {} await wait(1000) }`.
 */
function retriedUntilDone(tryStmt: ts.TryStatement): boolean {
  let loop: ts.Node | undefined = tryStmt.parent;
  while (loop && ts.isBlock(loop)) loop = loop.parent;
  if (!loop) return false;
  const condition = ts.isWhileStatement(loop) || ts.isDoStatement(loop) ? loop.expression : ts.isForStatement(loop) ? loop.condition : undefined;
  if (!ts.isWhileStatement(loop) && !ts.isDoStatement(loop) && !ts.isForStatement(loop)) return false;
  // A `catch` that leaves the loop (`break`, `return`) gives up after all.
  let leaves = false;
  if (tryStmt.catchClause) walkTree(tryStmt.catchClause.block, (n) => {
    if (isFunctionWithBody(n)) return false;
    if (ts.isBreakStatement(n) || ts.isReturnStatement(n)) leaves = true;
  });
  if (leaves) return false;
  if (condition === undefined) return true;
  const test = unwrap(condition);
  if (test.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (!ts.isPrefixUnaryExpression(test) || test.operator !== ts.SyntaxKind.ExclamationToken) return false;
  const flag = unwrap(test.operand);
  if (!ts.isIdentifier(flag)) return false;
  let setInTry = false;
  walkTree(tryStmt.tryBlock, (n) => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(n.left) && n.left.text === flag.text) setInTry = true;
  });
  return setInTry;
}

/**
 * Whether the function has already done work of its own, outside any `try`, before `node`: the
 * swallowed work is then a follow-up on a side path (`await repo.save(order); try { await
 * mailer.send(…) } catch (e) { log(e) }`), which code often drops on purpose once the main work
 * has completed. Left unreported for precision.
 */
function workDoneBefore(node: ts.Node, body: ts.Node, facts: FileFacts, project: ProjectIndex): boolean {
  return sideEffectsIn(body, facts, project).some((e) => e.at.getEnd() <= node.getStart() && !insideTry(e.at, body));
}

/** Whether a node sits in a `try` block or a `catch` of the function (not its own flow's plain path). */
function insideTry(node: ts.Node, body: ts.Node): boolean {
  for (let n = node.parent; n && n !== body; n = n.parent) {
    if (ts.isTryStatement(n) && (contains(n.tryBlock, node) || (!!n.catchClause && contains(n.catchClause, node)))) return true;
  }
  return false;
}

/** Whether a node throws anywhere (a conditional rethrow of some errors is a decision, not a swallow). */
function throwsAnywhere(node: ts.Node): boolean {
  let found = false;
  walkTree(node, (n) => {
    if (found || (n !== node && isFunctionWithBody(n))) return false;
    if (ts.isThrowStatement(n) || (ts.isStatement(n) && blockThrows(n))) found = true;
  });
  return found;
}

/**
 * Whether a `catch` only drops the failure: everything it calls is logging or a database write
 * (a status row); it assigns only local variables that nothing but logging reads afterwards; it
 * sends nothing anywhere (a recovery publish, a nack, a call the summary cannot see into).
 * Returns whether it hands back a value, or undefined when it does more than drop the failure.
 */
function dropsFailure(clause: ts.CatchClause, fn: ts.FunctionLikeDeclaration, facts: FileFacts, project: ProjectIndex): { signals: boolean } | undefined {
  const block = clause.block;
  const writes = new Set(sideEffectsIn(block, facts, project).filter((e) => e.kind === 'db-write').map((e) => e.at));
  for (const call of callsInFlow(block)) {
    if (!isWork(call)) continue;
    if (![...writes].some((w) => contains(call, w) || contains(w, call))) return undefined;
  }
  let signals = false;
  let acts = false;
  const errorName = clause.variableDeclaration && ts.isIdentifier(clause.variableDeclaration.name) ? clause.variableDeclaration.name.text : undefined;
  walkTree(block, (n) => {
    if (acts) return false;
    if (n !== block && isFunctionWithBody(n)) return false;
    if (ts.isReturnStatement(n) && n.expression && !isUndefined(n.expression)) signals = true;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) {
      const target = unwrap(n.left);
      // `this.failed = true`, `state.error = e`: state someone else may read and act on.
      if (!ts.isIdentifier(target) || !declaredIn(fn, target.text) || actedOn(fn, target.text, clause)) acts = true;
    }
    // `errors.push(e)`: collected for somebody to act on.
    if (ts.isCallExpression(n) && errorName && n.arguments.some((a) => ts.isIdentifier(unwrap(a)) && (unwrap(a) as ts.Identifier).text === errorName) && isWork(n) && !writes.has(n)) acts = true;
  });
  if (acts) return undefined;
  return { signals };
}

function isUndefined(e: ts.Expression): boolean {
  const x = unwrap(e);
  return (ts.isIdentifier(x) && x.text === 'undefined') || ts.isVoidExpression(x);
}

/** Whether `name` is a variable or parameter declared in `fn` (not a closure's or the module's). */
function declaredIn(fn: ts.FunctionLikeDeclaration, name: string): boolean {
  let found = false;
  walkTree(fn, (n) => {
    if (found) return false;
    if ((ts.isVariableDeclaration(n) || ts.isParameter(n)) && ts.isIdentifier(n.name) && n.name.text === name) found = true;
  });
  return found;
}

/** Whether `name` is read in `fn` outside `clause` other than in a logging call (a flag the function acts on). */
function actedOn(fn: ts.FunctionLikeDeclaration, name: string, clause: ts.CatchClause): boolean {
  let found = false;
  walkTree(fn, (n) => {
    // Read only to be logged (`logger.warn(\`… ${ok ? 'done' : 'failed'}\`)`): nobody acts on it.
    if (found || n === clause || (ts.isCallExpression(n) && isLoggingCall(n))) return false;
    if (ts.isIdentifier(n) && n.text === name && isRead(n)) found = true;
  });
  return found;
}

/** `logger.error(…)`, `console.warn(…)`, `log(…)`. */
function isLoggingCall(call: ts.CallExpression): boolean {
  return !isWork(call) && LOG_CALL.test(unwrap(call.expression).getText());
}

const LOG_CALL = /(^|\.)(log|debug|info|warn|warning|error|trace|fatal)$/i;

/** Whether an identifier is read (not the target of an assignment or its own declaration). */
function isRead(id: ts.Identifier): boolean {
  const p = id.parent;
  if ((ts.isVariableDeclaration(p) || ts.isParameter(p)) && p.name === id) return false;
  if (ts.isBinaryExpression(p) && p.left === id && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) return false;
  if (ts.isPropertyAccessExpression(p) && p.name === id) return false;
  return true;
}

/** Status tests of a failed HTTP response. */
const FAILED_STATUS = (v: string): RegExp => new RegExp(`!\\s*${v}\\.ok\\b|\\b${v}\\.ok\\s*===?\\s*false|\\b${v}\\.status(Code)?\\s*(!==?|>=?|<)\\s*\\d`);

/**
 * `const res = await fetch(…); if (!res.ok) { logger.error(…); }`: the response of an outgoing
 * HTTP call whose failed status is tested and only logged: nothing is thrown, sent or recorded.
 */
function loggedResponses(fn: ts.FunctionLikeDeclaration, body: ts.Node, facts: FileFacts, project: ProjectIndex): SwallowedFailure[] {
  const out: SwallowedFailure[] = [];
  for (const call of callsInFlow(body)) {
    if (out.length >= MAX_PER_FUNCTION) break;
    const effect = classifyCall(call, facts);
    if (!effect || effect.kind !== 'http' || BEST_EFFORT.test(calleeText(call))) continue;
    const holder = valueHolder(call);
    if (!ts.isVariableDeclaration(holder) || !ts.isIdentifier(holder.name)) continue;
    if (workDoneBefore(call, body, facts, project)) continue;
    const test = FAILED_STATUS(holder.name.text);
    walkTree(body, (n) => {
      if (n !== body && isFunctionWithBody(n) && flowOwner(n) !== fn) return false;
      if (!ts.isIfStatement(n) || n.pos < holder.end || !test.test(n.expression.getText())) return;
      const branch = n.thenStatement;
      if (throwsAnywhere(branch) || DELIBERATE.test(branch.getFullText())) return;
      // Only logging (and leaving): a retry, a recovery send or a recorded status is handling.
      if (callsInFlow(branch).some((c) => isWork(c))) return;
      const returnsValue = returnsIn(branch, true);
      const signals = returnsValue || (returnsIn(branch, false) && returnsIn(body, true));
      out.push({ at: n, kind: 'status', work: { ...effect, at: call, via: [] }, hops: [], signals });
      return false;
    });
  }
  return out;
}

/** Whether a node holds a `return` (with a value other than undefined when `withValue`), outside nested functions. */
function returnsIn(node: ts.Node, withValue: boolean): boolean {
  let found = false;
  walkTree(node, (n) => {
    if (found || (n !== node && isFunctionWithBody(n))) return false;
    if (ts.isReturnStatement(n) && (withValue ? !!n.expression && !isUndefined(n.expression) : !n.expression)) found = true;
  });
  return found;
}

/**
 * The project functions a call may run (`calleesOf`: a dispatch table's entries included), loaded.
 */
function targetsOf(call: ts.CallExpression, facts: FileFacts, project: ProjectIndex): CallTarget[] {
  return calleesOf(call, facts, project).map((c) => c.load()).filter((t): t is CallTarget => t !== undefined);
}
