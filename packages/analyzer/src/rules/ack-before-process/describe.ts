import type { ts } from 'ts-morph';
import type { ConsumerHandler } from '../../facts/model';

/**
 * The words ack-before-process's messages use for a consumer (its broker, what a settled message
 * has become, the negative settle to use instead) and for the calls they quote. A module of its
 * own so that the rule's parts (index.ts, not-awaited.ts, …) share them without importing each other.
 */

/** Words that describe a consumer in messages. */
export interface Describe {
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

export function describe(c: ConsumerHandler): Describe {
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
        broker: lib === '@google-cloud/pubsub' ? 'Pub/Sub (@google-cloud/pubsub)' : `Cloud Functions event (${lib})`, library: lib,
        gone: 'acknowledged and Pub/Sub will not redeliver it',
        negative: '`message.nack()` it (with a dead-letter topic on the subscription to stop a poison loop)',
        autoSettle: 'the message is acknowledged',
        unit: 'message',
      };
    case 'nats':
      return {
        broker: lib === 'node-nats-streaming' ? 'NATS Streaming (node-nats-streaming)' : `NATS JetStream (${lib})`, library: lib,
        gone: lib === 'node-nats-streaming' ? 'acknowledged and the streaming server will not redeliver it' : 'acknowledged and JetStream will not redeliver it',
        negative: '`m.nak()` it (or `m.term()` when it can never succeed)',
        autoSettle: 'the message is acknowledged',
        unit: 'message',
      };
    default:
      return {
        broker: lib === 'bull' || lib === '@nestjs/bull' ? 'Bull' : 'BullMQ', library: lib,
        gone: 'completed',
        negative: 'throw so the job is retried',
        autoSettle: `${lib === 'bull' || lib === '@nestjs/bull' ? 'Bull' : 'BullMQ'} marks the job completed and never retries it`,
        unit: 'job',
      };
  }
}

/** One-line, shortened source text for messages. */
export function snippet(node: ts.Node, max = 60): string {
  const text = node.getText().replace(/\s+/g, ' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `saveOrder(…)` for a work call. */
export function workLabel(call: ts.CallExpression): string {
  const callee = snippet(call.expression, 50);
  return `${callee}(${call.arguments.length > 0 ? '…' : ''})`;
}
