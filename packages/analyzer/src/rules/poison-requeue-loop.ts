import { ts } from 'ts-morph';
import { createRule, type RuleContext } from '../engine/rule';
import { brokersImported } from '../facts/broker-libraries';
import type { FileFacts } from '../facts/file-facts';
import { kafkaRuns } from '../facts/kafka-runs';
import { unwrap } from '../facts/origins';
import type { Fix } from '../types';
import { calleeName, enclosingFunction, isPromiseFailureCallback, receiverOf } from '../facts/syntax';
import { replace, replaceArguments } from '../fix/edits';
import { walkTree } from '../facts/tree-walk';

/**
 * Anything that counts or bounds deliveries. A handler that mentions one of these has an attempt
 * limit of some kind; the rule then stays quiet rather than second-guess it.
 */
const ATTEMPT_LIMIT = /deliveryLimit|deliveryCount|delivery_count|redeliveryCount|redelivered|numDelivered|deliveryAttempt|maxDeliveryAttempts|max_deliver|maxDeliver|attempt|retryCount|retries|retriesLeft|MAX_RETR/i;
/** Header names that carry a delivery count. */
const COUNT_HEADER = /^x-(death|delivery-count|delivery-limit|retry|retries|attempts?)$/i;

/** Whether code in `scope` reads an attempt counter (identifiers and header names, not log text). */
function readsAttemptCount(scope: ts.Node): boolean {
  let found = false;
  walkTree(scope, (n): boolean | void => {
    if (found) return false;
    if ((ts.isIdentifier(n) && ATTEMPT_LIMIT.test(n.text)) || (ts.isStringLiteralLike(n) && COUNT_HEADER.test(n.text))) {
      found = true;
      return false;
    }
  }, false);
  return found;
}

/** Whether a catch block classifies failures (any branch), so it does not requeue on every failure. */
function classifies(block: ts.Node): boolean {
  let found = false;
  walkTree(block, (n): boolean | void => {
    if (found || ts.isFunctionLike(n)) return false;
    if (ts.isIfStatement(n) || ts.isSwitchStatement(n) || ts.isConditionalExpression(n)) {
      found = true;
      return false;
    }
  }, false);
  return found;
}
/** Dead-letter / parking destinations a Kafka handler may publish a failed message to. */
const DEAD_LETTER_TOPIC = /dlq|dead|parking|quarantine|poison|\.error|-error|_error|retry/i;
/** A RabbitMQ dead-letter exchange declared in the file. */
const RABBIT_DLX = /deadLetterExchange|x-dead-letter-exchange/;

type LoopKind = 'amqp-nack' | 'amqp-reject' | 'golevelup-nack' | 'nats-nak' | 'pubsub-nack' | 'kafka-rethrow' | 'amqp-dlx-cycle';

/** Whether `node` runs on every failure: in a catch block or a promise failure callback, not under a condition there. */
function onEveryFailure(node: ts.Node): boolean {
  for (let n = node.parent; n; n = n.parent) {
    if (ts.isIfStatement(n) || ts.isConditionalExpression(n) || ts.isSwitchStatement(n) ||
      (ts.isBinaryExpression(n) && (n.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken || n.operatorToken.kind === ts.SyntaxKind.BarBarToken))) {
      return false;
    }
    if (ts.isCatchClause(n)) return !classifies(n.block);
    if (ts.isFunctionLike(n)) {
      if (isPromiseFailureCallback(n)) return !classifies(n);
      // `setTimeout(() => channel.nack(msg), delay)` inside a catch is still that catch's requeue.
      const call = n.parent;
      if (call && ts.isCallExpression(call) && calleeName(call) === 'setTimeout') continue;
      return false;
    }
  }
  return false;
}

/** The outermost function around `node` within this file's top level (the consumer callback, usually). */
function handlerScope(node: ts.Node): ts.Node {
  let scope: ts.Node = enclosingFunction(node) ?? node.getSourceFile();
  // Climb through nested callbacks (`setTimeout`, `.catch`) to the function that owns the message.
  for (let f = enclosingFunction(scope); f; f = enclosingFunction(f)) {
    if (ts.isSourceFile(f.parent)) break;
    scope = f;
    if (ts.isMethodDeclaration(f) || ts.isFunctionDeclaration(f)) break;
  }
  return scope;
}

/** A literal boolean, or undefined for anything else. */
function booleanLiteral(expr: ts.Expression | undefined): boolean | undefined {
  if (!expr) return undefined;
  const e = unwrap(expr);
  if (e.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (e.kind === ts.SyntaxKind.FalseKeyword) return false;
  return undefined;
}

function isAmqpChannel(facts: FileFacts, receiver: ts.Expression): boolean {
  const origin = facts.originOf(receiver);
  if (origin && /^(amqplib(\/.*)?|amqp-connection-manager)$/.test(origin.module)) return true;
  if (origin && origin.module === '@nestjs/microservices') return origin.chain.includes('getChannelRef()');
  if (/getChannelRef\(\)$/.test(receiver.getText())) return true;
  // Channels built elsewhere (a shared connection module): trust the name in a file that uses
  // RabbitMQ, or where the same object also consumes / acks / declares queues.
  const text = receiver.getText();
  if (!/(^|\.)(channel|ch|chan|amqpChannel|rabbitChannel|channelWrapper)$/i.test(text)) return false;
  if (brokersImported(facts).includes('rabbitmq')) return true;
  return facts.calls.some((c) => /^(consume|ack|assertQueue|prefetch)$/.test(calleeName(c) ?? '') && receiverOf(c)?.getText() === text);
}

interface Loop {
  kind: LoopKind;
  node: ts.Node;
  call?: ts.CallExpression;
  /** For a dead-letter retry cycle: the queue consumed and the TTL queue that sends messages back. */
  cycle?: RetryCycle;
}

/** A RabbitMQ retry queue whose TTL dead-letters messages back into a consumed queue. */
interface RetryCycle {
  queue: string;
  retryQueue: string;
  ttl?: string;
}

/** Literal options of `assertQueue(name, { ... })`, flattening `arguments: { 'x-…': … }`. */
function queueOptions(call: ts.CallExpression): Map<string, ts.Expression> {
  const out = new Map<string, ts.Expression>();
  const opts = call.arguments[1] && unwrap(call.arguments[1]);
  if (!opts || !ts.isObjectLiteralExpression(opts)) return out;
  const read = (obj: ts.ObjectLiteralExpression): void => {
    for (const p of obj.properties) {
      if (!ts.isPropertyAssignment(p)) continue;
      const name = p.name.getText().replace(/^['"]|['"]$/g, '');
      const v = unwrap(p.initializer);
      if (name === 'arguments' && ts.isObjectLiteralExpression(v)) read(v);
      else out.set(name, v);
    }
  };
  read(opts);
  return out;
}

function literal(expr: ts.Expression | undefined): string | undefined {
  return expr && ts.isStringLiteralLike(expr) ? expr.text : expr && ts.isNumericLiteral(expr) ? expr.text : undefined;
}

/**
 * Retry cycles declared in the file: queue R with a message TTL whose dead-letter routing key is a
 * queue Q this file consumes, while Q dead-letters into the retry path. Nacking into it never ends.
 */
function retryCycles(facts: FileFacts): RetryCycle[] {
  const declared = new Map<string, Map<string, ts.Expression>>();
  for (const call of facts.calls) {
    if (calleeName(call) !== 'assertQueue') continue;
    const name = literal(call.arguments[0] && unwrap(call.arguments[0]));
    if (name) declared.set(name, queueOptions(call));
  }
  const out: RetryCycle[] = [];
  for (const [retryQueue, opts] of declared) {
    const ttl = opts.get('messageTtl') ?? opts.get('x-message-ttl');
    const backTo = literal(opts.get('deadLetterRoutingKey') ?? opts.get('x-dead-letter-routing-key'));
    if (!ttl || !backTo || backTo === retryQueue) continue;
    const main = declared.get(backTo);
    if (!main || !(main.has('deadLetterExchange') || main.has('x-dead-letter-exchange'))) continue;
    out.push({ queue: backTo, retryQueue, ttl: literal(ttl) });
  }
  return out;
}

/** The literal queue name of the `channel.consume(queue, cb)` whose callback contains `node`. */
function consumedQueue(node: ts.Node): string | undefined {
  for (let n = node.parent; n; n = n.parent) {
    if (ts.isCallExpression(n) && calleeName(n) === 'consume') return literal(n.arguments[0] && unwrap(n.arguments[0]));
  }
  return undefined;
}

/** Calls and throws that send a failed message back for another delivery. */
function requeueSites(context: RuleContext): Loop[] {
  const { facts, project } = context;
  const brokers = brokersImported(facts);
  const out: Loop[] = [];
  const cycles = retryCycles(facts);
  // A dead-lettering nack is a loop only when the dead-letter path leads back to the same queue.
  const pushCycle = (call: ts.CallExpression): void => {
    const queue = cycles.length > 0 ? consumedQueue(call) : undefined;
    const cycle = queue ? cycles.find((c) => c.queue === queue) : undefined;
    if (cycle) out.push({ kind: 'amqp-dlx-cycle', node: call, call, cycle });
  };
  for (const call of facts.calls) {
    const name = calleeName(call);
    const receiver = receiverOf(call);
    if (!receiver) continue;
    if (name === 'nack' && call.arguments.length >= 1 && isAmqpChannel(facts, receiver)) {
      // nack(message, allUpTo = false, requeue = true)
      const requeue = booleanLiteral(call.arguments[2]) ?? (call.arguments.length < 3 ? true : undefined);
      if (requeue) out.push({ kind: 'amqp-nack', node: call, call });
      else if (requeue === false) pushCycle(call);
    } else if (name === 'reject' && call.arguments.length >= 1 && isAmqpChannel(facts, receiver)) {
      // reject(message, requeue = true)
      const requeue = booleanLiteral(call.arguments[1]) ?? (call.arguments.length < 2 ? true : undefined);
      if (requeue) out.push({ kind: 'amqp-reject', node: call, call });
      else if (requeue === false) pushCycle(call);
    } else if (name === 'nak' && brokers.includes('nats')) {
      out.push({ kind: 'nats-nak', node: call, call });
    } else if (name === 'nack' && call.arguments.length === 0 && brokers.includes('pubsub')) {
      out.push({ kind: 'pubsub-nack', node: call, call });
    }
  }
  // @golevelup/nestjs-rabbitmq: `return new Nack(true)` requeues.
  for (const n of facts.news) {
    const origin = facts.originOf(n.expression);
    if (origin?.module === '@golevelup/nestjs-rabbitmq' && origin.chain[0] === 'Nack' && booleanLiteral(n.arguments?.[0]) === true) {
      out.push({ kind: 'golevelup-nack', node: n });
    }
  }
  for (const run of kafkaRuns(facts, project)) {
    const handler = run.handler;
    if (!handler?.body || handler.getSourceFile() !== facts.sourceFile) continue;
    walkTree(handler.body, (n): boolean | void => {
      if (ts.isFunctionLike(n)) return false;
      if (ts.isThrowStatement(n) && onlyLogsAndRethrows(n)) out.push({ kind: 'kafka-rethrow', node: n });
    }, false);
  }
  return out;
}

/**
 * Whether a `throw` sits in a catch block that only logs and rethrows: a catch that exists to get
 * the message redelivered. A catch that also cleans up (aborts a transaction, rolls back) rethrows
 * for atomicity, and is left to the author.
 */
function onlyLogsAndRethrows(thrown: ts.ThrowStatement): boolean {
  const block = thrown.parent;
  if (!ts.isBlock(block) || !ts.isCatchClause(block.parent)) return false;
  return block.statements.every((st) => st === thrown || (ts.isExpressionStatement(st) && isLogging(st.expression)));
}

function isLogging(expr: ts.Expression): boolean {
  const e = unwrap(expr);
  if (!ts.isCallExpression(e)) return false;
  const receiver = receiverOf(e);
  return receiver !== undefined && /(^|\.)(console|logger|log|_logger|this\.logger)$/i.test(receiver.getText());
}

/** Whether the consumer bounds the loop: an attempt check, a delivery limit, term(), or a dead-letter publish. */
function bounded(facts: FileFacts, loop: Loop, scope: ts.Node): boolean {
  if (readsAttemptCount(scope)) return true;
  const text = facts.sourceFile.text;
  switch (loop.kind) {
    case 'amqp-nack':
    case 'amqp-reject':
    case 'golevelup-nack':
      // A quorum queue's delivery limit ends the loop (then dead-letters or drops).
      return /x-delivery-limit|deliveryLimit/.test(text);
    case 'amqp-dlx-cycle':
      // Only a count of the cycles (x-death) ends it; a delivery limit does not see dead-lettering.
      return false;
    case 'nats-nak':
      return /max_deliver|maxDeliver/.test(text) || /\.term\(/.test(scope.getText());
    case 'pubsub-nack':
      return /deadLetterPolicy|maxDeliveryAttempts/.test(text);
    case 'kafka-rethrow': {
      // A handler that parks failures on a dead-letter topic rethrows only what it chose to retry.
      let parks = false;
      walkTree(scope, (n): boolean | void => {
        if (parks) return false;
        if (ts.isCallExpression(n) && /^(send|sendBatch|produce)$/.test(calleeName(n) ?? '') && DEAD_LETTER_TOPIC.test(n.getText())) parks = true;
      }, false);
      return parks;
    }
  }
}

function argumentFix(call: ts.CallExpression, args: string, description: string): Fix {
  return { description, safety: 'unsafe', edits: [replaceArguments(call, args)] };
}

function suggestionsFor(loop: Loop): Fix[] | undefined {
  const call = loop.call;
  if (!call) return undefined;
  const msg = call.arguments[0]?.getText();
  switch (loop.kind) {
    case 'amqp-nack':
      return msg ? [argumentFix(call, `${msg}, false, false`, 'Dead-letter the message instead of requeueing it (needs a dead-letter exchange on the queue, or RabbitMQ drops it)')] : undefined;
    case 'amqp-reject':
      return msg ? [argumentFix(call, `${msg}, false`, 'Reject without requeue so the queue dead-letters it (needs a dead-letter exchange, or RabbitMQ drops it)')] : undefined;
    case 'nats-nak': {
      const receiver = receiverOf(call);
      if (!receiver) return undefined;
      const m = receiver.getText();
      return [{
        description: 'Terminate the message after 5 redeliveries instead of nak-ing it forever',
        safety: 'unsafe',
        edits: [replace(call, `(${m}.info.redeliveryCount >= 5 ? ${m}.term() : ${call.getText()})`)],
      }];
    }
    default:
      return undefined;
  }
}

export const poisonRequeueLoop = createRule({
  meta: {
    id: 'poison-requeue-loop',
    description: 'Requeueing (nack/nak/rethrow) every failed message without an attempt limit, dead-letter route or term() redelivers a poison message forever.',
    defaultSeverity: 'warning',
    fixable: 'none',
    requiresTypes: false,
    brokers: ['rabbitmq', 'nats', 'pubsub', 'kafka'],
    consequence: 'poison-loop',
  },
  messages: {
    rabbit:
      'RabbitMQ (amqplib): `{{call}}` puts every failed message back on the queue ({{requeueWhy}}) and nothing counts the attempts, so a message that always fails is redelivered at once, forever, burning the consumer and holding its prefetch slots (poison loop).{{dlx}} Fix: after N attempts (the `x-delivery-count` header of a quorum queue, or `x-death` when retrying through a dead-letter exchange) `nack(msg, false, false)` into a dead-letter exchange, or set `x-delivery-limit` on a quorum queue.',
    dlxCycle:
      'RabbitMQ (amqplib): `{{call}}` dead-letters every failed message to `{{retryQueue}}`, whose message TTL{{ttl}} routes it straight back to `{{queue}}`, and nothing counts the rounds, so a message that always fails cycles between the two queues forever (poison loop). Fix: read the `x-death` header (its `count` for `{{queue}}`) and past N attempts publish the message to a parking queue and ack it instead of nacking.',
    golevelup:
      'RabbitMQ (@golevelup/nestjs-rabbitmq): `new Nack(true)` requeues every failed message and nothing counts the attempts, so a message that always fails is redelivered at once, forever (poison loop). Fix: return `new Nack(false)` into a dead-letter exchange after N attempts (`x-delivery-count` on a quorum queue, or `x-death`), or set `x-delivery-limit` on a quorum queue.',
    nats:
      'NATS JetStream: `{{call}}` asks for redelivery on every failure and nothing bounds it — `max_deliver` defaults to -1 (unlimited) and no code checks `info.redeliveryCount` — so a message that always fails is redelivered forever (poison loop). Fix: `term()` the message after N deliveries (`msg.info.redeliveryCount`), or set `max_deliver` (with a `backoff`) on the consumer.',
    pubsub:
      'Pub/Sub: `{{call}}` on every failure makes Pub/Sub redeliver the message (at once, or per the subscription retry policy) until it expires — 7 days by default — since no dead-letter policy or `deliveryAttempt` check is visible: a message that always fails loops for days (poison loop). Fix: give the subscription a dead-letter topic with `maxDeliveryAttempts` (then `message.deliveryAttempt` counts) and an exponential-backoff retry policy.',
    kafka:
      'Kafka (kafkajs): rethrowing from `{{handler}}` on every failure makes kafkajs retry the same offset (the consumer `retry` settings, then a restart), with no attempt limit and no dead-letter topic, so a message that always fails is re-processed forever and blocks every message behind it in its partition (poison loop). Fix: count attempts and after N publish the message to a dead-letter topic and return normally so the offset moves on.',
  },
  triggers: /\bnack\(|\bnak\(|\breject\(|new Nack\(|eachMessage|eachBatch/,
  create(context) {
    return {
      end() {
        const { facts } = context;
        const dlx = RABBIT_DLX.test(facts.sourceFile.text);
        for (const loop of requeueSites(context)) {
          if (!onEveryFailure(loop.node)) continue;
          const scope = handlerScope(loop.node);
          if (bounded(facts, loop, scope)) continue;
          const callText = loop.call ? loop.call.getText().replace(/\s+/g, ' ') : '';
          switch (loop.kind) {
            case 'amqp-nack':
            case 'amqp-reject':
              context.report({
                node: loop.node,
                messageId: 'rabbit',
                data: {
                  call: callText,
                  requeueWhy: loop.call && loop.call.arguments.length < (loop.kind === 'amqp-nack' ? 3 : 2) ? '`requeue` defaults to true in amqplib' : 'requeue = true',
                  dlx: dlx ? ' The dead-letter exchange declared here does not help: it only receives messages rejected with `requeue=false` (or past a quorum queue\'s delivery limit).' : '',
                },
                suggestions: suggestionsFor(loop),
              });
              break;
            case 'golevelup-nack':
              context.report({ node: loop.node, messageId: 'golevelup' });
              break;
            case 'amqp-dlx-cycle':
              context.report({
                node: loop.node,
                messageId: 'dlxCycle',
                data: { call: callText, retryQueue: loop.cycle!.retryQueue, queue: loop.cycle!.queue, ttl: loop.cycle!.ttl ? ` (${loop.cycle!.ttl} ms)` : '' },
              });
              break;
            case 'nats-nak':
              context.report({ node: loop.node, messageId: 'nats', data: { call: callText }, suggestions: suggestionsFor(loop) });
              break;
            case 'pubsub-nack':
              context.report({ node: loop.node, messageId: 'pubsub', data: { call: callText } });
              break;
            case 'kafka-rethrow': {
              const run = kafkaRuns(facts, context.project).find((r) => r.handler && r.handler.pos <= loop.node.pos && loop.node.end <= r.handler.end);
              context.report({ node: loop.node, messageId: 'kafka', data: { handler: run?.kind ?? 'eachMessage' } });
              break;
            }
          }
        }
      },
    };
  },
});
