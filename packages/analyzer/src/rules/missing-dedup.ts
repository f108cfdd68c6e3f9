import { ts } from 'ts-morph';
import { RELATIVE_IMPORT_TEXT } from '../engine/prefilter';
import { createRule, type RuleContext } from '../engine/rule';
import { BROKER_LABEL } from '../facts/broker-libraries';
import { consumersOf, optionSetting, settleCallsOf } from '../facts/consumers';
import { batchEntries, dedupGuardsIn, sideEffectsIn, type Effect, commandOf, familyOf, moduleOf, staticText } from '../facts/effects';
import { factsOfNode } from '../facts/project/lookup';
import type { FileFacts } from '../facts/file-facts';
import type { ConsumerHandler, SettleCall } from '../facts/model';
import { unwrap } from '../facts/origins';
import { canReach } from '../facts/flow';
import { pathOf } from '../facts/summaries/path';
import { booleanValue, calleeText, excerpt, objectLiteralOf, propertyValue } from '../facts/syntax';

/**
 * Effects that a redelivery repeats. Publishes are left out on purpose: forwarding a duplicate is
 * at-least-once delivery downstream, which the downstream consumer's own dedup handles.
 */
const REPEATED = new Set<Effect['kind']>(['db-write', 'counter', 'http', 'email', 'sms', 'payment', 'file']);
/** Names of the user's own wrappers that run a handler at most once per message. */
const GUARD_WRAPPER = /^(processOnce|withIdempotency\w*|idempotent\w*|withInbox|inbox\w*|dedup\w*|deduplicate\w*|withDedup\w*|runOnce|exactlyOnce|handleOnce|consumeOnce)$/i;

function effectWords(e: Effect): string {
  switch (e.kind) {
    case 'db-write':
      return 'the row is written again';
    case 'counter':
      return 'the counter is incremented again';
    case 'http':
      return 'the remote API is called again';
    case 'email':
      return 'the e-mail is sent again';
    case 'sms':
      return 'the SMS is sent again';
    case 'payment':
      return 'the customer is charged again';
    default:
      return 'the effect happens again';
  }
}

/** Whether the handler is passed through a dedup wrapper at registration: `eachMessage: withIdempotency(handle)`. */
function wrappedByGuard(consumer: ConsumerHandler): boolean {
  const handler = consumer.handler;
  if (!handler) return false;
  for (let n: ts.Node | undefined = handler.parent; n && n !== consumer.registration.parent; n = n.parent) {
    if (ts.isCallExpression(n)) {
      const callee = unwrap(n.expression);
      const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : '';
      if (GUARD_WRAPPER.test(name) || /inbox|dedup|idempot/i.test(callee.getText())) return true;
    }
  }
  // A handler registered by reference: `channel.consume(q, withIdempotency(handle))` resolved to `handle`.
  const reg = consumer.registration;
  if (ts.isCallExpression(reg)) {
    return reg.arguments.some((a) => {
      const e = unwrap(a);
      if (!ts.isCallExpression(e)) return false;
      const callee = unwrap(e.expression);
      const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : '';
      return GUARD_WRAPPER.test(name);
    });
  }
  return false;
}

/** Why each broker hands the same message to a consumer again. */
const REDELIVERY: Record<ConsumerHandler['broker'], string> = {
  rabbitmq: 'RabbitMQ redelivers every unacked message when the consumer\'s channel or connection closes (a crash, a deploy, a network blip, or the 30-minute delivery-ack timeout)',
  kafka: 'Kafka hands the message out again from the last committed offset after a crash, a restart or a rebalance',
  sqs: 'SQS makes a message visible again when it is not deleted within the visibility timeout (a crash, a slow handler, a failed delete), and a standard queue may deliver a message twice anyway',
  pubsub: 'Pub/Sub redelivers a message whose ack does not arrive before the ack deadline (a crash, a slow handler, or a fire-and-forget `ack()` that is lost)',
  nats: 'JetStream redelivers a message whose ack does not arrive within AckWait (a crash, a slow handler, or a fire-and-forget `ack()` that is lost)',
  bullmq: 'BullMQ runs a job again when its worker stalls or crashes before the job completes, and on every retry attempt',
  'redis-streams': 'Redis streams hand an entry out again when it stays in the pending list (a crash before XACK) and is reclaimed with XAUTOCLAIM',
  temporal: 'Temporal retries an activity whose attempt fails or times out (an error after the effect, a worker that dies, a lost completion) under its retry policy, which by default retries without limit',
};

function checkRepeatedWork(context: RuleContext, consumer: ConsumerHandler): void {
  const scope: ts.Node | undefined = consumer.scope ?? consumer.handler;
  if (!scope || wrappedByGuard(consumer)) return;
  // Settled on receipt: never redelivered as it stands. With an explicit `noAck: true`
  // ack-before-process reports the loss, and its fix (manual acks) makes redelivery possible.
  const noAck = consumer.settlement === 'on-receive';
  if (noAck && !explicitNoAck(consumer, context.facts)) return;
  const facts = factsOfNode(scope, context.facts, context.project);
  const settles = noAck ? [] : finalSettles(consumer, facts);
  const all = sideEffectsIn(scope, facts, context.project).filter((e) => REPEATED.has(e.kind) && !e.idempotent);
  if (all.length === 0) return;
  const guards = dedupGuardsIn(scope, facts, context.project).filter((g) => g.kind !== 'idempotent-upsert');
  if (guards.length > 0) return;
  // Work after the ack runs at most once today (ack-before-process reports that it may be lost);
  // once the ack moves after the work, as that finding asks, a redelivery repeats it.
  const settledBefore = (e: Effect): SettleCall | undefined => settles.find((s) => canReach(s.call, e.at));
  const before = all.filter((e) => !noAck && !settledBefore(e));
  const effects = before.length > 0 ? before : all;
  const first = effects[0];
  const path = pathOf(first, consumer.handler ?? scope);
  const via = path.text ? ` (through ${path.text})` : first.via.length > 0 ? ` (through \`${calleeText(first.at)}\`)` : '';
  const settle = before.length > 0 ? undefined : noAck ? '`noAck: true`' : `\`${excerpt(settledBefore(first)!.call.getText(), 60)}\``;
  context.report({
    node: first.at,
    messageId: consumer.broker === 'temporal' ? 'activity' : settle ? 'afterAck' : 'consumer',
    data: {
      library: consumer.library,
      broker: `${BROKER_LABEL[consumer.broker]} (${consumer.library})`,
      why: REDELIVERY[consumer.broker],
      effect: `\`${first.description}\`${via}`,
      again: effectWords(first),
      settle: settle ?? '',
      more: effects.length > 1 ? ` (${effects.length - 1} more non-idempotent effect${effects.length > 2 ? 's' : ''} in this handler)` : '',
    },
    related: [...path.related, ...effects.slice(1).map((e) => ({ node: e.at, message: `also repeated on ${consumer.broker === 'temporal' ? 'a retry' : 'redelivery'}: ${e.description}` }))],
  });
}

/** `noAck: true` written in the consumer's options (not the direct reply-to queue, which requires it). */
function explicitNoAck(consumer: ConsumerHandler, facts: FileFacts): boolean {
  if (consumer.broker !== 'rabbitmq' || consumer.source === 'amq.rabbitmq.reply-to' || !ts.isCallExpression(consumer.registration)) return false;
  const setting = optionSetting(consumer.registration.arguments[2], 'noAck', facts);
  return setting !== undefined && booleanValue(setting.value, true) === true;
}


/** Calls that settle the message for good (ack / delete / commit) in the handler's file, outside `catch` blocks. */
function finalSettles(consumer: ConsumerHandler, facts: FileFacts): SettleCall[] {
  const scope = consumer.scope ?? consumer.handler;
  return settleCallsOf(consumer, facts).filter((c) => (c.kind === 'ack' || c.kind === 'delete' || c.kind === 'commit' || c.kind === 'resolve-offset') &&
    scope !== undefined && c.call.getSourceFile() === scope.getSourceFile() && !insideCatch(c.call));
}

/** Acks inside a `catch` run only on failure; they do not precede the work on the normal path. */
function insideCatch(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isCatchClause(n)) return true;
    if (ts.isFunctionLike(n)) return false;
  }
  return false;
}

/** Whether a queue URL expression is visibly a FIFO queue (`….fifo`, or a name/env var that says so). */
function isFifoUrl(expr: ts.Expression | undefined): boolean {
  if (!expr) return false;
  const text = staticText(expr);
  if (text !== undefined) return /\.fifo\/?$/i.test(text.trim());
  return /fifo/i.test(expr.getText());
}

function checkSqsSend(context: RuleContext, params: ts.ObjectLiteralExpression | undefined, at: ts.Node, fileText: string): void {
  if (!params || params.properties.some((p) => ts.isSpreadAssignment(p))) return;
  if (!isFifoUrl(propertyValue(params, 'QueueUrl'))) return;
  // Content-based deduplication configured in the same file (CreateQueue / SetQueueAttributes).
  if (/ContentBasedDeduplication['"]?\s*:\s*['"]?true/.test(fileText)) return;
  const entries = propertyValue(params, 'Entries');
  const messages = entries ? batchEntries(entries) : [params];
  // A batch's entries built elsewhere: their fields cannot be seen, so there is nothing to judge.
  if (!messages) return;
  const missing = messages.some((m) => m !== undefined && !m.properties.some((p) => ts.isSpreadAssignment(p)) && propertyValue(m, 'MessageDeduplicationId') === undefined);
  if (missing) context.report({ node: at, messageId: 'sqsFifo' });
}

/** Text every consumer registration (or the subscribe wrapper it goes through) holds; `aws-lambda` / `.Records`: a Lambda SQS handler is known by its types or its loop over the records (facts/consumers/lambda-sqs.ts). */
const REGISTRATION_TEXT = /consume|eachMessage|eachBatch|handleMessage|SqsMessageHandler|subscription|bull|\.Records\b|\.on\(\s*['"]message|subscribe|EventPattern|MessagePattern|Worker|ReceiveMessage|receiveMessage|fetch|\.fifo|fifo|@temporalio\/|aws-lambda/i;

export const missingDedup = createRule({
  meta: {
    id: 'missing-dedup',
    description: 'A consumer performs a non-idempotent side effect (insert, charge, e-mail, counter) with no dedup guard, or a send to an SQS FIFO queue sets no MessageDeduplicationId, so a redelivered or retried message doubles the effect.',
    defaultSeverity: 'warning',
    fixable: 'none',
    requiresTypes: false,
    brokers: ['rabbitmq', 'kafka', 'sqs', 'pubsub', 'nats', 'bullmq', 'temporal'],
    consequence: 'effect-doubled',
  },
  messages: {
    consumer:
      '{{broker}}: this handler runs {{effect}} with nothing that recognises a repeated message. {{why}}; the handler then runs again and {{again}} (effect doubled){{more}}. Fix: record the message id in a dedup (inbox) table inside the same transaction as the work, so a duplicate hits the unique key and is skipped (`eos scaffold dedup`), or make the write idempotent (upsert keyed by the message\'s own id).',
    activity:
      'Temporal ({{library}}): this activity runs {{effect}} with no idempotency key. {{why}}; the retried attempt runs the activity again and {{again}} (effect doubled){{more}}. Fix: key the effect by the activity\'s identity, which stays the same on every retry: pass `${workflowExecution.runId}-${activityId}` from `Context.current().info` (Temporal\'s advice; or an id the workflow passes in) as the provider\'s idempotency key, or record it in a dedup table in the same transaction as the write and skip the work when it is already there (`eos scaffold dedup`).',
    afterAck:
      '{{broker}}: this handler runs {{effect}} after the message is already settled ({{settle}}), which ack-before-process reports as a loss. Once the settle moves after the work, as that finding asks, {{why}}; the handler then runs again and {{again}} (effect doubled){{more}}. Fix: both together — settle after the work, and record the message id in a dedup (inbox) table inside the same transaction as the work (`eos scaffold dedup`), or make the write idempotent (upsert keyed by the message\'s own id).',
    sqsFifo:
      'SQS FIFO: this send to a `.fifo` queue sets no `MessageDeduplicationId` and no content-based deduplication is visible. If the queue has none, SQS rejects the send; if it is enabled elsewhere, SQS dedups on a SHA-256 of the body only, so a retried send whose body differs (a timestamp, a fresh id) is stored twice (effect doubled) and a different event with an identical body is dropped. Fix: set `MessageDeduplicationId` to the event\'s own stable id (SQS drops repeats within its fixed 5-minute window; consumers still need their own dedup).',
  },
  // A handler given to the project's own subscribe wrapper: the registration is in a file it imports.
  triggers: new RegExp(`${REGISTRATION_TEXT.source}|${RELATIVE_IMPORT_TEXT.source}`, 'i'),
  admits: { reaches: REGISTRATION_TEXT },
  create(context) {
    const fileText = context.sourceFile.text;
    return {
      visitors: {
        [ts.SyntaxKind.NewExpression]: (node) => {
          const n = node as ts.NewExpression;
          const cmd = commandOf(n);
          if (cmd && (cmd.name === 'SendMessageCommand' || cmd.name === 'SendMessageBatchCommand') && familyOf(context.facts.originOf(n.expression)?.module) === 'sqs') {
            checkSqsSend(context, cmd.params, n, fileText);
          }
        },
        [ts.SyntaxKind.CallExpression]: (node) => {
          const call = node as ts.CallExpression;
          const callee = unwrap(call.expression);
          if (!ts.isPropertyAccessExpression(callee)) return;
          const method = callee.name.text;
          if ((method === 'sendMessage' || method === 'sendMessageBatch') && familyOf(moduleOf(callee.expression, context.facts)) === 'aws-sdk') {
            checkSqsSend(context, objectLiteralOf(call.arguments[0]), call, fileText);
          }
        },
      },
      end() {
        const consumers = consumersOf(context.facts, context.project);
        for (const consumer of consumers) {
          checkRepeatedWork(context, consumer);
        }
      },
    };
  },
});

