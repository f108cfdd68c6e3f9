import { ts } from 'ts-morph';
import type { ProjectIndex } from '../project/project-index';
import type { FileFacts } from '../file-facts';
import { isAwaited, isDiscarded } from '../flow';
import { unwrap } from '../origins';
import { calleesOf } from '../summaries/callees';
import { calleeName, isModule, receiverOf } from '../syntax';
import { isAsyncFunction, isKnownAsync } from '../work';
import { classifyByName, classifyCall, sideEffectsIn } from './effects';
import { callsInFlow } from './flow';
import type { RawEffect } from './db';
import type { Effect, Hop } from './types';

/**
 * Work that escapes the function waiting for it: a promise (or Observable) of work that nobody
 * waits for, so whoever awaits the caller goes on while the work is still running, or before it
 * has started. Found at the analysed call itself (`useCase.execute(msg)` dropped, or
 * `.subscribe()`d, where `execute` returns a pending value and reaches a database write through
 * the project's own layers), or further down: the caller awaits a function of the project which
 * itself drops its publish (`publishResult` doing `topic.publishMessage(…)` without `await`).
 * Calls are followed through the project summaries (calleesOf: imports, `this.field` through
 * constructor parameters, interfaces to their implementations), bounded in depth.
 */

/** Un-awaited work reached from an analysed call. */
export interface Escape {
  /** The call whose promise (or Observable) nobody waits for. */
  dropped: ts.CallExpression;
  /** The effect that call performs or leads to, with the path (hops) from the analysed call. */
  effect: Effect;
  /** The function that drops the work (undefined when it is the analysed function itself). */
  owner?: ts.FunctionLikeDeclaration;
}

/** How many project functions deep dropped work is looked for below an awaited call. */
const MAX_DEPTH = 3;

/**
 * Publishes that return a promise (or, for Nest's ClientProxy, an Observable) a caller must wait
 * for to know the broker took the message. amqplib `publish` / `sendToQueue` and core NATS
 * `publish` only buffer and return at once: not awaiting them drops nothing.
 */
const PENDING_PUBLISH = ['@google-cloud/pubsub', 'kafkajs', '@confluentinc/kafka-javascript', 'bullmq', 'bull', '@nestjs/microservices', '@aws-sdk', 'aws-sdk'];
/** Effect libraries whose calls finish before they return. */
const SYNC_LIBRARIES = ['better-sqlite3'];

/**
 * `call` (a statement of the handler, dropped or subscribed) starts work it does not wait for: it
 * runs a project function that returns a promise or an Observable and whose body reaches an effect,
 * or, when no project function answers the call, it is a publish through a wrapper by its name.
 * Undefined when `call` is awaited, returned or kept, or when the callee does nothing outside the
 * process. A call already known to be async from its library is not this function's.
 */
export function pendingWorkOf(call: ts.CallExpression, facts: FileFacts, project: ProjectIndex): Escape | undefined {
  if (!isDropped(call) || isSubscribed(call)) return undefined;
  // `useCase.execute(msg).subscribe()`: the subscription starts the work and returns at once.
  const subscribed = subscribedCall(call);
  const started = subscribed ?? call;
  const callees = calleesOf(started, facts, project);
  for (const callee of callees) {
    const target = callee.load();
    if (!target || (!subscribed && !yieldsLater(target.fn))) continue;
    const effect = sideEffectsIn(target.fn, target.facts, project)[0];
    if (effect) return { dropped: started, effect: throughHop(effect, { call: started, fn: target.fn, label: target.label }) };
  }
  // `new OrderShippedPublisher(client).publish(…)` where the publisher's code is in a package:
  // judged by its name, as a publish through a wrapper, whose promise is dropped.
  if (callees.length > 0 || subscribed || classifyCall(started, facts)) return undefined;
  const named = classifyByName(started, facts);
  return named?.kind === 'publish' ? { dropped: started, effect: { ...named, at: started, via: [] } } : undefined;
}

/**
 * Work dropped below `call`: a function `call` runs (and waits for, or runs synchronously)
 * drops a pending effect or a pending call of its own, at most MAX_DEPTH functions down. The
 * first one found, in document order.
 */
export function droppedBelow(call: ts.CallExpression, facts: FileFacts, project: ProjectIndex): Escape | undefined {
  return below(call, facts, project, 0, new Set());
}

function below(call: ts.CallExpression, facts: FileFacts, project: ProjectIndex, depth: number, visiting: Set<ts.Node>): Escape | undefined {
  for (const callee of calleesOf(call, facts, project)) {
    const target = callee.load();
    if (!target || visiting.has(target.fn) || !target.fn.body) continue;
    const fn = target.fn;
    visiting.add(fn);
    const inner = target.facts.memo(`escapes:${fn.pos}:${fn.end}:${depth + 1}`, () => escapeIn(fn, target.facts, project, depth + 1, visiting) ?? null);
    visiting.delete(fn);
    if (inner) return { ...inner, effect: throughHop(inner.effect, { call, fn, label: target.label }) };
  }
  return undefined;
}

/** The first work that `fn` itself drops, or that a function it waits for drops. */
function escapeIn(fn: ts.FunctionLikeDeclaration, facts: FileFacts, project: ProjectIndex, depth: number, visiting: Set<ts.Node>): Escape | undefined {
  for (const call of callsInFlow(fn)) {
    const raw = classifyCall(call, facts);
    if (raw) {
      if (isDropped(call) && isPendingEffect(call, raw, facts, project)) return { dropped: call, effect: { ...raw, at: call, via: [] }, owner: fn };
      continue;
    }
    const pending = pendingWorkOf(call, facts, project);
    if (pending) return { ...pending, owner: fn };
    if (depth >= MAX_DEPTH) continue;
    const deeper = below(call, facts, project, depth, visiting);
    if (deeper) return deeper;
  }
  return undefined;
}

/** Whether nobody waits for a call's value: a statement of its own (or `void`), directly or at the end of a `.then/.catch/.finally` chain. */
export function isDropped(call: ts.CallExpression): boolean {
  if (isAwaited(call) || settlesItsPromise(call)) return false;
  let top: ts.Expression = call;
  for (;;) {
    let n: ts.Node = top;
    while (ts.isParenthesizedExpression(n.parent) || ts.isNonNullExpression(n.parent) || ts.isAsExpression(n.parent)) n = n.parent;
    const access = n.parent;
    if (ts.isPropertyAccessExpression(access) && access.expression === n && ['then', 'catch', 'finally', 'subscribe'].includes(access.name.text) &&
      ts.isCallExpression(access.parent) && access.parent.expression === access) {
      top = access.parent;
      continue;
    }
    break;
  }
  return ts.isCallExpression(top) && isDiscarded(top);
}

/**
 * A callback-style call in a promise executor whose callback settles that promise:
 * `new Promise((resolve, reject) => mailer.sendMail(opts, (err) => (err ? reject(err) : resolve())))`.
 * Whoever waits for the promise waits for the call's outcome.
 */
function settlesItsPromise(call: ts.CallExpression): boolean {
  let fn: ts.Node | undefined = call.parent;
  while (fn && !ts.isFunctionLike(fn)) fn = fn.parent;
  if (!fn || !(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn))) return false;
  const made = fn.parent;
  if (!made || !ts.isNewExpression(made) || made.arguments?.[0] !== fn || !ts.isIdentifier(made.expression) || made.expression.text !== 'Promise') return false;
  const names = fn.parameters.map((p) => (ts.isIdentifier(p.name) ? p.name.text : '')).filter(Boolean);
  if (names.length === 0) return false;
  const settles = new RegExp(`\\b(${names.map((n) => n.replace(/[$]/g, '\\$')).join('|')})\\b`);
  return call.arguments.some((a) => {
    const e = unwrap(a);
    return (ts.isArrowFunction(e) || ts.isFunctionExpression(e) || ts.isIdentifier(e)) && settles.test(e.getText());
  });
}

/** For `x.subscribe(…)` on the value of a call: that call (an Observable started and left running). */
function subscribedCall(call: ts.CallExpression): ts.CallExpression | undefined {
  if (calleeName(call) !== 'subscribe') return undefined;
  const receiver = receiverOf(call);
  let e = receiver;
  while (e && (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e))) e = e.expression;
  return e && ts.isCallExpression(e) ? e : undefined;
}

/** Whether a call's value receives `.subscribe(…)` (the subscribe call stands for it). */
function isSubscribed(call: ts.CallExpression): boolean {
  let n: ts.Node = call;
  while (ts.isParenthesizedExpression(n.parent) || ts.isNonNullExpression(n.parent)) n = n.parent;
  return ts.isPropertyAccessExpression(n.parent) && n.parent.expression === n && n.parent.name.text === 'subscribe';
}

/** Whether a function's value is still pending when it returns: `async`, or declared to return a Promise or an Observable. */
function yieldsLater(fn: ts.FunctionLikeDeclaration): boolean {
  if (isAsyncFunction(fn)) return true;
  const type = fn.type;
  if (!type || !ts.isTypeReferenceNode(type)) return false;
  const name = ts.isIdentifier(type.typeName) ? type.typeName.text : type.typeName.right.text;
  return name === 'Observable' || name === 'PromiseLike';
}

/** Whether an effect call returns before its work has completed, so that dropping it loses the outcome. */
function isPendingEffect(call: ts.CallExpression, raw: RawEffect, facts: FileFacts, project: ProjectIndex): boolean {
  if (raw.kind === 'counter' || raw.kind === 'file' || isModule(raw.library, SYNC_LIBRARIES)) return false;
  if (isKnownAsync(call, facts, project)) return true;
  if (raw.kind === 'publish') return isModule(raw.library, PENDING_PUBLISH) || raw.broker === 'NATS JetStream';
  return true;
}

/** The effect as seen from one call further up. */
function throughHop(effect: Effect, hop: Hop): Effect {
  return { ...effect, at: hop.call, via: [hop.call, ...effect.via], hops: [hop, ...(effect.hops ?? [])] };
}
