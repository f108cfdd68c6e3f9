import { ts } from 'ts-morph';
import { createRule, type RuleContext } from '../../engine/rule';
import type { OptionValues } from '../../engine/rule-options';
import { consumersOf, kafkaAutoCommit, settleCallsOf } from '../../facts/consumers';
import { isClaimRelease } from '../../facts/effects';
import type { FileFacts } from '../../facts/file-facts';
import { canReach, catchRethrows, definitelyExits, enclosingFinally, failureRaisedAfter, isAwaited, mayExitEarly, runsIn, siblingsOf } from '../../facts/flow';
import type { ConsumerHandler, SettleCall } from '../../facts/model';
import { unwrap } from '../../facts/origins';
import { defersWork, isKnownAsync, workCallsIn } from '../../facts/work';
import type { Fix } from '../../types';
import { moveStatementAfter } from '../../fix/edits';
import { awaitFix, noAckSuggestion } from './fixes';
import { messages } from './messages';
import { booleanValue, calleeName, callsWithin, contains, enclosingCatch, enclosingFunction, mentions, parameterNames, property, propertyValue, rootIdentifier, startsFrom, statementOf } from '../../facts/syntax';
import { walkTree } from '../../facts/tree-walk';

/**
 * ack-before-process: the message is settled (acked, deleted, committed) before the work it
 * stands for has completed, so a crash or a failure of that work loses the message.
 *
 * Shapes: settle first; `noAck: true`; settle in `finally`; a `catch` that swallows the failure
 * and settles (or, where the library settles when the handler resolves, returns normally); work
 * that is not awaited by an auto-settling handler or before a manual settle; kafkajs `eachBatch`
 * leaving early while `eachBatchAutoResolve` resolves the whole batch.
 */

const POSITIVE: ReadonlySet<SettleCall['kind']> = new Set(['ack', 'delete', 'commit', 'resolve-offset']);
const REPLY_TO = 'amq.rabbitmq.reply-to';
/** How many work locations a finding lists as related. */
const RELATED_LIMIT = 3;

/** The options the rule takes (checked against configuration; see docs/rules/ack-before-process.md). */
const OPTIONS = {
  logOnlyIsWork: { type: 'boolean', default: false, description: 'Treat logging as work, so a consumer that only logs is held to the same standard.' },
} as const;

type Options = OptionValues<typeof OPTIONS>;

export const ackBeforeProcess = createRule({
  meta: {
    id: 'ack-before-process',
    description: 'A message is acknowledged, deleted or committed before the work it stands for has completed, so a crash or failure loses it.',
    defaultSeverity: 'error',
    fixable: 'safe',
    requiresTypes: false,
    brokers: ['rabbitmq', 'kafka', 'sqs', 'pubsub', 'nats', 'bullmq'],
    consequence: 'message-lost',
  },
  messages,
  options: OPTIONS,
  // A consumer registration always names one of these (the handler itself may live elsewhere).
  triggers: /consume|eachMessage|eachBatch|eceiveMessage|sqs-consumer|aws-lambda|pubsub|nats|EventPattern|MessagePattern|bullmq/,
  create(context) {
    return {
      end() {
        for (const consumer of consumersOf(context.facts, context.project)) {
          checkConsumer(consumer, context, context.options);
        }
      },
    };
  },
});

/** Words that describe a consumer in messages. */
interface Describe {
  broker: string;
  library: string;
  /** What state a settled message is in, after "the message is already …". */
  gone: string;
  /** The negative settle to use instead. */
  negative: string;
  /** What the library does when the handler resolves. */
  autoSettle: string;
  /** 'message', or 'job' for job queues. */
  unit: string;
}

function describe(c: ConsumerHandler): Describe {
  const lib = c.library;
  switch (c.broker) {
    case 'rabbitmq':
      return {
        broker: `RabbitMQ (${lib})`, library: lib,
        gone: 'acknowledged and RabbitMQ has deleted it',
        negative: '`nack(msg, false, false)` it to a dead-letter exchange (or requeue with a retry limit)',
        autoSettle: 'the message is acknowledged',
        unit: 'message',
      };
    case 'kafka':
      return {
        broker: `Kafka (${lib})`, library: lib,
        gone: 'committed past, so the consumer group will not read it again',
        negative: 'throw (or do not resolve its offset)',
        autoSettle: `${lib === '@nestjs/microservices' ? 'Nest' : lib} commits the offset past this message`,
        unit: 'message',
      };
    case 'sqs':
      return {
        broker: `SQS (${lib === 'aws-sdk' ? 'aws-sdk v2' : lib === 'aws-lambda' ? 'Lambda event source' : lib})`, library: lib,
        gone: 'deleted from the queue',
        negative: 'leave it undeleted so it reappears after the visibility timeout (a redrive policy moves it to a dead-letter queue after maxReceiveCount)',
        autoSettle: lib === 'sqs-consumer' ? 'sqs-consumer deletes the message from the queue'
          : lib === 'aws-lambda' ? 'Lambda deletes the whole batch, this message included, from the queue' : 'the message is deleted',
        unit: 'message',
      };
    case 'pubsub':
      return {
        broker: 'Pub/Sub (@google-cloud/pubsub)', library: lib,
        gone: 'acknowledged and Pub/Sub will not redeliver it',
        negative: '`message.nack()` it (with a dead-letter topic on the subscription to stop a poison loop)',
        autoSettle: 'the message is acknowledged',
        unit: 'message',
      };
    case 'nats':
      return {
        broker: `NATS JetStream (${lib})`, library: lib,
        gone: 'acknowledged and JetStream will not redeliver it',
        negative: '`m.nak()` it (or `m.term()` when it can never succeed)',
        autoSettle: 'the message is acknowledged',
        unit: 'message',
      };
    default:
      return {
        broker: 'BullMQ', library: lib,
        gone: 'completed',
        negative: 'throw so the job is retried',
        autoSettle: 'BullMQ marks the job completed and never retries it',
        unit: 'job',
      };
  }
}

/** One-line, shortened source text for messages. */
function snippet(node: ts.Node, max = 60): string {
  const text = node.getText().replace(/\s+/g, ' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `saveOrder(…)` for a work call. */
function workLabel(call: ts.CallExpression): string {
  const callee = snippet(call.expression, 50);
  return `${callee}(${call.arguments.length > 0 ? '…' : ''})`;
}

function checkConsumer(consumer: ConsumerHandler, context: RuleContext, options: Options): void {
  const d = describe(consumer);
  if (consumer.settlement === 'on-receive') {
    checkNoAck(consumer, context, options, d);
    return;
  }
  const scope = consumer.scope ?? consumer.handler?.body;
  if (!scope) return;
  const settles = settleCallsOf(consumer, context.facts);
  const exclude = new Set(settles.map((s) => s.call));
  // A polling loop's scope also holds the receive call and what precedes it: not this message's work.
  const registration = consumer.registration;
  const works = workCallsIn(scope, { exclude, loggingIsWork: options.logOnlyIsWork })
    .filter((w) => !(scope.pos <= registration.pos && registration.end <= scope.end) || w.getStart() >= registration.getEnd());
  const handlerFacts = context.project.factsOf(scope.getSourceFile().fileName) ?? context.facts;
  const reported = new Set<ts.Node>();
  const positive = settles.filter((s) => isPositive(s, consumer, context.facts));

  for (const settle of positive) {
    const call = settle.call;
    const inFinally = enclosingFinally(call);
    if (inFinally && runsIn(inFinally, scope) && works.some((w) => inFinally.tryBlock.pos <= w.pos && w.end <= inFinally.tryBlock.end)) {
      context.report({
        node: call, messageId: 'settleInFinally', data: { ...d, settle: snippet(call) },
        related: relatedWork(works.filter((w) => inFinally.tryBlock.pos <= w.pos && w.end <= inFinally.tryBlock.end)),
      });
      reported.add(call);
      continue;
    }
    const inCatch = enclosingCatch(call);
    if (inCatch && runsIn(inCatch, scope)) {
      const tryStmt = inCatch.parent as ts.TryStatement;
      const tried = works.filter((w) => tryStmt.tryBlock.pos <= w.pos && w.end <= tryStmt.tryBlock.end);
      const handled = works.some((w) => inCatch.block.pos <= w.pos && w.end <= inCatch.block.end && w.getStart() < call.getStart());
      if (tried.length > 0 && !handled) {
        context.report({
          node: call, messageId: 'settleInCatch',
          data: { ...d, settle: snippet(call), negativeFix: `instead, ${d.negative}.` },
          related: relatedWork(tried),
        });
        reported.add(call);
      }
      continue;
    }
    const after = works.filter((w) => canReach(call, w) && confirmedBy(call, w, scope) && !isClaimRelease(w, scope, handlerFacts, context.project));
    if (after.length === 0) continue;
    const fix = moveSettleFix(settle, after, context, handlerFacts);
    context.report({
      node: call, messageId: 'settleFirst',
      data: { ...d, settle: snippet(call), work: workLabel(after[0]), fix: fix ? '`eos audit --fix` moves it below the work' : 'move it below the last awaited step of the work, on every path' },
      fix,
      related: relatedWork(after),
    });
    reported.add(call);
  }

  checkSwallowingCatches(consumer, scope, works, positive, settles, context, d, reported);
  checkNotAwaited(consumer, scope, works, positive, context, handlerFacts, d);
  if (consumer.broker === 'kafka' && consumer.kind === 'batch' && consumer.settlement === 'on-resolve' && consumer.handler?.body) {
    checkBatchPartial(consumer, context, d);
  }
}

/**
 * Whether work `w`, which runs after settle call `s`, is work the settle confirms: not failure
 * handling in the `catch` / `finally` of a `try` holding the settle (a rollback, releasing a
 * claim), and, for a settle inside a loop over several messages, work of the same iteration
 * (what follows the loop belongs to the batch, not to this message).
 */
function confirmedBy(s: ts.Node, w: ts.Node, scope: ts.Node): boolean {
  for (let n = s.parent; n && n !== scope; n = n.parent) {
    if (ts.isTryStatement(n) && contains(n.tryBlock, s)) {
      if (n.catchClause && contains(n.catchClause, w)) return false;
      if (n.finallyBlock && contains(n.finallyBlock, w)) return false;
    }
    if (ts.isIterationStatement(n, false) && n !== scope && !contains(n, w)) return false;
  }
  return true;
}

/**
 * Whether a settle call gives the message up. kafkajs `resolveOffset` only marks an offset for
 * the next commit, so with `autoCommit: false` it gives up nothing until an explicit commit.
 */
function isPositive(settle: SettleCall, consumer: ConsumerHandler, facts: FileFacts): boolean {
  if (!POSITIVE.has(settle.kind)) return false;
  if (settle.kind === 'resolve-offset' && consumer.broker === 'kafka' && kafkaAutoCommit(consumer, facts) === false) return false;
  return true;
}

function relatedWork(works: ts.CallExpression[]): Array<{ node: ts.Node; message: string }> {
  return works.slice(0, RELATED_LIMIT).map((w) => ({ node: w, message: `work that must complete first: ${workLabel(w)}` }));
}

/** `noAck: true` on a RabbitMQ consumer that does work (the direct reply-to pseudo-queue requires it). */
function checkNoAck(consumer: ConsumerHandler, context: RuleContext, options: Options, d: Describe): void {
  if (consumer.broker !== 'rabbitmq' || !consumer.options || consumer.source === REPLY_TO) return;
  const prop = property(consumer.options, 'noAck');
  if (!prop || booleanValue(propertyValue(consumer.options, 'noAck'), true) !== true) return;
  const body = consumer.handler?.body;
  // A handler that only logs loses nothing but a log line, unless the options say logging is the work.
  if (body && workCallsIn(body, { loggingIsWork: options.logOnlyIsWork }).length === 0) return;
  context.report({ node: prop, messageId: 'noAck', data: { ...d }, suggestions: noAckSuggestion(consumer, prop) });
}

/**
 * A `catch` that swallows the failure of work in its `try`: on auto-settling handlers the library
 * then settles (kafkajs commits, sqs-consumer deletes, BullMQ completes); on manually settled ones
 * execution runs on into a settle call after the try statement.
 */
function checkSwallowingCatches(
  consumer: ConsumerHandler, scope: ts.Node, works: ts.CallExpression[], positive: SettleCall[], settles: SettleCall[],
  context: RuleContext, d: Describe, reported: Set<ts.Node>,
): void {
  if (consumer.library === '@nestjs/microservices' && consumer.broker === 'kafka') return; // Nest commits on failure anyway; see the rule doc.
  const visit = (n: ts.Node): boolean | void => {
    if (ts.isTryStatement(n) && n.catchClause && runsIn(n, scope)) {
      const clause = n.catchClause;
      const tried = works.filter((w) => n.tryBlock.pos <= w.pos && w.end <= n.tryBlock.end);
      const handledInCatch = works.some((w) => clause.block.pos <= w.pos && w.end <= clause.block.end) ||
        settles.some((s) => clause.block.pos <= s.call.pos && s.call.end <= clause.block.end);
      if (tried.length > 0 && !handledInCatch && !catchRethrows(clause)) {
        if (consumer.settlement === 'manual') {
          const next = definitelyExits(clause.block) ? undefined : positive.find((s) => !reported.has(s.call) && canReach(n, s.call));
          if (next) {
            context.report({ node: clause, messageId: 'catchThenSettle', data: { ...d, settle: snippet(next.call) }, related: relatedWork(tried) });
          }
        } else if (swallowSettles(consumer, clause, scope) && !failureRaisedAfter(n, tried[tried.length - 1].getEnd(), scope)) {
          const swallowFix = consumer.library === 'aws-lambda'
            ? 'rethrow the error, or report the record in `batchItemFailures` (with ReportBatchItemFailures on the event source mapping) so that only it returns to the queue.'
            : `rethrow the error (after sending the ${d.unit} to a dead-letter destination if you want to keep it out of the retry loop).`;
          context.report({ node: clause, messageId: 'swallowOnResolve', data: { ...d, swallowFix }, related: relatedWork(tried) });
        }
      }
    }
  };
  walkTree(scope, visit);
}

/**
 * Whether returning normally from this catch settles the message: always for kafkajs and
 * BullMQ; for sqs-consumer only with `alwaysAcknowledge: true` or when the failure path still
 * returns the message (since v7 a handler that resolves with nothing leaves the message queued).
 */
function swallowSettles(consumer: ConsumerHandler, clause: ts.CatchClause, scope: ts.Node): boolean {
  // Lambda with ReportBatchItemFailures: a catch that reports the record keeps it on the queue.
  if (consumer.library === 'aws-lambda') return !mentions(clause.block, new Set(['batchItemFailures', 'itemIdentifier']), false) && !mentionsKey(clause.block, 'itemIdentifier');
  if (consumer.library !== 'sqs-consumer') return true;
  if (consumer.options && booleanValue(propertyValue(consumer.options, 'alwaysAcknowledge')) === true) return true;
  const names = new Set(consumer.messageNames);
  let returnsMessage = false;
  const visit = (n: ts.Node): boolean | void => {
    if (returnsMessage) return false;
    if (ts.isReturnStatement(n) && n.expression && runsIn(n, scope) && startsFrom(n.expression, names) &&
      (clause.block.pos <= n.pos && n.end <= clause.block.end || canReach(clause.block, n))) returnsMessage = true;
  };
  walkTree(scope, visit);
  return returnsMessage && !definitelyExitsWithoutMessage(clause);
}

/** Whether an object literal inside `node` has a property named `key`. */
function mentionsKey(node: ts.Node, key: string): boolean {
  let found = false;
  const visit = (n: ts.Node): boolean | void => {
    if (found) return false;
    if ((ts.isPropertyAssignment(n) || ts.isShorthandPropertyAssignment(n)) && ts.isIdentifier(n.name) && n.name.text === key) found = true;
  };
  walkTree(node, visit);
  return found;
}

/** A catch block that returns something other than the message (or nothing) never reaches a later `return msg`. */
function definitelyExitsWithoutMessage(clause: ts.CatchClause): boolean {
  const last = clause.block.statements[clause.block.statements.length - 1];
  return !!last && ts.isReturnStatement(last) && (!last.expression || rootIdentifier(last.expression) === undefined);
}

/** Work whose promise nobody waits for, in a handler that settles on resolve or before a manual settle. */
function checkNotAwaited(
  consumer: ConsumerHandler, scope: ts.Node, works: ts.CallExpression[], positive: SettleCall[],
  context: RuleContext, facts: FileFacts, d: Describe,
): void {
  const project = context.project;
  if (consumer.settlement === 'on-resolve') {
    for (const call of callsWithin(scope, { intoNestedFunctions: false })) {
      if (!runsIn(call, scope) || !isInMemoryHandoff(call, consumer, scope)) continue;
      const buffer = (unwrap(call.expression) as ts.PropertyAccessExpression).expression;
      context.report({ node: call, messageId: 'inMemoryHandoff', data: { ...d, buffer: snippet(buffer, 40) } });
    }
  }
  for (const work of works) {
    if (defersWork(work)) {
      const settle = positive.find((s) => canReach(work, s.call));
      const first = settle ? `\`${snippet(settle.call)}\` runs before it` : consumer.settlement === 'on-resolve' ? d.autoSettle : undefined;
      if (first) context.report({ node: work, messageId: 'deferred', data: { ...d, work: workLabel(work), first } });
      continue;
    }
    if (isAwaited(work) || !isKnownAsync(work, facts, project) || isInnerOfChain(work)) continue;
    if (consumer.settlement === 'on-resolve') {
      context.report({ node: work, messageId: 'notAwaited', data: { ...d, work: workLabel(work) }, ...awaitFix(work) });
      continue;
    }
    const settle = positive.find((s) => canReach(work, s.call));
    if (settle) {
      context.report({
        node: work, messageId: 'notAwaitedBeforeSettle', data: { ...d, work: workLabel(work), settle: snippet(settle.call) },
        ...awaitFix(work),
      });
    }
  }
}

/**
 * `buffer.push(message)` into an array or queue that outlives the handler (declared outside it,
 * or a field): the shape of "collect now, process later" consumers.
 */
function isInMemoryHandoff(call: ts.CallExpression, consumer: ConsumerHandler, scope: ts.Node): boolean {
  if (!['push', 'unshift', 'enqueue'].includes(calleeName(call) ?? '')) return false;
  const callee = unwrap(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return false;
  const target = unwrap(callee.expression);
  const names = new Set(consumer.messageNames);
  if (!call.arguments.some((a) => mentions(a, names, false))) return false;
  if (ts.isPropertyAccessExpression(target) && target.expression.kind === ts.SyntaxKind.ThisKeyword) return true;
  if (!ts.isIdentifier(target)) return false;
  const fn = consumer.handler ?? enclosingFunction(scope);
  return !!fn && !declaresName(fn, target.text);
}

/** Whether `fn` declares `name` (parameter or variable) anywhere inside. */
function declaresName(fn: ts.FunctionLikeDeclaration, name: string): boolean {
  let found = false;
  const visit = (n: ts.Node): boolean | void => {
    if (found) return false;
    if ((ts.isVariableDeclaration(n) || ts.isParameter(n) || ts.isBindingElement(n)) && ts.isIdentifier(n.name) && n.name.text === name) found = true;
  };
  walkTree(fn, visit);
  return found;
}

/** `a().then(…)`: report the outer call only. */
function isInnerOfChain(call: ts.CallExpression): boolean {
  const p = call.parent;
  return ts.isPropertyAccessExpression(p) && p.expression === call && ['then', 'catch', 'finally'].includes(p.name.text);
}

/**
 * Moves a settle statement (`channel.ack(msg);`, `await client.send(new DeleteMessageCommand(…));`)
 * from before the work to just after the last statement of the same block that holds work. Safe
 * only when: the settle is a statement of its own on its own line with no comments; every work
 * it preceded sits in the statements it moves over; none of those statements can leave the block
 * early (a `return` would skip the moved settle); work known to be async is awaited; and the
 * last work statement is not itself a `return` / `throw`.
 */
function moveSettleFix(settle: SettleCall, after: ts.CallExpression[], context: RuleContext, facts: FileFacts): Fix | undefined {
  const stmt = statementOf(settle.call);
  if (!stmt || !ts.isExpressionStatement(stmt)) return undefined;
  const expr = unwrap(stmt.expression);
  if (expr !== settle.call) return undefined;
  const list = siblingsOf(stmt);
  if (!list) return undefined;
  const from = list.indexOf(stmt);
  let to = from;
  for (const w of after) {
    const i = list.findIndex((s) => s.pos <= w.pos && w.end <= s.end);
    if (i <= from) return undefined;
    to = Math.max(to, i);
  }
  const moved = list.slice(from + 1, to + 1);
  if (moved.some((s) => mayExitEarly(s) || assignsAny(s, identifiersIn(settle.call)))) return undefined;
  if (after.some((w) => !isAwaited(w) && isKnownAsync(w, facts, context.project))) return undefined;
  const target = list[to];
  if (ts.isReturnStatement(target) || ts.isThrowStatement(target)) return undefined;
  const move = moveStatementAfter(stmt, target);
  if (!move) return undefined;
  const withComment = move.withComments ? ' with the comment above it (check that it still holds)' : '';
  return { description: `Move ${snippet(settle.call)}${withComment} after the work`, safety: 'safe', edits: move.edits };
}

/** Identifier names a node reads (property names excluded). */
function identifiersIn(node: ts.Node): Set<string> {
  const out = new Set<string>();
  const visit = (n: ts.Node): boolean | void => {
    if (ts.isIdentifier(n) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) out.add(n.text);
  };
  walkTree(node, visit);
  return out;
}

/** Whether a statement assigns (or redeclares) one of `names`: moving a settle past it would change what it settles. */
function assignsAny(stmt: ts.Node, names: ReadonlySet<string>): boolean {
  let found = false;
  const visit = (n: ts.Node): boolean | void => {
    if (found) return false;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) {
      const root = rootIdentifier(n.left);
      if (root && names.has(root.text)) found = true;
    }
    if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && ts.isIdentifier(n.operand) && names.has(n.operand.text)) found = true;
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && names.has(n.name.text)) found = true;
  };
  walkTree(stmt, visit);
  return found;
}

function checkBatchPartial(consumer: ConsumerHandler, context: RuleContext, d: Describe): void {
  const handler = consumer.handler!;
  const batchNames = new Set(handler.parameters[0] && ts.isIdentifier(handler.parameters[0].name)
    ? [handler.parameters[0].name.text] : parameterNames(handler, 0, ['batch']));
  const visit = (n: ts.Node): boolean | void => {
    if (ts.isForOfStatement(n) && startsFrom(n.expression, batchNames) && runsIn(n, handler.body!)) {
      const jump = firstEarlyExit(n.statement);
      if (jump) context.report({ node: jump, messageId: 'batchPartial', data: { ...d, jump: ts.isBreakStatement(jump) ? 'break' : 'return' } });
    }
  };
  walkTree(handler.body!, visit);
}

/** A `break` of this loop or a `return` inside its body that is followed by more messages. */
function firstEarlyExit(body: ts.Statement): ts.BreakStatement | ts.ReturnStatement | undefined {
  let found: ts.BreakStatement | ts.ReturnStatement | undefined;
  const visit = (n: ts.Node): boolean | void => {
    // Jumps inside nested loops, switches and functions stay there.
    if (found || (n !== body && (ts.isFunctionLike(n) || ts.isIterationStatement(n, false) || ts.isSwitchStatement(n)))) return false;
    if ((ts.isBreakStatement(n) && !n.label) || ts.isReturnStatement(n)) {
      found = n;
      return false;
    }
  };
  walkTree(body, visit);
  return found;
}

