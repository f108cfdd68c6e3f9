import { ts } from 'ts-morph';
import { blockThrows } from './flow';
import { isFunctionWithBody } from './syntax';
import { unwrap } from './origins';

/**
 * Promise chains as control flow: `work(msg).catch(log).then(() => ack(msg))` runs the `.then`
 * callback after a failure too, because `.catch` turned the rejection into a fulfilment;
 * `.finally(cb)` runs `cb` either way; `.then(ok, failed)` and `.catch(failed)` run `failed` only
 * on a rejection. Rules use this to read settle calls placed in chain callbacks the way they read
 * them in `try` / `catch` / `finally` blocks.
 */

export type ChainMethod = 'then' | 'catch' | 'finally';

/** Which callback of a link runs `node`: on fulfilment, on rejection, or always (`finally`). */
export type ChainRole = 'fulfilled' | 'rejected' | 'always';

export interface ChainCallback {
  /** The `.then/.catch/.finally(…)` call whose callback holds the node. */
  link: ts.CallExpression;
  role: ChainRole;
  callback: ts.ArrowFunction | ts.FunctionExpression;
}

/** `x.then(…)` / `x.catch(…)` / `x.finally(…)`: the method, or undefined for other calls. */
export function chainMethodOf(call: ts.CallExpression): ChainMethod | undefined {
  const callee = unwrap(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const name = callee.name.text;
  return name === 'then' || name === 'catch' || name === 'finally' ? name : undefined;
}

/** The chain link whose callback (an inline function) directly holds `node`, if any. */
export function chainCallbackOf(node: ts.Node): ChainCallback | undefined {
  let fn: ts.Node | undefined = node.parent;
  while (fn && !isFunctionWithBody(fn)) fn = fn.parent;
  if (!fn || !(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn))) return undefined;
  let arg: ts.Node = fn;
  while (ts.isParenthesizedExpression(arg.parent)) arg = arg.parent;
  const link = arg.parent;
  if (!ts.isCallExpression(link) || !link.arguments.includes(arg as ts.Expression)) return undefined;
  const method = chainMethodOf(link);
  if (!method) return undefined;
  const index = link.arguments.indexOf(arg as ts.Expression);
  const role: ChainRole = method === 'finally' ? 'always' : method === 'catch' || index === 1 ? 'rejected' : 'fulfilled';
  return { link, role, callback: fn };
}

/** The expression a link is called on: `a().catch(h)` for the `.then` of `a().catch(h).then(cb)`. */
export function receiverOfLink(link: ts.CallExpression): ts.Expression {
  return (unwrap(link.expression) as ts.PropertyAccessExpression).expression;
}

/** The links before `link` in its chain, nearest first. */
export function earlierLinks(link: ts.CallExpression): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  let e = unwrap(receiverOfLink(link));
  while (ts.isCallExpression(e) && chainMethodOf(e)) {
    out.push(e);
    e = unwrap(receiverOfLink(e));
  }
  return out;
}

/** The outermost link of the chain `call` belongs to (the call itself when nothing is chained on it). */
export function chainTop(call: ts.CallExpression): ts.CallExpression {
  let top = call;
  for (;;) {
    let n: ts.Node = top;
    while (ts.isParenthesizedExpression(n.parent)) n = n.parent;
    const access = n.parent;
    if (!ts.isPropertyAccessExpression(access) || access.expression !== n || !ts.isCallExpression(access.parent) || access.parent.expression !== access) return top;
    if (!chainMethodOf(access.parent)) return top;
    top = access.parent;
  }
}

/**
 * The rejection handler of a link, when it has one: the argument of `.catch(h)`, the second
 * argument of `.then(ok, h)`.
 */
export function rejectionHandlerOf(link: ts.CallExpression): ts.Expression | undefined {
  const method = chainMethodOf(link);
  if (method === 'catch') return link.arguments[0];
  if (method === 'then') return link.arguments[1];
  return undefined;
}

/**
 * Whether a rejection handler passes the failure on: it throws on every path, or returns
 * `Promise.reject(…)`. A handler given by name (`.catch(logger.error)`) swallows, as loggers do.
 */
export function handlerRethrows(handler: ts.Expression): boolean {
  const fn = unwrap(handler);
  if (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn)) return false;
  if (ts.isBlock(fn.body)) return blockThrows(fn.body);
  const body = unwrap(fn.body);
  return ts.isCallExpression(body) && ts.isPropertyAccessExpression(body.expression) && ts.isIdentifier(body.expression.expression) &&
    body.expression.expression.text === 'Promise' && body.expression.name.text === 'reject';
}
