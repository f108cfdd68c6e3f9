import { ts } from 'ts-morph';
import { createRule } from '../engine/rule';
import { BROKER_LABEL, brokerPhrase, brokersImported } from '../facts/broker-libraries';
import { consumerRunning, DEDUP_KEY_TEXT, instabilitiesOf, keySinksOf, REDIS_CLIENT_EVIDENCE, REDIS_MODULE, REDIS_WRITE_CALL, type Instability } from '../facts/dedup-keys';
import { INBOX_NAME } from '../facts/effects';
import { inDeliveryContext } from '../facts/delivery-context';
import type { Broker, Fix } from '../types';
import { enclosingFunction } from '../facts/syntax';
import { replace } from '../fix/edits';

/** What to key on instead, per broker (docs/brokers.md: which ids survive a redelivery and which survive a resend). */
const STABLE_ID: Readonly<Record<Broker | 'unknown', string>> = {
  rabbitmq: 'the publisher-set `msg.properties.messageId` (set it when publishing) or a business id from the payload',
  kafka: 'the record coordinates `${topic}:${partition}:${message.offset}` or a business key from the payload',
  sqs: '`message.MessageId` (the same on every receive of a message) or a business id carried in the body',
  pubsub: 'an application key the publisher puts in `message.attributes` (`message.id` is assigned per publish, so a publisher retry gets a new one)',
  nats: 'the `Nats-Msg-Id` header or the stream sequence (`msg.seq`)',
  bullmq: '`job.id` or a business key from `job.data`',
  'redis-streams': 'the stream entry id',
  temporal: 'the activity\'s identity, the same on every retry: `${info.workflowExecution.runId}-${info.activityId}` from `Context.current().info` (Temporal\'s advice), or an id the workflow passes in',
  unknown: 'the message\'s own id or a business key from the payload',
};

/** A function that (re)tries work: fresh idempotency keys are wrong there too. */
const RETRY_FUNCTION = /retry|redeliver|reprocess|replay|requeue/i;

function functionName(fn: ts.FunctionLikeDeclaration | undefined): string {
  if (!fn) return '';
  if (fn.name && ts.isIdentifier(fn.name)) return fn.name.text;
  const p = fn.parent;
  if (p && (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p)) && ts.isIdentifier(p.name)) return p.name.text;
  return '';
}

function fixFor(instability: Instability): Fix | undefined {
  if (instability.kind !== 'per-delivery' || !instability.stable || !ts.isPropertyAccessExpression(instability.node)) return undefined;
  const name = instability.node.name;
  // Only the SDK spellings whose stable sibling is known for sure.
  if (!/^(ReceiptHandle|ackId|deliverySequence)$/.test(name.text)) return undefined;
  return {
    description: `Key on \`${instability.stable}\`, which stays the same when the message is redelivered`,
    safety: 'safe',
    edits: [replace(name, instability.stable)],
  };
}

/** "`message.id`, which stays the same on every delivery" for metadata with a known stable sibling. */
function stableSentence(instability: Instability): string | undefined {
  if (instability.kind !== 'per-delivery' || !instability.stable) return undefined;
  const base = ts.isPropertyAccessExpression(instability.node) ? `${instability.node.expression.getText()}.` : '';
  const caveat = instability.broker === 'Pub/Sub' ? ' (an application key in `attributes` also survives publisher retries, which get a new id)' : '';
  return `\`${base}${instability.stable}\`, which stays the same on every delivery${caveat}`;
}

export const unstableDedupKey = createRule({
  meta: {
    id: 'unstable-dedup-key',
    description: 'A dedup or idempotency key must be the same on every delivery of a message: not the clock, randomness, a fresh UUID, unordered JSON, or delivery metadata.',
    defaultSeverity: 'error',
    fixable: 'safe',
    requiresTypes: false,
    brokers: ['rabbitmq', 'kafka', 'sqs', 'pubsub', 'nats', 'bullmq', 'temporal'],
    consequence: 'message-lost-or-doubled',
  },
  messages: {
    fresh:
      '{{broker}}: the dedup key ({{use}}) is derived from `{{source}}`, which is new on every evaluation, so {{repeat}} computes a different key, the dedup never matches and the work runs again (effect doubled). Fix: derive the key from {{stable}}.',
    perDelivery:
      '{{broker}}: the dedup key ({{use}}) includes `{{source}}`, {{metadata}}, so {{repeat}} is never recognised as a duplicate and the work runs again (effect doubled). Fix: use {{stable}}.',
    timestamp:
      '{{broker}}: the dedup key ({{use}}) is built from `{{source}}`, a publish/send time: two different messages in the same instant share it (the second is skipped as a duplicate: message lost) and a producer resend gets a new one (effect doubled). Fix: use {{stable}}.',
    json:
      '{{broker}}: the dedup key ({{use}}) is built from `{{source}}`; `JSON.stringify` follows the object\'s insertion order (and serializes every field it carries), so the same logical message built in another order or with another field yields a different key and is processed twice (effect doubled). Fix: use {{stable}}, or a canonical serializer (json-stable-stringify, safe-stable-stringify, RFC 8785).',
  },
  // Inbox inserts, idempotency keys and dedup-named variables show in the text; a Redis key is a
  // dedup key by its text or by a claim / check-then-set, and only on a Redis client.
  // Without types a Redis client shows in the file's own text (see REDIS_CLIENT_EVIDENCE).
  triggers: new RegExp(`${INBOX_NAME.source}|${DEDUP_KEY_TEXT.source}|${REDIS_CLIENT_EVIDENCE.source}`, 'i'),
  typeAwareTriggers: new RegExp(`${INBOX_NAME.source}|${DEDUP_KEY_TEXT.source}|${REDIS_WRITE_CALL.source}`, 'i'),
  admits: {
    any: [
      { text: INBOX_NAME },
      {
        all: [
          { any: [{ text: DEDUP_KEY_TEXT }, { text: REDIS_WRITE_CALL }] },
          { any: [{ typesFrom: REDIS_MODULE }, { text: REDIS_CLIENT_EVIDENCE }] },
        ],
      },
    ],
  },
  create(context) {
    return {
      end() {
        const { facts, project } = context;
        const imported = brokersImported(facts);
        for (const sink of keySinksOf(facts, project)) {
          if (sink.key.getSourceFile() !== facts.sourceFile) continue;
          const consumer = consumerRunning(sink.key, facts, project);
          const names = new Set(consumer?.messageNames ?? []);
          for (const instability of instabilitiesOf(sink.key, names)) {
            if (instability.kind === 'fresh' && !consumer && !RETRY_FUNCTION.test(functionName(enclosingFunction(sink.key)))) {
              // Minted where the message or request is created, a fresh key is the message's id:
              // every resend of it carries the same one, and an idempotency key per request still
              // protects the SDK's own network retries. Only minted again on delivery is it wrong.
              continue;
            }
            // A key no redelivery computes again (a cache key, an OAuth nonce) is not a dedup key.
            if (!consumer && !inDeliveryContext(sink.key, facts, project)) continue;
            const temporalAttempt = 'broker' in instability && instability.broker === 'Temporal';
            const brokerId: Broker | undefined = consumer?.broker ?? (temporalAttempt ? 'temporal' : imported.length === 1 ? imported[0] : undefined);
            const broker = consumer ? BROKER_LABEL[consumer.broker]
              : 'broker' in instability && instability.broker ? instability.broker
              : brokerPhrase(imported);
            const messageId = instability.kind === 'fresh' ? 'fresh' : instability.kind === 'per-delivery' ? 'perDelivery' : instability.kind;
            context.report({
              node: instability.node,
              messageId,
              data: {
                broker: broker.charAt(0).toUpperCase() + broker.slice(1),
                use: sink.use,
                source: instability.source.replace(/\s+/g, ' '),
                stable: stableSentence(instability) ?? STABLE_ID[brokerId ?? 'unknown'],
                repeat: brokerId === 'temporal' ? 'a retry of the same activity' : 'a redelivery of the same message',
                metadata: brokerId === 'temporal' ? 'the attempt number, which grows on every retry of the activity' : 'delivery metadata that changes every time the same message is delivered again',
              },
              fix: fixFor(instability),
            });
          }
        }
      },
    };
  },
});
