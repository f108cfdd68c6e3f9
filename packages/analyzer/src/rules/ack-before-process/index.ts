import { ts } from 'ts-morph';
import { RELATIVE_IMPORT_TEXT } from '../../engine/prefilter';
import { createRule, type RuleContext } from '../../engine/rule';
import type { OptionValues } from '../../engine/rule-options';
import { answersFailure, consumersOf, isRequestReply, kafkaAutoCommit, optionSetting, returnsNegativeSettle, settleCallsOf } from '../../facts/consumers';
import { isClaimRelease, isDropped } from '../../facts/effects';
import type { FileFacts } from '../../facts/file-facts';
import { canReach, catchRethrows, definitelyExits, enclosingFinally, failureRaisedAfter, isAwaited, mayExitEarly, runsIn, siblingsOf } from '../../facts/flow';
import type { ConsumerHandler, SettleCall } from '../../facts/model';
import { unwrap } from '../../facts/origins';
import { defersWork, isKnownAsync, workCallsIn, writesOnlyProgress } from '../../facts/work';
import type { Fix } from '../../types';
import { moveStatementAfter } from '../../fix/edits';
import { awaitFix, noAckSuggestion } from './fixes';
import { describe, snippet, workLabel, type Describe } from './describe';
import { messages } from './messages';
import { checkEscapedWork } from './not-awaited';
import { checkSwallowedInCallees } from './swallowed-in-callee';
import { booleanValue, calleeName, callsWithin, contains, enclosingCatch, enclosingFunction, mentions, parameterNames, propertyValue, rootIdentifier, startsFrom, statementOf } from '../../facts/syntax';
import { bufferFeedsWork } from '../../facts/buffers';
import { enqueuesInProcess } from '../../facts/in-process-queues';
import { chainCallbackOf, chainMethodOf, chainTop, earlierLinks, handlerRethrows, receiverOfLink, rejectionHandlerOf, type ChainCallback } from '../../facts/promise-chains';
import { walkTree } from '../../facts/tree-walk';
import { inThrowingCatch } from '../../facts/summaries/swallows';

/**
 * ack-before-process: the message is settled (acked, deleted, committed) before the work it
 * stands for has completed, so a crash or a failure of that work loses the message.
 *
 * Shapes: settle first; `noAck: true`; settle in `finally`; a `catch` that swallows the failure
 * and settles (or, where the library settles when the handler resolves, returns normally); work
 * that is not awaited by an auto-settling handler or before a manual settle; kafkajs `eachBatch`
 * leaving early while `eachBatchAutoResolve` resolves the whole batch.
 */

/** Text every consumer registration (or the subscribe wrapper it goes through) holds. */
const REGISTRATION_TEXT = /consume|eachMessage|eachBatch|eceiveMessage|SqsMessageHandler|sqs-consumer|aws-lambda|\.Records\b|pubsub|nats|EventPattern|MessagePattern|Rabbit(Subscribe|RPC)|cloudEvent|bull/;
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
  // A consumer registration always names one of these (the handler itself may live elsewhere),
  // in the file or, for a handler given to the project's own subscribe wrapper, in a file it imports.
  triggers: new RegExp(`${REGISTRATION_TEXT.source}|${RELATIVE_IMPORT_TEXT.source}`),
  admits: { reaches: REGISTRATION_TEXT },
  create(context) {
    return {
      end() {
        for (const consumer of consumersOf(context.facts, context.project)) {
          // Temporal activities are never acknowledged by hand; their retries are missing-dedup's concern.
          if (consumer.broker === 'temporal') continue;
          checkConsumer(consumer, context, context.options);
        }
      },
    };
  },
});

function checkConsumer(consumer: ConsumerHandler, context: RuleContext, options: Options): void {
  const d = describe(consumer);
  if (consumer.through?.swallows) {
    checkSwallowedByWrapper(consumer, context, options, d);
    return;
  }
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
  // A request–reply handler whose catch throws or answers with the error: the caller hears of
  // the failure and retries, so settling the failed request loses nothing.
  const requestReply = isRequestReply(consumer);
  const callerHears = (clause: ts.CatchClause | undefined): boolean => requestReply && !!clause && answersFailure(clause, consumer);

  for (const settle of positive) {
    const call = settle.call;
    // A settle in a `.then/.catch/.finally` callback: the chain decides when it runs.
    const chained = chainCallbackOf(call);
    if (chained && runsIn(chained.link, scope)) {
      if (checkChainSettle(settle, chained, works, settles, context, d, requestReply)) reported.add(call);
      continue;
    }
    const inFinally = enclosingFinally(call);
    if (inFinally && runsIn(inFinally, scope) && works.some((w) => inFinally.tryBlock.pos <= w.pos && w.end <= inFinally.tryBlock.end)) {
      if (callerHears(inFinally.catchClause)) continue;
      // `if (!failed) ack(msg)` with `failed` set in the try or catch: the code tracks the failure.
      if (guardedByOutcome(call, inFinally)) continue;
      const tried = works.filter((w) => inFinally.tryBlock.pos <= w.pos && w.end <= inFinally.tryBlock.end);
      const clause = inFinally.catchClause;
      const recovery = clause ? works.filter((w) => contains(clause.block, w)) : [];
      if (recovery.length > 0) {
        context.report({
          node: call, messageId: 'finallyAfterRecovery', data: { ...d, settle: snippet(call), recovery: workLabel(recovery[0]) },
          related: [...relatedWork(tried), { node: recovery[0], message: `recovery that can fail: ${workLabel(recovery[0])}` }],
        });
      } else {
        context.report({ node: call, messageId: 'settleInFinally', data: { ...d, settle: snippet(call) }, related: relatedWork(tried) });
      }
      reported.add(call);
      continue;
    }
    const inCatch = enclosingCatch(call);
    if (inCatch && runsIn(inCatch, scope)) {
      const tryStmt = inCatch.parent as ts.TryStatement;
      const tried = works.filter((w) => tryStmt.tryBlock.pos <= w.pos && w.end <= tryStmt.tryBlock.end);
      const handled = works.some((w) => inCatch.block.pos <= w.pos && w.end <= inCatch.block.end && w.getStart() < call.getStart());
      if (tried.length > 0 && !handled && !callerHears(inCatch)) {
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

  checkSwallowingCatches(consumer, scope, works, positive, settles, context, d, reported, callerHears);
  if (!requestReply) checkSwallowingChains(consumer, scope, works, positive, settles, context, d, reported);
  checkSwallowedInCallees(consumer, scope, settles, positive, context, d);
  checkNotAwaited(consumer, scope, works, positive, context, handlerFacts, d);
  checkEscapedWork(consumer, works, positive, context, handlerFacts, d);
  if (consumer.broker === 'kafka' && consumer.kind === 'batch' && consumer.settlement === 'on-resolve' && consumer.handler?.body) {
    checkBatchPartial(consumer, context, d);
  }
}

/**
 * Whether a settle in a `finally` block only runs on the right outcome: it sits under an `if`
 * (inside the `finally`) whose condition reads a variable the `try` block or the `catch` assigns.
 */
function guardedByOutcome(call: ts.Node, tryStmt: ts.TryStatement): boolean {
  const assigned = new Set<string>();
  const collect = (n: ts.Node): void => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(n.left)) assigned.add(n.left.text);
  };
  walkTree(tryStmt.tryBlock, collect);
  if (tryStmt.catchClause) walkTree(tryStmt.catchClause.block, collect);
  if (assigned.size === 0) return false;
  for (let n = call.parent; n && n !== tryStmt.finallyBlock; n = n.parent) {
    if ((ts.isIfStatement(n) || ts.isConditionalExpression(n)) && mentions(ts.isIfStatement(n) ? n.expression : n.condition, assigned, false)) return true;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken && mentions(n.left, assigned, false)) return true;
  }
  return false;
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
/**
 * A handler registered through the project's subscribe wrapper, which calls it inside a `catch`
 * that swallows: whatever the handler does, the wrapper returns normally and the message is
 * settled (the wrapper's own `catch` is reported where it is; this names each handler it loses).
 */
function checkSwallowedByWrapper(consumer: ConsumerHandler, context: RuleContext, options: Options, d: Describe): void {
  const through = consumer.through;
  const body = consumer.handler?.body;
  if (!through?.invocation || !body) return;
  const works = workCallsIn(body, { loggingIsWork: options.logOnlyIsWork });
  if (works.length === 0) return;
  const clause = enclosingCatch(through.invocation) ?? catchAround(through.invocation);
  const sf = through.invocation.getSourceFile();
  const where = `${sf.fileName.split(/[\\/]/).pop()}:${sf.getLineAndCharacterOfPosition(through.invocation.getStart(sf)).line + 1}`;
  const settles = consumer.settlement === 'manual' || consumer.settlement === 'on-resolve' ? d.autoSettle : 'the message is settled';
  context.report({
    node: consumer.registration,
    messageId: 'swallowedByWrapper',
    data: { ...d, wrapper: functionName(through.wrapper), where, settles, work: snippet(works[0]) },
    related: [
      ...(clause ? [{ node: clause, message: 'the catch that swallows the handler\'s failure' }] : []),
      ...works.slice(0, RELATED_LIMIT).map((w) => ({ node: w, message: 'work whose failure is lost' })),
    ],
  });
}

/** The `catch` of the `try` whose block holds `node`. */
function catchAround(node: ts.Node): ts.CatchClause | undefined {
  for (let n: ts.Node = node; n.parent; n = n.parent) {
    if (ts.isTryStatement(n.parent) && n.parent.tryBlock === n) return n.parent.catchClause;
  }
  return undefined;
}

/** How a wrapper is named in a message: its declared or assigned name. */
function functionName(fn: ts.FunctionLikeDeclaration): string {
  if (fn.name && ts.isIdentifier(fn.name)) return fn.name.text;
  const p = fn.parent;
  if (p && ts.isVariableDeclaration(p) && ts.isIdentifier(p.name)) return p.name.text;
  if (p && ts.isPropertyAssignment(p)) return p.name.getText();
  return 'the wrapper';
}

function checkNoAck(consumer: ConsumerHandler, context: RuleContext, options: Options, d: Describe): void {
  if (consumer.broker !== 'rabbitmq' || consumer.source === REPLY_TO || !ts.isCallExpression(consumer.registration)) return;
  // The setting may sit in a spread, an `Object.assign(…)` or a constant of the file: report where it is written.
  const setting = optionSetting(consumer.registration.arguments[2], 'noAck', context.facts);
  if (!setting || booleanValue(setting.value, true) !== true) return;
  const prop = setting.property;
  const body = consumer.handler?.body;
  // A handler that only logs loses nothing but a log line, unless the options say logging is the work.
  if (body && workCallsIn(body, { loggingIsWork: options.logOnlyIsWork }).length === 0) return;
  context.report({ node: prop, messageId: 'noAck', data: { ...d }, suggestions: setting.inline ? noAckSuggestion(consumer, prop) : undefined });
}

/** `catch` in `work().catch(…)`: where a finding about a link points (the chain may start lines above). */
function linkName(link: ts.CallExpression): ts.Node {
  const callee = unwrap(link.expression);
  return ts.isPropertyAccessExpression(callee) ? callee.name : link;
}

/** Work of the chain before `link`: what its callbacks wait for (the chain's own links left out when something else is there). */
function chainWork(link: ts.CallExpression, works: ts.CallExpression[]): ts.CallExpression[] {
  const receiver = receiverOfLink(link);
  const tried = works.filter((w) => contains(receiver, w));
  const plain = tried.filter((w) => !chainMethodOf(w));
  return plain.length > 0 ? plain : tried;
}

/** Whether a rejection handler swallows: it neither rethrows, nor settles, nor does work of its own (a recovery). */
function swallows(handler: ts.Expression, settles: SettleCall[]): boolean {
  if (handlerRethrows(handler)) return false;
  const fn = unwrap(handler);
  if (settles.some((s) => contains(fn, s.call))) return false;
  if (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) return workCallsIn(fn.body, { exclude: new Set(settles.map((s) => s.call)) }).length === 0;
  // `.catch(logger.error)`, `.catch(console.error)`: a logger given by name.
  return /log|console|error|warn|debug/i.test(fn.getText());
}

/**
 * A positive settle in a chain callback: in `.finally(…)` it runs after a failure too; in a
 * rejection handler it settles a failed message; in `.then(…)` after a `.catch(…)` that swallows,
 * it runs after a failure as well. Returns whether it reported.
 */
function checkChainSettle(
  settle: SettleCall, chained: ChainCallback, works: ts.CallExpression[], settles: SettleCall[],
  context: RuleContext, d: Describe, requestReply: boolean,
): boolean {
  const call = settle.call;
  const tried = chainWork(chained.link, works);
  if (tried.length === 0) return false;
  if (chained.role === 'always') {
    context.report({ node: call, messageId: 'chainFinally', data: { ...d, settle: snippet(call) }, related: relatedWork(tried) });
    return true;
  }
  if (chained.role === 'rejected') {
    if (requestReply) return false;
    const handled = workCallsIn(chained.callback.body, { exclude: new Set(settles.map((s) => s.call)) }).some((w) => w.getStart() < call.getStart());
    if (handled) return false;
    context.report({ node: call, messageId: 'settleInCatch', data: { ...d, settle: snippet(call), negativeFix: `Instead, ${d.negative}.` }, related: relatedWork(tried) });
    return true;
  }
  const swallowing = earlierLinks(chained.link).find((l) => {
    const handler = rejectionHandlerOf(l);
    return handler !== undefined && chainWork(l, works).length > 0 && swallows(handler, settles);
  });
  if (!swallowing) return false;
  context.report({ node: linkName(swallowing), messageId: 'chainCatchThenSettle', data: { ...d, settle: snippet(call) }, related: relatedWork(chainWork(swallowing, works)) });
  return true;
}

/**
 * `await work(msg).catch(log)` and then a settle, or (where the library settles when the handler
 * resolves) an awaited or returned chain whose `.catch(…)` swallows: the failure turns into
 * success and the message is settled.
 */
function checkSwallowingChains(
  consumer: ConsumerHandler, scope: ts.Node, works: ts.CallExpression[], positive: SettleCall[], settles: SettleCall[],
  context: RuleContext, d: Describe, reported: Set<ts.Node>,
): void {
  const autoSettles = consumer.settlement === 'on-resolve' && ['kafkajs', '@confluentinc/kafka-javascript', 'bullmq'].includes(consumer.library);
  for (const link of callsWithin(scope, { intoNestedFunctions: false })) {
    const handler = rejectionHandlerOf(link);
    if (!handler || !runsIn(link, scope)) continue;
    const tried = chainWork(link, works);
    if (tried.length === 0 || !swallows(handler, settles)) continue;
    const top = chainTop(link);
    // A settle later in the same chain is checkChainSettle's.
    if (top !== link && settles.some((s) => contains(top, s.call) && s.call.getStart() > link.getEnd())) continue;
    if (!isAwaited(top)) continue;
    if (consumer.settlement === 'manual') {
      const next = positive.find((s) => !reported.has(s.call) && !contains(top, s.call) && canReach(top, s.call));
      if (next) context.report({ node: linkName(link), messageId: 'chainCatchThenSettle', data: { ...d, settle: snippet(next.call) }, related: relatedWork(tried) });
    } else if (autoSettles) {
      // The handler fails anyway: the chain is in a `catch` that throws (`catch (e) { await mark(e).catch(() => null); throw e; }`).
      if (inThrowingCatch(top)) continue;
      // Only the job's own progress (`status: 'PROCESSING'`, `completedAt`) is dropped, next to
      // real work that is not: the work's outcome still decides whether the library retries.
      if (tried.every(writesOnlyProgress) && works.some((w) => !tried.includes(w) && !writesOnlyProgress(w) && !contains(top, w))) continue;
      context.report({
        node: linkName(link), messageId: 'swallowOnResolve',
        data: { ...d, swallowFix: `Rethrow the error (after sending the ${d.unit} to a dead-letter destination if you want to keep it out of the retry loop).` },
        related: relatedWork(tried),
      });
    }
  }
}

/**
 * A `catch` that swallows the failure of work in its `try`: on auto-settling handlers the library
 * then settles (kafkajs commits, sqs-consumer deletes, BullMQ completes); on manually settled ones
 * execution runs on into a settle call after the try statement.
 */
function checkSwallowingCatches(
  consumer: ConsumerHandler, scope: ts.Node, works: ts.CallExpression[], positive: SettleCall[], settles: SettleCall[],
  context: RuleContext, d: Describe, reported: Set<ts.Node>, callerHears: (clause: ts.CatchClause) => boolean,
): void {
  if (consumer.library === '@nestjs/microservices' && consumer.broker === 'kafka') return; // Nest commits on failure anyway; see the rule doc.
  const visit = (n: ts.Node): boolean | void => {
    if (ts.isTryStatement(n) && n.catchClause && runsIn(n, scope)) {
      const clause = n.catchClause;
      const tried = works.filter((w) => n.tryBlock.pos <= w.pos && w.end <= n.tryBlock.end);
      const handledInCatch = works.some((w) => clause.block.pos <= w.pos && w.end <= clause.block.end) ||
        settles.some((s) => clause.block.pos <= s.call.pos && s.call.end <= clause.block.end);
      if (tried.length > 0 && !handledInCatch && !catchRethrows(clause) && !callerHears(clause)) {
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
  // A per-message scope (the body of `for (const record of event.Records)`) inside a `try` of the
  // handler: a swallowing catch there ends the whole handler normally, and the library settles.
  const body = consumer.handler?.body;
  if (consumer.settlement !== 'on-resolve' || !consumer.scope || !body) return;
  for (let n = scope.parent; n && n !== body && contains(body, n); n = n.parent) {
    if (!ts.isTryStatement(n) || !n.catchClause || !contains(n.tryBlock, scope) || !runsIn(n, body)) continue;
    const clause = n.catchClause;
    const tried = works.filter((w) => contains(n.tryBlock, w));
    if (tried.length === 0 || catchRethrows(clause) || callerHears(clause) || works.some((w) => contains(clause.block, w))) continue;
    if (!swallowSettles(consumer, clause, scope)) continue;
    const swallowFix = consumer.library === 'aws-lambda'
      ? 'Rethrow the error, or report the record in `batchItemFailures` (with ReportBatchItemFailures on the event source mapping) so that only it returns to the queue.'
      : `Rethrow the error (after sending the ${d.unit} to a dead-letter destination if you want to keep it out of the retry loop).`;
    context.report({ node: clause, messageId: 'swallowOnResolve', data: { ...d, swallowFix }, related: relatedWork(tried) });
  }
}

/**
 * Whether returning normally from this catch settles the message: always for kafkajs and
 * BullMQ; for sqs-consumer only with `alwaysAcknowledge: true` or when the failure path still
 * returns the message (since v7 a handler that resolves with nothing leaves the message queued).
 */
function swallowSettles(consumer: ConsumerHandler, clause: ts.CatchClause, scope: ts.Node): boolean {
  // `return new Nack(false)` (golevelup): the catch settles the message negatively itself.
  if (returnsNegativeSettle(consumer, clause.block)) return false;
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
    if (enqueuesInProcess(work, facts) && !isAwaited(work)) {
      const settle = positive.find((s) => canReach(work, s.call));
      const first = settle ? `\`${snippet(settle.call)}\` runs before it` : consumer.settlement === 'on-resolve' ? d.autoSettle : undefined;
      if (first) context.report({ node: work, messageId: 'inProcessQueue', data: { ...d, work: workLabel(work), first } });
      continue;
    }
    if (defersWork(work)) {
      const settle = positive.find((s) => canReach(work, s.call));
      const first = settle ? `\`${snippet(settle.call)}\` runs before it` : consumer.settlement === 'on-resolve' ? d.autoSettle : undefined;
      if (first) context.report({ node: work, messageId: 'deferred', data: { ...d, work: workLabel(work), first } });
      continue;
    }
    // A promise kept in a variable or handed on may be waited for elsewhere; a client object
    // (`const file = storage.bucket(b).file(n)`) is no promise at all. Only a dropped one is lost.
    if (!isDropped(work) || !isKnownAsync(work, facts, project) || isInnerOfChain(work)) continue;
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
  // Items only counted or logged later lose nothing anybody would have processed.
  if (ts.isPropertyAccessExpression(target) && target.expression.kind === ts.SyntaxKind.ThisKeyword) return bufferFeedsWork(target, call);
  if (!ts.isIdentifier(target)) return false;
  const fn = consumer.handler ?? enclosingFunction(scope);
  return !!fn && !declaresName(fn, target.text) && bufferFeedsWork(target, call);
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

