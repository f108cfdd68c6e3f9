import { ts } from 'ts-morph';
import { catchRethrows } from '../flow';
import type { ConsumerHandler } from '../model';
import { unwrap } from '../origins';
import { findInTree } from '../tree-walk';
import { isFunctionWithBody, localInitializer } from '../syntax';

/**
 * Request–reply consumers: someone waits for the answer. NestJS `@MessagePattern` handlers (Nest
 * sends what the handler returns, or the error it throws, to the request's `replyTo` queue with
 * its `correlationId`; it does not ack the request itself when `noAck` is false),
 * `@golevelup/nestjs-rabbitmq` `@RabbitRPC` handlers (what they return goes to `replyTo`), and amqplib
 * handlers that answer on `msg.properties.replyTo`. When such a handler settles a failed request
 * and then throws or answers with the error, the caller learns of the failure and can retry:
 * nothing is lost silently, unlike an event whose failure nobody hears about.
 */

/** Whether the consumer answers its requests. */
export function isRequestReply(consumer: ConsumerHandler): boolean {
  const registration = consumer.registration;
  if (ts.isDecorator(registration)) {
    const e = unwrap(registration.expression);
    return ts.isCallExpression(e) && ts.isIdentifier(e.expression) && (e.expression.text === 'MessagePattern' || e.expression.text === 'RabbitRPC');
  }
  const body = consumer.handler?.body;
  return consumer.broker === 'rabbitmq' && !!body && findReply(body) !== undefined;
}

/**
 * Whether a `catch` block of a request–reply handler tells the caller about the failure: it
 * rethrows, returns an answer (Nest sends it as the reply), or sends a reply to `replyTo` itself.
 */
export function answersFailure(clause: ts.CatchClause, consumer: ConsumerHandler): boolean {
  if (catchRethrows(clause)) return true;
  if (ts.isDecorator(consumer.registration) && returnsValue(clause.block)) return true;
  return findReply(clause.block) !== undefined;
}

/** A call in `node` (not in nested functions) whose arguments name a `replyTo`: `sendToQueue(msg.properties.replyTo, …)`. */
function findReply(node: ts.Node, seen: Set<ts.Node> = new Set()): ts.CallExpression | undefined {
  return findInTree(node, (n) => ts.isCallExpression(n) && (n.arguments.some(namesReplyTo) || callsLocalReplier(n, seen)), (n) => n === node || !isFunctionWithBody(n)) as ts.CallExpression | undefined;
}

/** `reply({ error })` where `const reply = (body) => ch.sendToQueue(msg.properties.replyTo, …)` is declared in the handler. */
function callsLocalReplier(call: ts.CallExpression, seen: Set<ts.Node>): boolean {
  const callee = unwrap(call.expression);
  if (!ts.isIdentifier(callee)) return false;
  const init = localInitializer(callee);
  const fn = init && unwrap(init);
  if (!fn || !(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) || seen.has(fn)) return false;
  seen.add(fn);
  return findReply(fn.body, seen) !== undefined;
}

function namesReplyTo(arg: ts.Expression): boolean {
  const e = unwrap(arg);
  if (ts.isPropertyAccessExpression(e)) return e.name.text === 'replyTo';
  return ts.isIdentifier(e) && e.text === 'replyTo';
}

/** Whether a block returns a value on some path (not in nested functions). */
function returnsValue(block: ts.Block): boolean {
  return findInTree(block, (n) => ts.isReturnStatement(n) && n.expression !== undefined, (n) => !isFunctionWithBody(n)) !== undefined;
}
