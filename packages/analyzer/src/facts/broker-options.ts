import { ts } from 'ts-morph';
import type { Broker } from '../types';
import { methodName, receiverClient, type ClientKind } from './broker-objects';
import type { FileFacts } from './file-facts';
import { unwrap } from './origins';
import { objectLiteralOf } from './syntax';

/**
 * Which option objects each client library reads, and the names people write that it does not.
 *
 * Every `known` list below is exactly the property list of the library's own type (the type
 * named in `type`), and every myth key is absent from it; test/broker-options.test.ts checks both
 * against the installed type definitions, so a claim here cannot drift from the library.
 */

/** A key the library does not read, with what happens and what to write instead. */
export interface Myth {
  /** What happens at runtime because the key is ignored (completes "so ..."). */
  effect: string;
  /** The real alternative, in words. */
  fix: string;
  /** The real option the fix names, as `<site id>.<key>`; checked against the types by the test. */
  real?: string;
  /**
   * A mechanical rename of the key, offered only when the written value is `whenValue` (if set);
   * `safe` only where the renamed option provably behaves as the user's code already does.
   */
  rename?: { to: string; safety: 'safe' | 'unsafe'; whenValue?: string };
}

/** An options object of one library call. */
export interface OptionSite {
  id: string;
  broker: Broker;
  library: string;
  /** The call as users write it, for messages. */
  api: string;
  /** The library's type for this object: module and exported type expression. */
  type: { module: string; name: string };
  /** Every property of that type. */
  known: readonly string[];
  myths: Readonly<Record<string, Myth>>;
}

const MOVE_TO_RUN = (key: string, effect: string): Myth => ({
  effect,
  fix: `move \`${key}\` to \`consumer.run({ ${key}, eachMessage })\`, where kafkajs reads it`,
  real: `kafkajs.run.${key}`,
});

const MOVE_TO_CONSUMER = (key: string, dflt: string): Myth => ({
  effect: `kafkajs keeps its default ${dflt}`,
  fix: `move \`${key}\` to \`kafka.consumer({ groupId, ${key} })\``,
  real: `kafkajs.consumer.${key}`,
});

const START_FROM = (): Myth => ({
  effect: 'a consumer group without committed offsets starts at the latest offset (the kafkajs default), skipping what is already in the topic',
  fix: 'pass `fromBeginning: true` to `consumer.subscribe({ topics, fromBeginning })`',
  real: 'kafkajs.subscribe.fromBeginning',
});

const PER_MESSAGE = (key: string, effect: string): Myth => ({
  effect,
  fix: `set \`${key}\` on each message: \`messages: [{ ${key}, value }]\``,
});

const QUEUE_ARGUMENT = (header: string, option: string | undefined, effect: string): Myth => ({
  effect: `the queue is declared without \`${header}\`: ${effect} (unless a broker policy sets it)`,
  fix: option
    ? `write \`${option}\` (amqplib turns it into \`${header}\`) or put \`'${header}'\` inside \`arguments: { ... }\`; an existing queue declared with other arguments fails with PRECONDITION_FAILED, so change both together`
    : `put \`'${header}'\` inside \`arguments: { ... }\`; an existing queue declared with other arguments fails with PRECONDITION_FAILED, so change both together`,
  real: option ? `amqplib.assertQueue.${option}` : 'amqplib.assertQueue.arguments',
});

const PUBSUB_NO_DEDUP_KEY: Myth = {
  effect: 'Pub/Sub has no publish-side idempotency key: a message is `data`, `attributes` and `orderingKey`, the `messageId` is assigned by the server, and a publisher retry delivers a second copy with a new id',
  fix: 'put the key in `attributes` (e.g. `attributes: { eventId }`) and deduplicate on it in the consumer',
  real: 'pubsub.publishMessage.attributes',
};

const NATS_MSG_ID: Myth = {
  effect: 'the message is published without a `Nats-Msg-Id` header, so JetStream cannot drop a retried publish within the stream\'s duplicate_window (default 2 minutes)',
  fix: 'use `msgID` with a stable business id',
  real: 'nats.publish.msgID',
  rename: { to: 'msgID', safety: 'unsafe' },
};

/** Fields of the SQS v3 inputs (PascalCase; the SDK's serializer drops any other key). */
const SQS_FIELDS = {
  SendMessageRequest: ['QueueUrl', 'MessageBody', 'DelaySeconds', 'MessageAttributes', 'MessageSystemAttributes', 'MessageDeduplicationId', 'MessageGroupId'],
  ReceiveMessageRequest: ['QueueUrl', 'AttributeNames', 'MessageSystemAttributeNames', 'MessageAttributeNames', 'MaxNumberOfMessages', 'VisibilityTimeout', 'WaitTimeSeconds', 'ReceiveRequestAttemptId'],
  ChangeMessageVisibilityRequest: ['QueueUrl', 'ReceiptHandle', 'VisibilityTimeout'],
  SendMessageBatchRequestEntry: ['Id', 'MessageBody', 'DelaySeconds', 'MessageAttributes', 'MessageSystemAttributes', 'MessageDeduplicationId', 'MessageGroupId'],
} as const;

/** The option objects eos checks, by site id. */
export const OPTION_SITES: readonly OptionSite[] = [
  {
    id: 'kafkajs.kafka',
    broker: 'kafka',
    library: 'kafkajs',
    api: 'new Kafka({...})',
    type: { module: 'kafkajs', name: 'KafkaConfig' },
    known: ['brokers', 'ssl', 'sasl', 'clientId', 'connectionTimeout', 'authenticationTimeout', 'reauthenticationThreshold', 'requestTimeout', 'enforceRequestTimeout', 'retry', 'socketFactory', 'logLevel', 'logCreator'],
    myths: {},
  },
  {
    id: 'kafkajs.producer',
    broker: 'kafka',
    library: 'kafkajs',
    api: 'kafka.producer({...})',
    type: { module: 'kafkajs', name: 'ProducerConfig' },
    known: ['createPartitioner', 'retry', 'metadataMaxAge', 'allowAutoTopicCreation', 'idempotent', 'transactionalId', 'transactionTimeout', 'maxInFlightRequests'],
    myths: {
      enableIdempotence: {
        effect: 'the producer is not idempotent: a send retried after a lost response writes the message twice',
        fix: 'write `idempotent: true` (kafkajs\'s name; it needs `acks: -1` on send, the default, and `maxInFlightRequests: 1` for exactly-once)',
        real: 'kafkajs.producer.idempotent',
        rename: { to: 'idempotent', safety: 'unsafe' },
      },
      'enable.idempotence': {
        effect: 'the producer is not idempotent: a send retried after a lost response writes the message twice',
        fix: 'write `idempotent: true` (kafkajs\'s name; it needs `acks: -1` on send, the default, and `maxInFlightRequests: 1` for exactly-once)',
        real: 'kafkajs.producer.idempotent',
        rename: { to: 'idempotent', safety: 'unsafe' },
      },
      acks: {
        effect: 'the value is not used: kafkajs takes `acks` per send and defaults to -1 (all in-sync replicas)',
        fix: 'pass `acks` to `producer.send({ topic, messages, acks })`',
        real: 'kafkajs.send.acks',
      },
      retries: {
        effect: 'the producer keeps the client\'s retry policy',
        fix: 'write `retry: { retries: n }`',
        real: 'kafkajs.producer.retry',
      },
    },
  },
  {
    id: 'kafkajs.consumer',
    broker: 'kafka',
    library: 'kafkajs',
    api: 'kafka.consumer({...})',
    type: { module: 'kafkajs', name: 'ConsumerConfig' },
    known: ['groupId', 'partitionAssigners', 'metadataMaxAge', 'sessionTimeout', 'rebalanceTimeout', 'heartbeatInterval', 'maxBytesPerPartition', 'minBytes', 'maxBytes', 'maxWaitTimeInMs', 'retry', 'allowAutoTopicCreation', 'maxInFlightRequests', 'readUncommitted', 'rackId'],
    myths: {
      autoCommit: MOVE_TO_RUN('autoCommit', 'auto-commit stays on (the `consumer.run` default): offsets are committed when each handler resolves, not when your code decides'),
      autoCommitInterval: MOVE_TO_RUN('autoCommitInterval', 'commits follow kafkajs\'s defaults'),
      autoCommitThreshold: MOVE_TO_RUN('autoCommitThreshold', 'commits follow kafkajs\'s defaults'),
      eachBatchAutoResolve: MOVE_TO_RUN('eachBatchAutoResolve', 'kafkajs keeps the default (true): every offset of a batch is resolved when `eachBatch` returns, including messages it skipped'),
      partitionsConsumedConcurrently: MOVE_TO_RUN('partitionsConsumedConcurrently', 'partitions are processed one at a time (the default, 1)'),
      enableAutoCommit: {
        effect: 'auto-commit stays on (the `consumer.run` default): offsets are committed when each handler resolves, not when your code decides',
        fix: 'write `autoCommit` in `consumer.run({ autoCommit, eachMessage })`',
        real: 'kafkajs.run.autoCommit',
      },
      'enable.auto.commit': {
        effect: 'auto-commit stays on (the `consumer.run` default): offsets are committed when each handler resolves, not when your code decides',
        fix: 'write `autoCommit` in `consumer.run({ autoCommit, eachMessage })`',
        real: 'kafkajs.run.autoCommit',
      },
      isolationLevel: {
        effect: 'kafkajs reads committed messages only (its default, `readUncommitted: false`) whatever this says',
        fix: 'drop the key for read_committed, or write `readUncommitted: true` for read_uncommitted',
        real: 'kafkajs.consumer.readUncommitted',
      },
      'isolation.level': {
        effect: 'kafkajs reads committed messages only (its default, `readUncommitted: false`) whatever this says',
        fix: 'drop the key for read_committed, or write `readUncommitted: true` for read_uncommitted',
        real: 'kafkajs.consumer.readUncommitted',
      },
      fromBeginning: START_FROM(),
      autoOffsetReset: START_FROM(),
      'auto.offset.reset': START_FROM(),
    },
  },
  {
    id: 'kafkajs.run',
    broker: 'kafka',
    library: 'kafkajs',
    api: 'consumer.run({...})',
    type: { module: 'kafkajs', name: 'ConsumerRunConfig' },
    known: ['autoCommit', 'autoCommitInterval', 'autoCommitThreshold', 'eachBatchAutoResolve', 'partitionsConsumedConcurrently', 'eachBatch', 'eachMessage'],
    myths: {
      sessionTimeout: MOVE_TO_CONSUMER('sessionTimeout', '(30 s): a handler that runs longer gets the member evicted and its partitions reassigned'),
      heartbeatInterval: MOVE_TO_CONSUMER('heartbeatInterval', '(3 s)'),
      rebalanceTimeout: MOVE_TO_CONSUMER('rebalanceTimeout', '(60 s)'),
      enableAutoCommit: {
        effect: 'auto-commit stays on (the default): offsets are committed when each handler resolves, not when your code decides',
        fix: 'write `autoCommit`',
        real: 'kafkajs.run.autoCommit',
      },
      fromBeginning: START_FROM(),
    },
  },
  {
    id: 'kafkajs.subscribe',
    broker: 'kafka',
    library: 'kafkajs',
    api: 'consumer.subscribe({...})',
    type: { module: 'kafkajs', name: 'ConsumerSubscribeTopics & ConsumerSubscribeTopic' },
    known: ['topics', 'fromBeginning', 'topic'],
    myths: {
      autoOffsetReset: START_FROM(),
      'auto.offset.reset': START_FROM(),
    },
  },
  {
    id: 'kafkajs.send',
    broker: 'kafka',
    library: 'kafkajs',
    api: 'producer.send({...})',
    type: { module: 'kafkajs', name: 'ProducerRecord' },
    known: ['topic', 'messages', 'acks', 'timeout', 'compression'],
    myths: {
      partition: PER_MESSAGE('partition', 'the messages go wherever the partitioner puts them'),
      key: PER_MESSAGE('key', 'the messages are sent without a key: no per-key ordering'),
      headers: PER_MESSAGE('headers', 'the headers are not sent'),
      idempotent: {
        effect: 'the producer is not made idempotent by a send option: a send retried after a lost response writes the message twice',
        fix: 'write `idempotent: true` in `kafka.producer({...})`',
        real: 'kafkajs.producer.idempotent',
      },
    },
  },
  {
    id: 'amqplib.consume',
    broker: 'rabbitmq',
    library: 'amqplib',
    api: 'channel.consume(queue, onMessage, {...})',
    type: { module: 'amqplib', name: 'Options.Consume' },
    known: ['consumerTag', 'noLocal', 'noAck', 'exclusive', 'priority', 'arguments'],
    myths: {
      autoAck: {
        effect: 'the consumer is in manual-ack mode whatever this says (amqplib reads only `noAck`): a message the callback never acks stays unacked and is redelivered when the channel closes',
        fix: 'for `autoAck: false` write `noAck: false` (the default); for `true`, keep manual acks and call `channel.ack(msg)` after the work (`noAck: true` would lose the message on a crash)',
        real: 'amqplib.consume.noAck',
        // `autoAck: false` is exactly the default `noAck: false`; `true` must never become `noAck: true` (auto-ack loses messages).
        rename: { to: 'noAck', safety: 'safe', whenValue: 'false' },
      },
      requeue: {
        effect: 'requeueing is decided per rejected message, not by the consumer',
        fix: 'pass it to `channel.nack(msg, false, requeue)` / `channel.reject(msg, requeue)` (both requeue by default)',
      },
      prefetch: {
        effect: 'no prefetch limit applies: the broker pushes every ready message to this consumer unacked',
        fix: 'call `await channel.prefetch(n)` before `consume`',
      },
      durable: {
        effect: 'durability belongs to the queue declaration; the consume call ignores it',
        fix: 'declare the queue with `channel.assertQueue(queue, { durable: true })`',
        real: 'amqplib.assertQueue.durable',
      },
    },
  },
  {
    id: 'amqplib.assertQueue',
    broker: 'rabbitmq',
    library: 'amqplib',
    api: 'channel.assertQueue(queue, {...})',
    type: { module: 'amqplib', name: 'Options.AssertQueue' },
    known: ['exclusive', 'durable', 'autoDelete', 'arguments', 'messageTtl', 'expires', 'deadLetterExchange', 'deadLetterRoutingKey', 'maxLength', 'maxPriority', 'overflow', 'queueMode'],
    myths: {
      'x-dead-letter-exchange': QUEUE_ARGUMENT('x-dead-letter-exchange', 'deadLetterExchange', 'rejected and expired messages are dropped instead of dead-lettered'),
      'x-dead-letter-routing-key': QUEUE_ARGUMENT('x-dead-letter-routing-key', 'deadLetterRoutingKey', 'dead-lettered messages keep their original routing key'),
      'x-message-ttl': QUEUE_ARGUMENT('x-message-ttl', 'messageTtl', 'messages never expire'),
      'x-expires': QUEUE_ARGUMENT('x-expires', 'expires', 'the queue never expires'),
      'x-max-length': QUEUE_ARGUMENT('x-max-length', 'maxLength', 'the queue is unbounded'),
      'x-max-priority': QUEUE_ARGUMENT('x-max-priority', 'maxPriority', 'message priorities are ignored'),
      'x-overflow': QUEUE_ARGUMENT('x-overflow', 'overflow', 'the default overflow behaviour (drop-head) applies'),
      'x-queue-mode': QUEUE_ARGUMENT('x-queue-mode', 'queueMode', 'the default queue mode applies'),
      'x-queue-type': QUEUE_ARGUMENT('x-queue-type', undefined, 'the queue gets the virtual host\'s default type (classic unless configured otherwise)'),
      'x-delivery-limit': QUEUE_ARGUMENT('x-delivery-limit', undefined, 'no delivery limit applies'),
    },
  },
  {
    id: 'amqplib.publish',
    broker: 'rabbitmq',
    library: 'amqplib',
    api: 'channel.publish(exchange, routingKey, content, {...}) / sendToQueue',
    type: { module: 'amqplib', name: 'Options.Publish' },
    known: ['expiration', 'userId', 'CC', 'mandatory', 'persistent', 'deliveryMode', 'BCC', 'contentType', 'contentEncoding', 'headers', 'priority', 'correlationId', 'replyTo', 'messageId', 'timestamp', 'type', 'appId'],
    myths: {
      durable: {
        effect: 'the message is published transient (delivery mode 1) and is lost if the broker restarts before it is consumed, even on a durable queue',
        fix: 'write `persistent: true`',
        real: 'amqplib.publish.persistent',
        rename: { to: 'persistent', safety: 'unsafe' },
      },
      ttl: {
        effect: 'the message never expires',
        fix: 'write `expiration` (milliseconds)',
        real: 'amqplib.publish.expiration',
      },
    },
  },
  {
    id: 'pubsub.publishMessage',
    broker: 'pubsub',
    library: '@google-cloud/pubsub',
    api: 'topic.publishMessage({...})',
    type: { module: '@google-cloud/pubsub/build/src/topic', name: 'MessageOptions' },
    known: ['data', 'attributes', 'messageId', 'publishTime', 'orderingKey', 'parentSpan', 'json'],
    myths: {
      idempotencyKey: PUBSUB_NO_DEDUP_KEY,
      idempotency_key: PUBSUB_NO_DEDUP_KEY,
      deduplicationId: PUBSUB_NO_DEDUP_KEY,
    },
  },
  {
    id: 'sqs-consumer.create',
    broker: 'sqs',
    library: 'sqs-consumer',
    api: 'Consumer.create({...})',
    type: { module: 'sqs-consumer', name: 'ConsumerOptions' },
    known: ['queueUrl', 'attributeNames', 'messageAttributeNames', 'messageSystemAttributeNames', 'stopped', 'batchSize', 'visibilityTimeout', 'waitTimeSeconds', 'authenticationErrorTimeout', 'pollingWaitTimeMs', 'pollingCompleteWaitTimeMs', 'terminateVisibilityTimeout', 'heartbeatInterval', 'sqs', 'region', 'useQueueUrlAsEndpoint', 'handleMessageTimeout', 'shouldDeleteMessages', 'alwaysAcknowledge', 'handleMessage', 'handleMessageBatch', 'preReceiveMessageCallback', 'postReceiveMessageCallback', 'extendedAWSErrors', 'suppressFifoWarning', 'strictReturn'],
    myths: {
      maxNumberOfMessages: {
        effect: 'sqs-consumer receives one message per poll (its default `batchSize`, 1)',
        fix: 'write `batchSize` (1 to 10)',
        real: 'sqs-consumer.create.batchSize',
        rename: { to: 'batchSize', safety: 'unsafe' },
      },
      MaxNumberOfMessages: {
        effect: 'sqs-consumer receives one message per poll (its default `batchSize`, 1)',
        fix: 'write `batchSize` (1 to 10)',
        real: 'sqs-consumer.create.batchSize',
        rename: { to: 'batchSize', safety: 'unsafe' },
      },
    },
  },
  ...(['SendMessageRequest', 'ReceiveMessageRequest', 'ChangeMessageVisibilityRequest', 'SendMessageBatchRequestEntry'] as const).map((name): OptionSite => ({
    id: `sqs.${name}`,
    broker: 'sqs',
    library: '@aws-sdk/client-sqs',
    api: name === 'SendMessageBatchRequestEntry' ? 'SendMessageBatchCommand entry' : `${name.replace(/Request$/, '')}Command input`,
    type: { module: '@aws-sdk/client-sqs', name },
    known: SQS_FIELDS[name],
    myths: {},
  })),
  {
    id: 'nats.publish',
    broker: 'nats',
    library: 'nats',
    api: 'js.publish(subject, data, {...})',
    type: { module: 'nats', name: 'JetStreamPublishOptions' },
    known: ['msgID', 'timeout', 'headers', 'expect'],
    myths: { messageId: NATS_MSG_ID, deduplicationId: NATS_MSG_ID, dedupId: NATS_MSG_ID },
  },
  {
    id: 'nats.consumerConfig',
    broker: 'nats',
    library: 'nats',
    api: 'jsm.consumers.add(stream, {...})',
    type: { module: 'nats', name: 'ConsumerConfig' },
    known: ['ack_policy', 'deliver_policy', 'deliver_group', 'durable_name', 'name', 'flow_control', 'idle_heartbeat', 'opt_start_seq', 'opt_start_time', 'rate_limit_bps', 'replay_policy', 'pause_until', 'description', 'ack_wait', 'max_deliver', 'sample_freq', 'max_ack_pending', 'max_waiting', 'headers_only', 'deliver_subject', 'max_batch', 'max_expires', 'inactive_threshold', 'backoff', 'max_bytes', 'num_replicas', 'mem_storage', 'filter_subject', 'filter_subjects', 'metadata'],
    myths: {},
  },
  {
    id: 'nats.streamConfig',
    broker: 'nats',
    library: 'nats',
    api: 'jsm.streams.add({...})',
    type: { module: 'nats', name: 'StreamConfig' },
    known: ['name', 'retention', 'storage', 'max_consumers', 'mirror', 'sealed', 'first_seq', 'subjects', 'description', 'max_msgs_per_subject', 'max_msgs', 'max_age', 'max_bytes', 'max_msg_size', 'discard', 'discard_new_per_subject', 'no_ack', 'duplicate_window', 'sources', 'allow_rollup_hdrs', 'num_replicas', 'placement', 'deny_delete', 'deny_purge', 'allow_direct', 'mirror_direct', 'republish', 'metadata', 'subject_transform', 'compression', 'consumer_limits'],
    myths: {},
  },
];

/** An options object found in code, with the site it belongs to. */
export interface OptionObject {
  site: OptionSite;
  object: ts.ObjectLiteralExpression;
  /** The call or `new` that receives it. */
  call: ts.CallExpression | ts.NewExpression;
}

const SITES = new Map(OPTION_SITES.map((s) => [s.id, s]));

function site(id: string): OptionSite {
  const s = SITES.get(id);
  if (!s) throw new Error(`unknown option site ${id}`);
  return s;
}

/** Method calls whose argument at `index` is the options object of `site`, per receiver kind. */
const METHOD_SITES: Array<{ kinds: readonly ClientKind[]; library?: string; method: string; index: number; site: string }> = [
  { kinds: ['kafka'], method: 'producer', index: 0, site: 'kafkajs.producer' },
  { kinds: ['kafka'], method: 'consumer', index: 0, site: 'kafkajs.consumer' },
  { kinds: ['kafka-consumer'], method: 'run', index: 0, site: 'kafkajs.run' },
  { kinds: ['kafka-consumer'], method: 'subscribe', index: 0, site: 'kafkajs.subscribe' },
  { kinds: ['kafka-producer', 'kafka-transaction'], method: 'send', index: 0, site: 'kafkajs.send' },
  // amqp-connection-manager's channel wrapper extends these options (e.g. `prefetch` in consume), so only amqplib.
  { kinds: ['amqp-channel', 'amqp-confirm-channel'], library: 'amqplib', method: 'consume', index: 2, site: 'amqplib.consume' },
  { kinds: ['amqp-channel', 'amqp-confirm-channel'], library: 'amqplib', method: 'assertQueue', index: 1, site: 'amqplib.assertQueue' },
  { kinds: ['amqp-channel', 'amqp-confirm-channel'], library: 'amqplib', method: 'publish', index: 3, site: 'amqplib.publish' },
  { kinds: ['amqp-channel', 'amqp-confirm-channel'], library: 'amqplib', method: 'sendToQueue', index: 2, site: 'amqplib.publish' },
  { kinds: ['pubsub-topic'], method: 'publishMessage', index: 0, site: 'pubsub.publishMessage' },
  { kinds: ['sqs-client'], library: '@aws-sdk/client-sqs', method: 'sendMessage', index: 0, site: 'sqs.SendMessageRequest' },
  { kinds: ['sqs-client'], library: '@aws-sdk/client-sqs', method: 'receiveMessage', index: 0, site: 'sqs.ReceiveMessageRequest' },
  { kinds: ['sqs-client'], library: '@aws-sdk/client-sqs', method: 'changeMessageVisibility', index: 0, site: 'sqs.ChangeMessageVisibilityRequest' },
  { kinds: ['jetstream'], method: 'publish', index: 2, site: 'nats.publish' },
  { kinds: ['jetstream-consumers-api'], method: 'add', index: 1, site: 'nats.consumerConfig' },
  { kinds: ['jetstream-consumers-api'], method: 'update', index: 2, site: 'nats.consumerConfig' },
  { kinds: ['jetstream-streams-api'], method: 'add', index: 0, site: 'nats.streamConfig' },
  { kinds: ['jetstream-streams-api'], method: 'update', index: 1, site: 'nats.streamConfig' },
];

const NO_OPTION_OBJECTS: readonly OptionObject[] = [];

/** Methods that can receive an options object of a site; the receiver of any other call need not be classified. */
const SITE_METHODS = new Set([...METHOD_SITES.map((m) => m.method), 'sendMessageBatch']);

/** Constructors whose first argument is the options object of a site, by module and export. */
const CONSTRUCTOR_SITES: Record<string, Record<string, string>> = {
  kafkajs: { Kafka: 'kafkajs.kafka' },
  'sqs-consumer': { Consumer: 'sqs-consumer.create' },
  '@aws-sdk/client-sqs': {
    SendMessageCommand: 'sqs.SendMessageRequest',
    ReceiveMessageCommand: 'sqs.ReceiveMessageRequest',
    ChangeMessageVisibilityCommand: 'sqs.ChangeMessageVisibilityRequest',
  },
};

/** The library options objects of one call or `new` (several for SendMessageBatch entries). */
export function optionObjectsOf(facts: FileFacts, node: ts.CallExpression | ts.NewExpression): readonly OptionObject[] {
  // Most calls of a file take no options object of a site: answered before anything is built.
  if (!ts.isNewExpression(node)) {
    const method = methodName(node);
    if (!method || (method !== 'create' && !SITE_METHODS.has(method))) return NO_OPTION_OBJECTS;
  }
  const out: OptionObject[] = [];
  const add = (id: string, arg: ts.Expression | undefined) => {
    const object = objectLiteralOf(arg);
    if (object) out.push({ site: site(id), object, call: node });
  };
  if (ts.isNewExpression(node)) {
    const origin = facts.originOf(node.expression);
    const last = origin?.chain[origin.chain.length - 1];
    const id = origin && last && CONSTRUCTOR_SITES[origin.module]?.[last];
    if (id && Object.hasOwn(CONSTRUCTOR_SITES[origin.module], last)) add(id, node.arguments?.[0]);
    if (origin?.module === '@aws-sdk/client-sqs' && last === 'SendMessageBatchCommand') addBatchEntries(node.arguments?.[0], add);
    return out;
  }
  const method = methodName(node);
  if (!method) return out;
  // sqs-consumer: Consumer.create({...})
  if (method === 'create' && ts.isPropertyAccessExpression(node.expression)) {
    const origin = facts.originOf(node.expression.expression);
    if (origin?.module === 'sqs-consumer' && origin.chain.length === 1 && origin.chain[0] === 'Consumer') add('sqs-consumer.create', node.arguments[0]);
  }
  if (!SITE_METHODS.has(method)) return out;
  const client = receiverClient(facts, node);
  if (!client) return out;
  for (const m of METHOD_SITES) {
    if (m.method !== method || !m.kinds.includes(client.kind)) continue;
    if (m.library && m.library !== client.library) continue;
    add(m.site, node.arguments[m.index]);
  }
  // aws-sdk v2 validates parameters itself (UnexpectedParameter), so only v3 inputs are checked.
  if (client.kind === 'sqs-client' && client.library === '@aws-sdk/client-sqs' && method === 'sendMessageBatch') addBatchEntries(node.arguments[0], add);
  return out;
}

function addBatchEntries(arg: ts.Expression | undefined, add: (id: string, entry: ts.Expression) => void): void {
  const input = objectLiteralOf(arg);
  const entries = input?.properties.find((p) => ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === 'Entries');
  if (!entries || !ts.isPropertyAssignment(entries)) return;
  const list = unwrap(entries.initializer);
  if (!ts.isArrayLiteralExpression(list)) return;
  for (const el of list.elements) add('sqs.SendMessageBatchRequestEntry', el);
}

/** Letters and digits only, lower case: `ack_wait`, `ackWait` and `AckWait` meet here. */
export function normalizedOptionName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Names shorter than this are too close to each other for a one-letter slip to mean a typo. */
const MIN_TYPO_LENGTH = 8;

/** Whether `a` and `b` differ by at most one insertion, deletion, substitution or adjacent swap. */
function editDistanceAtMostOne(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/** What is wrong with one key of an options object, if anything. */
export type KeyProblem =
  | { kind: 'myth'; myth: Myth }
  | { kind: 'misspelled'; intended: string };

/** Judges one key against its site: a known myth, a misspelling of a real key, or fine (undefined). */
export function keyProblem(site: OptionSite, key: string): KeyProblem | undefined {
  if (site.known.includes(key)) return undefined;
  if (Object.hasOwn(site.myths, key)) return { kind: 'myth', myth: site.myths[key] };
  const n = normalizedOptionName(key);
  const intended =
    site.known.find((k) => normalizedOptionName(k) === n) ??
    // One slip (a letter added, dropped, changed or swapped) in a long name is a typo, not a new option.
    site.known.find((k) => k.length >= MIN_TYPO_LENGTH && editDistanceAtMostOne(normalizedOptionName(k), n));
  // Keys that are neither may be options of a newer version, or the caller's own: stay quiet.
  return intended ? { kind: 'misspelled', intended } : undefined;
}
