import { ts } from 'ts-morph';
import { createRule, type RuleContext } from '../engine/rule';
import { clientOfOrigin, methodName, receiverClient, type ClientObject } from '../facts/broker-objects';
import { keyProblem, OPTION_SITES } from '../facts/broker-options';
import { freshSourceIn } from '../facts/fresh-values';
import { unwrap } from '../facts/origins';
import { objectLiteralOf, propertyValue } from '../facts/syntax';
import { batchEntries, familyOf, importedFamilies, moduleOf } from '../facts/effects';
import { moduleOfImportedValue } from '../facts/project/lookup';
import type { Fix } from '../types';
import { insertAfter, replaceArguments, replaceInside } from '../fix/edits';

/**
 * Producer-side deduplication ids. Every broker publish can be repeated (a timeout, a lost
 * confirm or PubAck, a relay re-sending after a crash); only an id that is the same on every
 * attempt lets the broker (JetStream `msgID`, SQS FIFO `MessageDeduplicationId`) or the
 * consumers (Pub/Sub attributes, RabbitMQ `messageId`) recognise the copy.
 */
export const publishWithoutDedupId = createRule({
  meta: {
    id: 'publish-without-dedup-id',
    description: 'A publish that carries no stable deduplication id (JetStream msgID, Pub/Sub key attribute, RabbitMQ messageId on confirm channels, SQS FIFO MessageDeduplicationId), or a kafkajs producer that is not idempotent, so a retried publish is processed twice.',
    defaultSeverity: 'warning',
    fixable: 'none',
    requiresTypes: false,
    brokers: ['nats', 'pubsub', 'rabbitmq', 'sqs', 'kafka'],
    consequence: 'effect-doubled',
  },
  messages: {
    jetstreamNoMsgId:
      'NATS JetStream: this `js.publish` sets no `msgID`, so the stream cannot recognise a retry: a publish repeated after a timeout or a lost PubAck is stored twice and consumers process it twice (effect doubled). Fix: pass `{ msgID: <stable business id> }`; JetStream drops a repeat within the stream\'s `duplicate_window` (default 2 minutes) and reports it as `PubAck.duplicate`.',
    freshId:
      '{{broker}}: the {{field}} comes from `{{source}}`, a new value on every call, so a retried send carries a different id and {{dedup}} cannot drop the copy (effect doubled). Fix: derive it from the event itself (e.g. the order id and event type, or the outbox row id) so every attempt sends the same value.',
    pubsubNoKey:
      'Pub/Sub: this publish carries no application key in `attributes`, while {{evidence}}. Pub/Sub assigns `messageId` on the server, so a publisher retry is a second message with a new id that exactly-once delivery and id-based dedup both let through (effect doubled). Fix: add a stable key to `attributes` (e.g. `attributes: { eventId: order.id }`) and deduplicate on it in the consumer.',
    kafkaProducer:
      'Kafka (kafkajs): this producer is not idempotent (`idempotent: true` is not set), so when a send times out or loses its response and kafkajs retries it, the broker may append the batch twice and every consumer processes it twice (effect doubled). Fix: create the producer with `idempotent: true` and `maxInFlightRequests: 1` (kafkajs then requires acks -1 on every send and retries without limit), and keep consumer-side dedup for redeliveries.',
    amqpNoMessageId:
      'RabbitMQ: this publish on a confirm channel sets no `messageId`. A publish whose confirm is lost or times out gets sent again, RabbitMQ keeps both copies, and consumers cannot tell them apart (effect doubled). Fix: set a stable `messageId` (the event\'s own id) in the publish options and deduplicate on `msg.properties.messageId` in the consumer.',
  },
  // Module names, and the publish calls themselves: a channel handed out by a helper in another
  // file is followed there, so this file need not name the library.
  triggers: /nats|@google-cloud\/pubsub|amqplib|producer\s*\(|amqp-connection-manager|@aws-sdk\/client-sqs|aws-sdk|\.publish\(|sendToQueue\(|publishMessage\(/,
  create(context) {
    // Read when the first Pub/Sub publish is found, not for every file: two scans of the whole text.
    let pubsubEvidence: { found: string | undefined } | undefined;
    const evidence = () => (pubsubEvidence ??= { found: pubsubDedupEvidence(context.sourceFile.text) }).found;
    const visit = (node: ts.Node) => {
      const call = node as ts.CallExpression;
      const method = methodName(call);
      if (!method) return;
      const callee = unwrap(call.expression);
      if (method === 'producer' && ts.isPropertyAccessExpression(callee) && isKafkaClient(callee.expression, context)) {
        checkKafkaProducer(context, call);
        return;
      }
      const client = receiverClient(context.facts, call, context.project) ?? jetstreamByName(context, call);
      if (client?.kind === 'jetstream' && method === 'publish') checkJetStream(context, call);
      else if (client?.kind === 'pubsub-topic' && (method === 'publishMessage' || method === 'publish' || method === 'publishJSON')) {
        const found = evidence();
        if (found) checkPubSub(context, call, method, found);
      } else if (client?.kind === 'amqp-confirm-channel' && (method === 'publish' || method === 'sendToQueue')) {
        // amqp-connection-manager channels confirm unless created with `confirm: false`.
        if (client.library === 'amqp-connection-manager' && /\bconfirm\s*:\s*false\b/.test(context.sourceFile.text)) return;
        checkConfirmChannel(context, call, method);
      }
      else if (client?.kind === 'sqs-client' && (method === 'sendMessage' || method === 'sendMessageBatch')) checkSqsInput(context, call.arguments[0]);
    };
    const visitNew = (node: ts.Node) => {
      const expr = node as ts.NewExpression;
      const origin = context.facts.originOf(expr.expression);
      if (origin?.module !== '@aws-sdk/client-sqs') return;
      const name = origin.chain[origin.chain.length - 1];
      if (name === 'SendMessageCommand' || name === 'SendMessageBatchCommand') checkSqsInput(context, expr.arguments?.[0]);
    };
    return { visitors: { [ts.SyntaxKind.CallExpression]: visit, [ts.SyntaxKind.NewExpression]: visitNew } };
  },
});

/**
 * A JetStream client imported from the project's own module (`import { js } from '@app/nats'`):
 * recognised by its conventional name when the module's path names NATS.
 */
function jetstreamByName(context: RuleContext, call: ts.CallExpression): ClientObject | undefined {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const receiver = unwrap(callee.expression);
  if (!ts.isIdentifier(receiver) || !/^(js|jetstream\w*)$/i.test(receiver.text)) return undefined;
  const binding = context.facts.origins.importOf(receiver.text);
  if (!binding || !/nats/i.test(binding.module) || clientOfOrigin({ module: binding.module, chain: [] })) return undefined;
  return { kind: 'jetstream', broker: 'nats', library: binding.module };
}

const NATS_PUBLISH_SITE = OPTION_SITES.find((s) => s.id === 'nats.publish')!;

function checkJetStream(context: RuleContext, call: ts.CallExpression): void {
  const optionsArg = call.arguments[2];
  if (optionsArg) {
    const options = objectLiteralOf(optionsArg);
    // Options built elsewhere may carry the id: not knowable here.
    if (!options) return;
    const msgId = propertyValue(options, 'msgID');
    if (msgId) {
      reportFresh(context, msgId, 'NATS JetStream', '`msgID`', 'the stream (within its duplicate_window)');
      return;
    }
    // A misspelled `msgId` is nonexistent-broker-option's finding; headers may set Nats-Msg-Id by hand.
    for (const p of options.properties) {
      const key = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined;
      if (key && keyProblem(NATS_PUBLISH_SITE, key)) return;
    }
    if (propertyValue(options, 'headers') && /Nats-Msg-Id|MsgIdHdr/.test(context.sourceFile.text)) return;
    // An expected last sequence / last msg id makes a repeat fail instead of landing twice.
    const expectations = objectLiteralOf(propertyValue(options, 'expect'));
    if (expectations && ['lastSequence', 'lastMsgID', 'lastSubjectSequence'].some((k) => propertyValue(expectations, k))) return;
  }
  context.report({ node: call, messageId: 'jetstreamNoMsgId' });
}

function reportFresh(context: RuleContext, value: ts.Expression, broker: string, field: string, dedup: string): void {
  const source = freshSourceIn(value);
  if (source) context.report({ node: value, messageId: 'freshId', data: { broker, field, source, dedup } });
}

/** Attribute names that carry an application key a consumer can deduplicate on. */
const KEY_ATTRIBUTE = /id$|key$|^id|dedup|idempot/i;

/**
 * Why this file's Pub/Sub messages must be recognisable: its subscription enables exactly-once
 * delivery (which deduplicates redeliveries by server message id only), or a consumer
 * deduplicates on the server-assigned `message.id`.
 */
function pubsubDedupEvidence(text: string): string | undefined {
  if (/enableExactlyOnceDelivery\s*:\s*true/.test(text)) return 'this code relies on exactly-once delivery (`enableExactlyOnceDelivery: true`), which only deduplicates redeliveries of one server message id';
  if (/\.(has|exists|get|set|add|sismember|findUnique|findOne)\(\s*[^)]*\b(message|msg)\.id\b/.test(text)) return 'a consumer here deduplicates on the server-assigned `message.id`';
  return undefined;
}

function checkPubSub(context: RuleContext, call: ts.CallExpression, method: string, evidence: string): void {
  let attributes: ts.Expression | undefined;
  if (method === 'publishMessage') {
    const message = objectLiteralOf(call.arguments[0]);
    if (!message) return;
    // A mythical idempotencyKey is nonexistent-broker-option's finding.
    if (['idempotencyKey', 'idempotency_key', 'deduplicationId'].some((k) => propertyValue(message, k))) return;
    attributes = propertyValue(message, 'attributes');
  } else {
    const second = call.arguments[1];
    if (second && !ts.isArrowFunction(second) && !ts.isFunctionExpression(second)) attributes = second;
  }
  if (attributes) {
    const literal = objectLiteralOf(attributes);
    if (!literal) return;
    const keyed = literal.properties.some((p) => ts.isSpreadAssignment(p) || (p.name !== undefined && KEY_ATTRIBUTE.test(p.name.getText().replace(/['"]/g, ''))));
    if (keyed) return;
  }
  context.report({ node: call, messageId: 'pubsubNoKey', data: { evidence } });
}

function checkConfirmChannel(context: RuleContext, call: ts.CallExpression, method: string): void {
  const optionsArg = call.arguments[method === 'publish' ? 3 : 2];
  if (optionsArg && !ts.isArrowFunction(optionsArg) && !ts.isFunctionExpression(optionsArg)) {
    const options = objectLiteralOf(optionsArg);
    if (!options) return;
    if (options.properties.some((p) => ts.isSpreadAssignment(p))) return;
    if (propertyValue(options, 'messageId')) return;
    const headers = propertyValue(options, 'headers');
    if (headers) {
      const literal = objectLiteralOf(headers);
      if (!literal || literal.properties.some((p) => ts.isSpreadAssignment(p) || (p.name !== undefined && KEY_ATTRIBUTE.test(p.name.getText().replace(/['"]/g, ''))))) return;
    }
  }
  context.report({ node: call, messageId: 'amqpNoMessageId' });
}

function checkSqsInput(context: RuleContext, arg: ts.Expression | undefined): void {
  const input = objectLiteralOf(arg);
  if (!input) return;
  const entries = propertyValue(input, 'Entries');
  const list = entries && unwrap(entries);
  const messages = list ? (batchEntries(list) ?? []) : [input];
  for (const m of messages) {
    const id = m && propertyValue(m, 'MessageDeduplicationId');
    if (id) reportFresh(context, id, 'SQS FIFO', '`MessageDeduplicationId`', 'SQS (which drops only identical ids within its fixed 5-minute interval)');
  }
}

/** `kafka.producer(options)` without `idempotent: true`. */
function checkKafkaProducer(context: RuleContext, call: ts.CallExpression): void {
  const arg = call.arguments[0];
  const options = arg ? objectLiteralOf(arg) : undefined;
  if (arg && !options) return; // options built elsewhere: cannot judge
  if (options?.properties.some((p) => ts.isSpreadAssignment(p))) return;
  const block = options && objectLiteralOf(propertyValue(options, 'kafkaJS'));
  const flags = [options, block].filter((o): o is ts.ObjectLiteralExpression => o !== undefined);
  const idempotent = flags.some((o) => {
    const v = propertyValue(o, 'idempotent') ?? propertyValue(o, 'enable.idempotence');
    return v !== undefined && v.kind !== ts.SyntaxKind.FalseKeyword;
  });
  if (idempotent) return;
  // kafkajs sends inside `producer.transaction()` always use the idempotent path; transactional producers are left alone.
  if (flags.some((o) => propertyValue(o, 'transactionalId') !== undefined)) return;
  // A misspelt idempotence option (`enableIdempotence`) is nonexistent-broker-option's finding.
  if (flags.some((o) => o.properties.some((p) => p.name !== undefined && /idempoten/i.test(p.name.getText())))) return;
  const explicitFalse = flags.some((o) => propertyValue(o, 'idempotent')?.kind === ts.SyntaxKind.FalseKeyword);
  context.report({ node: call, messageId: 'kafkaProducer', suggestions: explicitFalse ? undefined : [idempotenceSuggestion(call, block ?? options)] });
}

/**
 * Not a safe fix: with `idempotent: true` kafkajs retries sends without limit
 * (Number.MAX_SAFE_INTEGER) instead of 5 times, rejects any send with `acks` other than -1, and
 * needs the IdempotentWrite permission on the cluster, so behaviour changes beyond the finding.
 */
function idempotenceSuggestion(call: ts.CallExpression, options: ts.ObjectLiteralExpression | undefined): Fix {
  const description = 'Enable the idempotent producer (`idempotent: true, maxInFlightRequests: 1`); kafkajs then retries without limit and rejects sends with acks other than -1';
  if (!options) {
    return { description, safety: 'unsafe', edits: [replaceArguments(call, '{ idempotent: true, maxInFlightRequests: 1 }')] };
  }
  const hasInFlight = propertyValue(options, 'maxInFlightRequests') !== undefined;
  const insert = hasInFlight ? 'idempotent: true' : 'idempotent: true, maxInFlightRequests: 1';
  if (options.properties.length === 0) return { description, safety: 'unsafe', edits: [replaceInside(options, ` ${insert} `)] };
  const last = options.properties[options.properties.length - 1];
  return { description, safety: 'unsafe', edits: [insertAfter(last, `, ${insert}`)] };
}

/** A kafkajs client: by import origin, through the user's own config module, or named so in a file that uses kafkajs. */
function isKafkaClient(expr: ts.Expression, context: RuleContext): boolean {
  const { facts, project } = context;
  const family = familyOf(moduleOf(expr, facts));
  if (family === 'kafkajs') return true;
  if (family !== undefined) return false;
  if (familyOf(moduleOfImportedValue(expr, facts, project)) === 'kafkajs') return true;
  return /kafka/i.test(expr.getText()) && importedFamilies(facts).includes('kafkajs');
}
