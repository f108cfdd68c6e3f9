import { ts } from 'ts-morph';
import { createRule, type RuleContext } from '../engine/rule';
import { receiverClient } from '../facts/broker-objects';
import { consumersOf, settleCallsOf } from '../facts/consumers';
import { DurationFolder, formatMs } from '../facts/durations';
import { unwrap } from '../facts/origins';
import { longWorkIn, type LongWork } from '../facts/long-work';
import type { ConsumerHandler } from '../facts/model';
import { calleeName, constInitializer, objectLiteralOf, propertyValue } from '../facts/syntax';
import { walkTree } from '../facts/tree-walk';

/** Broker defaults, per docs/brokers.md and each client's documentation. */
const SQS_DEFAULT_VISIBILITY_MS = 30_000;
const KAFKAJS_DEFAULT_SESSION_TIMEOUT_MS = 30_000;
const JETSTREAM_DEFAULT_ACK_WAIT_MS = 30_000;
const PUBSUB_DEFAULT_MAX_EXTENSION_MS = 60 * 60_000;
const RABBITMQ_DEFAULT_CONSUMER_TIMEOUT_MS = 30 * 60_000;

/** The deadline a consumer's work races, and what keeps it from expiring. */
interface Deadline {
  ms: number;
  /** "the default 30 s", "`VisibilityTimeout: 60`". */
  source: string;
  /** Whether the code already extends it (heartbeat, ChangeMessageVisibility, working(), ...). */
  extended: boolean;
  /**
   * Whether work of unknown length is a risk: short deadlines (SQS, kafkajs, JetStream) are;
   * long ones that the client extends by itself (Pub/Sub) or that are 30 minutes (RabbitMQ) are
   * only outlived by waits that say so.
   */
  short: boolean;
}

/**
 * Consumer handlers whose work can outlast the broker's deadline — SQS visibility timeout,
 * kafkajs session timeout (no heartbeats while a handler runs), JetStream AckWait, the Pub/Sub
 * client's maximum lease extension, RabbitMQ's delivery-ack timeout — without extending it.
 */
/** The brokers whose deadline this rule knows (one message each). */
const DEADLINE_BROKERS = ['sqs', 'kafka', 'nats', 'pubsub', 'rabbitmq'] as const;

function hasDeadline(broker: string): broker is (typeof DEADLINE_BROKERS)[number] {
  return (DEADLINE_BROKERS as readonly string[]).includes(broker);
}

export const handlerOutlivesDeadline = createRule({
  meta: {
    id: 'handler-outlives-deadline',
    description: 'A consumer handler whose work (waits, polling loops, loops of remote calls, slow SDK calls) can outlast the broker\'s deadline without extending it, so the message is redelivered while still being processed.',
    defaultSeverity: 'warning',
    fixable: 'none',
    requiresTypes: false,
    brokers: ['sqs', 'kafka', 'nats', 'pubsub', 'rabbitmq'],
    consequence: 'effect-doubled',
  },
  messages: {
    sqs:
      'SQS: this handler {{work}}, which can outlast the message\'s visibility timeout ({{deadline}}, {{source}}). The message then becomes visible again and is processed a second time while this run is still working (effect doubled), and the late delete may not remove it. Fix: extend the visibility while working (`ChangeMessageVisibility` well before {{deadline}} passes; with sqs-consumer set `visibilityTimeout` and `heartbeatInterval`), or raise the queue\'s visibility timeout above the worst case (at most 12 h).',
    kafka:
      'Kafka (kafkajs): this handler {{work}} without calling `heartbeat()`. kafkajs heartbeats only between handler calls, so once this runs past the session timeout ({{deadline}}, {{source}}) the group evicts the consumer and rebalances, its offsets are not committed, and another member consumes the same messages again (effect doubled). Fix: call the payload\'s `heartbeat()` regularly while the work runs (inside the loop, or from a timer around one long call; it only sends once `heartbeatInterval` has passed), or raise `sessionTimeout` in `kafka.consumer({...})` above the worst case.',
    nats:
      'NATS JetStream: this handler {{work}}, which can outlast the consumer\'s AckWait ({{deadline}}, {{source}}); JetStream then redelivers the message while this run still processes it (effect doubled). Fix: call `msg.working()` periodically (it resets AckWait), or raise `ack_wait` on the consumer above the worst case.',
    pubsub:
      'Pub/Sub: this handler {{work}}, longer than the client keeps extending the message\'s lease ({{deadline}}, {{source}}); after that the ack deadline expires and the message is redelivered while still being processed (effect doubled). Fix: shorten the work or hand it to a job store and ack, or raise `maxExtensionTime` in the subscriber options.',
    rabbitmq:
      'RabbitMQ: this handler {{work}}, beyond the broker\'s delivery-acknowledgement timeout ({{deadline}}, {{source}}); RabbitMQ then closes the channel and requeues every unacked message on it, so this one is delivered again (effect doubled) and the late ack fails. Fix: record the job and ack first, then run it outside the delivery (with its own dedup), or raise `consumer_timeout` on the broker.',
  },
  // Module names, and the handler keys the consumer recognizers accept on objects of unknown origin.
  triggers: /@aws-sdk\/client-sqs|aws-sdk|sqs-consumer|kafkajs|nats|@google-cloud\/pubsub|amqplib|amqp-connection-manager|eachBatch|eachMessage|handleMessage/,
  create(context) {
    return {
      end() {
        const folder = new DurationFolder(context.facts, context.project);
        const seen = new Set<ts.Node>();
        for (const consumer of consumersOf(context.facts, context.project)) {
          const scope = consumer.scope ?? consumer.handler?.body;
          if (!scope || !hasDeadline(consumer.broker)) continue;
          const deadline = deadlineOf(consumer, context, folder);
          if (!deadline || deadline.extended) continue;
          const frame = consumer.scope ? [consumer.registration, consumer.scope] : [consumer.registration];
          const works = [...batchLoops(consumer, scope), ...longWorkIn(consumer.handler?.body ?? scope, context.facts, context.project, frame)];
          for (const work of works) {
            if (seen.has(work.node) || !outlasts(work, deadline)) continue;
            seen.add(work.node);
            context.report({
              node: work.node,
              messageId: consumer.broker,
              data: { work: work.description, deadline: formatMs(deadline.ms), source: deadline.source },
            });
          }
        }
      },
    };
  },
});

/** Whether a piece of long work can run past the deadline. */
function outlasts(work: LongWork, deadline: Deadline): boolean {
  if (work.minMs !== undefined) return work.minMs >= deadline.ms;
  return deadline.short;
}

/**
 * kafkajs `eachBatch`: a loop over `batch.messages` that awaits work per message runs as long as
 * the whole batch (up to `maxBytesPerPartition` of messages), with no heartbeat in between.
 */
function batchLoops(consumer: ConsumerHandler, scope: ts.Node): LongWork[] {
  if (consumer.broker !== 'kafka' || consumer.kind !== 'batch') return [];
  const out: LongWork[] = [];
  const walk = (n: ts.Node): boolean | void => {
    if (n !== scope && ts.isFunctionLike(n)) return false;
    if (ts.isForOfStatement(n) && /\.messages$/.test(n.expression.getText())) {
      const awaited = firstAwait(n.statement);
      if (awaited) {
        out.push({ kind: 'remote-loop', node: n, description: `processes every message of \`${n.expression.getText()}\` one after another (awaiting \`${awaited.length > 50 ? `${awaited.slice(0, 47)}...` : awaited}\`)` });
        return false;
      }
    }
  };
  walkTree(scope, walk);
  return out;
}

function firstAwait(body: ts.Node): string | undefined {
  let found: string | undefined;
  walkTree(body, (n) => {
    if (found || ts.isFunctionLike(n)) return false;
    if (ts.isAwaitExpression(n)) found = n.expression.getText().replace(/\s+/g, ' ');
    return found === undefined;
  });
  return found;
}

function deadlineOf(consumer: ConsumerHandler, context: RuleContext, folder: DurationFolder): Deadline | undefined {
  const settles = settleCallsOf(consumer, context.facts);
  const extendedBySettle = settles.some((s) => s.kind === 'extend' || s.kind === 'heartbeat');
  const text = context.sourceFile.text;
  switch (consumer.broker) {
    case 'sqs': {
      if (consumer.library === 'sqs-consumer') {
        const options = consumer.options;
        const visibility = options && folder.number(propertyValue(options, 'visibilityTimeout'));
        const heartbeat = options && propertyValue(options, 'heartbeatInterval');
        return {
          ms: visibility ? visibility.value * 1000 : SQS_DEFAULT_VISIBILITY_MS,
          source: visibility ? `\`visibilityTimeout: ${visibility.value}\`` : 'the default unless the queue sets another',
          extended: !!heartbeat || extendedBySettle,
          short: true,
        };
      }
      const visibility = receiveVisibility(consumer.registration, folder);
      return {
        ms: visibility ? visibility * 1000 : SQS_DEFAULT_VISIBILITY_MS,
        source: visibility ? `\`VisibilityTimeout: ${visibility}\` on the receive` : 'the default unless the queue sets another',
        // A helper that extends the visibility on a timer is often defined apart from the handler.
        extended: extendedBySettle || /ChangeMessageVisibility/i.test(text),
        short: true,
      };
    }
    case 'kafka': {
      if (consumer.library !== 'kafkajs' && !consumer.library.includes('kafka')) return undefined;
      const session = sessionTimeoutOf(consumer, context, folder);
      return {
        ms: session ?? KAFKAJS_DEFAULT_SESSION_TIMEOUT_MS,
        source: session ? `\`sessionTimeout: ${session}\`` : 'the kafkajs default',
        extended: extendedBySettle || /\bheartbeat\s*\(\s*\)/.test(consumer.handler?.getText() ?? ''),
        short: true,
      };
    }
    case 'nats': {
      const ackWait = ackWaitIn(context, folder);
      return {
        ms: ackWait ?? JETSTREAM_DEFAULT_ACK_WAIT_MS,
        source: ackWait ? '`ack_wait` on the consumer' : 'the default unless the consumer sets `ack_wait`',
        extended: extendedBySettle || /\.working\s*\(\s*\)/.test(consumer.handler?.getText() ?? ''),
        short: true,
      };
    }
    case 'pubsub': {
      const minutes = maxExtensionMinutesIn(context, folder);
      return {
        ms: minutes !== undefined ? minutes * 60_000 : PUBSUB_DEFAULT_MAX_EXTENSION_MS,
        source: minutes !== undefined ? 'the configured maximum lease extension' : 'the client\'s default maximum lease extension',
        extended: extendedBySettle,
        short: false,
      };
    }
    case 'rabbitmq':
      if (consumer.settlement !== 'manual') return undefined;
      return { ms: RABBITMQ_DEFAULT_CONSUMER_TIMEOUT_MS, source: 'the default `consumer_timeout`', extended: false, short: false };
    default:
      return undefined;
  }
}

/** `VisibilityTimeout` in the receive call's input (v3 command or v2 params), in seconds. */
function receiveVisibility(registration: ts.Node, folder: DurationFolder): number | undefined {
  let value: number | undefined;
  const walk = (n: ts.Node): boolean | void => {
    if (value !== undefined) return false;
    if (ts.isObjectLiteralExpression(n)) {
      const v = folder.number(propertyValue(n, 'VisibilityTimeout'));
      if (v) {
        value = v.value;
        return false;
      }
    }
    if (ts.isIdentifier(n)) {
      const obj = objectLiteralOf(n);
      const v = obj && folder.number(propertyValue(obj, 'VisibilityTimeout'));
      if (v) {
        value = v.value;
        return false;
      }
    }
  };
  walkTree(registration, walk);
  return value;
}

/**
 * `sessionTimeout` of the kafkajs consumer whose `run` registered this handler, in milliseconds:
 * `consumer.run(...)` → `const consumer = kafka.consumer({ sessionTimeout })`.
 */
function sessionTimeoutOf(consumer: ConsumerHandler, context: RuleContext, folder: DurationFolder): number | undefined {
  const run = consumer.registration;
  if (!ts.isCallExpression(run) || !ts.isPropertyAccessExpression(run.expression)) return undefined;
  const receiver = run.expression.expression;
  const init = ts.isIdentifier(receiver) ? constInitializer(receiver) : undefined;
  const create = init && unwrap(init);
  if (!create || !ts.isCallExpression(create) || calleeName(create) !== 'consumer') return undefined;
  if (receiverClient(context.facts, create)?.kind !== 'kafka') return undefined;
  const options = objectLiteralOf(create.arguments[0]);
  return (options && folder.number(propertyValue(options, 'sessionTimeout'))?.value) || undefined;
}

/** `ack_wait` (nanoseconds) of a JetStream consumer config in this file, in milliseconds. */
function ackWaitIn(context: RuleContext, folder: DurationFolder): number | undefined {
  for (const call of context.facts.calls) {
    const kind = receiverClient(context.facts, call)?.kind;
    if (kind !== 'jetstream-consumers-api' || !['add', 'update'].includes(calleeName(call) ?? '')) continue;
    for (const arg of call.arguments) {
      const options = objectLiteralOf(arg);
      const v = options && folder.number(propertyValue(options, 'ack_wait'));
      if (v) return v.value / 1e6;
    }
  }
  return undefined;
}

/** A configured maximum lease extension of the Pub/Sub subscriber, in minutes. */
function maxExtensionMinutesIn(context: RuleContext, folder: DurationFolder): number | undefined {
  for (const call of context.facts.calls) {
    if (calleeName(call) !== 'subscription' && calleeName(call) !== 'setOptions') continue;
    for (const arg of call.arguments) {
      const options = objectLiteralOf(arg);
      if (!options) continue;
      const flow = objectLiteralOf(propertyValue(options, 'flowControl'));
      const minutes = flow && folder.number(propertyValue(flow, 'maxExtensionMinutes'));
      if (minutes) return minutes.value;
      // maxExtensionTime: Duration.from({ minutes: 5 }) / { seconds: 300 }
      const time = propertyValue(options, 'maxExtensionTime');
      const from = time && ts.isCallExpression(time) ? objectLiteralOf(time.arguments[0]) : undefined;
      const m = from && folder.number(propertyValue(from, 'minutes'));
      if (m) return m.value;
      const s = from && folder.number(propertyValue(from, 'seconds'));
      if (s) return s.value / 60;
    }
  }
  return undefined;
}
