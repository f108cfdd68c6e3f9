import { ts } from 'ts-morph';
import type { FileFacts } from '../file-facts';
import type { RawEffect } from './db';
import { familyOf, importedFamilies, isLocalModule, type CallShape } from './shape';
import { objectLiteralOf } from '../syntax';

/** Broker display names by library family, as they appear in finding messages. */
export const BROKER_NAMES: Record<string, string> = {
  amqplib: 'RabbitMQ',
  kafkajs: 'Kafka',
  sqs: 'Amazon SQS',
  pubsub: 'Google Pub/Sub',
  nats: 'NATS',
  bullmq: 'BullMQ',
  'nestjs-microservices': 'the NestJS microservice transport',
  redis: 'Redis',
  mqtt: 'MQTT',
  'azure-service-bus': 'Azure Service Bus',
};

function publish(s: CallShape, family: string, library: string, description: string, params?: ts.ObjectLiteralExpression, broker?: string): RawEffect {
  return { kind: 'publish', library, call: s.call, idempotent: false, description, broker: broker ?? BROKER_NAMES[family] ?? family, params };
}

function last(s: CallShape): string {
  return s.names[s.names.length - 1] ?? '';
}

/** The methods `publishEffect` recognises. */
const PUBLISH_METHODS = new Set([
  'publish', 'sendToQueue', 'send', 'sendBatch', 'publishMessage', 'publishJSON', 'add', 'addBulk', 'emit', 'dispatchEvent',
  'xadd', 'xAdd', 'spublish', 'sendMessages', 'scheduleMessages',
]);

/** Whether `publishEffect` can accept a call of this method name (it accepts no other). */
export function isPublishMethod(method: string): boolean {
  return PUBLISH_METHODS.has(method);
}

/**
 * A publish to a message broker, recognised by the receiver's library (imports and type
 * annotations) or, for the distinctive method names, by the receiver's name. In-process event
 * emitters (EventEmitter, NestJS CQRS EventBus, RxJS subjects) are never brokers.
 */
export function publishEffect(s: CallShape, facts: FileFacts): RawEffect | undefined {
  const m = s.method;
  if (!m || !s.receiver || !PUBLISH_METHODS.has(m)) return undefined;
  const family = familyOf(s.module);
  if (family === 'in-process') return undefined;
  const known = family !== undefined && !isLocalModule(s.module);
  const name = last(s);
  const args = s.call.arguments;
  const text = s.names.join('.');
  // RabbitMQ
  // `sendToQueue` is amqplib's own name; a channel may also be held in an object of channels
  // exported by another module (`channels.orders.sendToQueue(…)`, `this.channels[name].publish(…)`).
  const channelLike = /(^|\.)(ch|chan|channel|\w*Channel|channelWrapper|rabbit\w*|amqp\w*)$/i.test(text) || /(^|\.)(\w*channels)(\.|$)/i.test(text) || m === 'sendToQueue';
  if ((m === 'publish' || m === 'sendToQueue') && (family === 'amqplib' || (!known && channelLike && args.length >= (m === 'publish' ? 3 : 2)))) {
    return publish(s, 'amqplib', family === 'amqplib' ? s.module! : 'amqplib', `${name || 'channel'}.${m}`, objectLiteralOf(args[m === 'publish' ? 3 : 2]));
  }
  // Kafka
  if ((m === 'send' || m === 'sendBatch') && (family === 'kafkajs' || (!known && /producer|^transaction$/i.test(name)))) {
    return publish(s, 'kafkajs', family === 'kafkajs' ? s.module! : 'kafkajs', `${name || 'producer'}.${m}`, objectLiteralOf(args[0]));
  }
  // Google Pub/Sub
  if ((m === 'publishMessage' || m === 'publishJSON') && (family === 'pubsub' || !known)) {
    return publish(s, 'pubsub', '@google-cloud/pubsub', `topic.${m}`, objectLiteralOf(args[0]));
  }
  if (m === 'publish' && (family === 'pubsub' || (!known && (s.names.includes('topic()') || /topic$/i.test(name))))) {
    return publish(s, 'pubsub', '@google-cloud/pubsub', 'topic.publish');
  }
  // NATS (core and JetStream)
  if (m === 'publish' && (family === 'nats' || (!known && (/^(nc|js|nats\w*|jetstream\w*|\w*JetStream\w*)$/i.test(name) || s.names.includes('jetstream()'))))) {
    const jetstream = /^js$|jetstream/i.test(name) || s.names.includes('jetstream()');
    return publish(s, 'nats', family === 'nats' ? s.module! : 'nats', `${name}.publish`, objectLiteralOf(args[2]), jetstream ? 'NATS JetStream' : 'NATS');
  }
  // BullMQ / Bull
  if ((m === 'add' || m === 'addBulk') && (family === 'bullmq' || (!known && /queue$/i.test(name) && importedFamilies(facts).includes('bullmq')))) {
    return publish(s, 'bullmq', family === 'bullmq' ? s.module! : 'bullmq', `${name}.${m}`, objectLiteralOf(args[2]));
  }
  // NestJS ClientProxy (ClientKafka, ClientRMQ, ...)
  if ((m === 'emit' || m === 'send' || m === 'dispatchEvent') && family === 'nestjs-microservices') {
    return publish(s, family, '@nestjs/microservices', `${name}.${m}`);
  }
  // Redis pub/sub and streams
  if ((m === 'publish' || m === 'xadd' || m === 'xAdd' || m === 'spublish') && (family === 'redis' || (!known && /redis/i.test(name)))) {
    return publish(s, 'redis', family === 'redis' ? s.module! : 'redis', `${name}.${m}`, undefined, m.toLowerCase() === 'xadd' ? 'Redis streams' : 'Redis pub/sub');
  }
  if (m === 'publish' && family === 'mqtt') return publish(s, 'mqtt', 'mqtt', `${name}.publish`);
  if ((m === 'sendMessages' || m === 'scheduleMessages') && family === 'azure-service-bus') return publish(s, family, '@azure/service-bus', `${name}.${m}`);
  return undefined;
}

/** Receiver names of the user's own broker wrappers (`this.kafkaService.emit(…)`), used only when the wrapper's code cannot be followed. */
const WRAPPER_RECEIVER = /(kafka|rabbit|amqp|sqs|sns|pubsub|nats|jetstream|broker|producer|publisher|messageBus|messagingService|eventPublisher|queueService)\w*$/i;
const WRAPPER_METHOD = /^(publish|emit|send|produce|dispatch|enqueue)\w*$/;

/** Plain functions that publish, by name: `publish(order, subjects.OrderCreated)`, `publishOrderCreated(order)`, `sendOrderEvent(e)`. */
const PUBLISH_FUNCTION = /^(publish|produce)([A-Z]\w*)?$|^(send|emit|dispatch|enqueue)\w*(Event|Message)s?$/;

/**
 * Packages whose `produce` / `dispatch` / `emit…` exports change state in memory: immer's
 * `produce(state, draft => …)`, Redux's `dispatch`. Imported from one of them, a call that is
 * named like a publish publishes nothing.
 */
const IN_MEMORY_STATE_MODULE = /^(immer|use-immer|mutative|limu|structurajs|redux|@reduxjs\/toolkit|react-redux|zustand|rxjs)(\/|$)/;

/** Whether `wrapperPublish` can accept a call of this method name (it accepts no other). */
export function isWrapperPublishMethod(method: string): boolean {
  return PUBLISH_FUNCTION.test(method) || WRAPPER_METHOD.test(method);
}

/** A publish through a wrapper whose code is out of reach, judged by names alone. */
export function wrapperPublish(s: CallShape): RawEffect | undefined {
  if (s.module && IN_MEMORY_STATE_MODULE.test(s.module)) return undefined;
  if (s.method && !s.receiver && PUBLISH_FUNCTION.test(s.method)) {
    const family = familyOf(s.module);
    if (family !== undefined && !isLocalModule(s.module)) return undefined;
    return { kind: 'publish', library: s.method, call: s.call, idempotent: false, description: `${s.method}(…)`, broker: 'the message broker' };
  }
  if (!s.method || !s.receiver || !WRAPPER_METHOD.test(s.method)) return undefined;
  const family = familyOf(s.module);
  if (family !== undefined && !isLocalModule(s.module)) return undefined;
  const name = last(s);
  if (!WRAPPER_RECEIVER.test(name) || /eventbus$/i.test(name)) return undefined;
  // "pubsub" alone names a pattern (Redis, GraphQL, an in-house bus), not Google's service.
  const broker = /kafka/i.test(name) ? 'Kafka' : /rabbit|amqp/i.test(name) ? 'RabbitMQ' : /sqs/i.test(name) ? 'Amazon SQS' : /sns/i.test(name) ? 'Amazon SNS'
    : /(google|gcp|gcloud)\w*pubsub/i.test(name) ? 'Google Pub/Sub' : /nats|jetstream/i.test(name) ? 'NATS' : 'the message broker';
  return { kind: 'publish', library: name, call: s.call, idempotent: false, description: `${name}.${s.method}`, broker };
}
