/**
 * The Kafka, SQS and Pub/Sub publishers cannot meet a real server here, so they are driven
 * through fake clients that implement exactly the methods they call, and every parameter that
 * carries a guarantee is asserted: dedup ids, ordering keys, acks, attributes. (RabbitMQ and NATS
 * run against real servers in test/services/outbox-*.test.ts.)
 */
import * as path from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeProject, scaffold } from './helpers';

interface Message {
  id: string;
  seq: number;
  aggregateType: string;
  aggregateId: string;
  eventType: string;
  payload: string;
  headers: Record<string, string>;
  createdAt: Date;
}

const MESSAGE: Message = {
  id: '6f1c0a9e-3a57-4a43-9d0e-4cf3f6f0a0b1',
  seq: 42,
  aggregateType: 'order',
  aggregateId: 'order-42',
  eventType: 'order.paid',
  payload: '{"orderId":"order-42","amount":1999}',
  headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
  createdAt: new Date('2026-11-27T12:00:00.000Z'),
};

const IDENTITY = {
  'event-id': MESSAGE.id,
  'event-type': 'order.paid',
  'aggregate-type': 'order',
  'aggregate-id': 'order-42',
  'event-seq': '42',
  traceparent: MESSAGE.headers.traceparent,
};

/** Renders the outbox for `broker` and imports its publisher module. */
async function publisherModule<T>(broker: string): Promise<T> {
  const dir = makeProject(`outbox-publisher-${broker}`);
  await scaffold(dir, 'outbox', { store: 'sqlite', broker, out: 'src/outbox', language: 'ts' });
  return (await import(path.join(dir, 'src/outbox/outbox-publisher.ts'))) as T;
}

describe('Kafka publisher (kafkajs)', () => {
  type KafkaModule = { KafkaPublisher: { connect(o: object, kafka: unknown): Promise<{ publish(m: Message): Promise<string>; close(): Promise<void> }> } };
  let mod: KafkaModule;
  beforeAll(async () => {
    mod = await publisherModule<KafkaModule>('kafka');
  });

  it('uses an idempotent producer and sends key = aggregate id with acks -1 and the event id header', async () => {
    const calls: { producerConfig?: unknown; sent: unknown[]; connected: number; disconnected: number } = { sent: [], connected: 0, disconnected: 0 };
    const fakeKafka = {
      producer(config: unknown) {
        calls.producerConfig = config;
        return {
          async connect() {
            calls.connected++;
          },
          async send(record: unknown) {
            calls.sent.push(record);
            return [{ topicName: 'orders', partition: 0, errorCode: 0 }];
          },
          async disconnect() {
            calls.disconnected++;
          },
        };
      },
    };
    const publisher = await mod.KafkaPublisher.connect({ brokers: ['127.0.0.1:9092'], clientId: 'relay', topic: 'orders' }, fakeKafka);
    expect(calls.producerConfig).toEqual({ idempotent: true, maxInFlightRequests: 1 });
    expect(calls.connected).toBe(1);
    await expect(publisher.publish(MESSAGE)).resolves.toBe('published');
    expect(calls.sent).toEqual([
      {
        topic: 'orders',
        acks: -1,
        messages: [{ key: 'order-42', value: MESSAGE.payload, headers: IDENTITY, timestamp: String(MESSAGE.createdAt.getTime()) }],
      },
    ]);
    await publisher.close();
    expect(calls.disconnected).toBe(1);
  });

  it('rejects when the broker rejects, so the relay retries', async () => {
    const fakeKafka = {
      producer: () => ({
        connect: async () => undefined,
        send: async () => {
          throw new Error('NOT_ENOUGH_REPLICAS');
        },
        disconnect: async () => undefined,
      }),
    };
    const publisher = await mod.KafkaPublisher.connect({ brokers: ['x:1'], clientId: 'relay', topic: 'orders' }, fakeKafka);
    await expect(publisher.publish(MESSAGE)).rejects.toThrow('NOT_ENOUGH_REPLICAS');
  });
});

describe('SQS FIFO publisher (@aws-sdk/client-sqs v3)', () => {
  type SqsModule = { SqsFifoPublisher: new (client: unknown, queueUrl: string) => { publish(m: Message): Promise<string>; close(): Promise<void> } };
  let mod: SqsModule;
  beforeAll(async () => {
    mod = await publisherModule<SqsModule>('sqs');
  });
  const FIFO = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders.fifo';

  it('sends MessageDeduplicationId = event id and MessageGroupId = aggregate id', async () => {
    const sent: unknown[] = [];
    let destroyed = 0;
    const client = {
      async send(command: unknown) {
        sent.push(command);
        return { MessageId: 'm-1', SequenceNumber: '1' };
      },
      destroy() {
        destroyed++;
      },
    };
    const publisher = new mod.SqsFifoPublisher(client, FIFO);
    await expect(publisher.publish(MESSAGE)).resolves.toBe('published');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toBeInstanceOf(SendMessageCommand);
    expect((sent[0] as SendMessageCommand).input).toEqual({
      QueueUrl: FIFO,
      MessageBody: MESSAGE.payload,
      MessageGroupId: 'order-42',
      MessageDeduplicationId: MESSAGE.id,
      MessageAttributes: Object.fromEntries(Object.entries(IDENTITY).map(([k, v]) => [k, { DataType: 'String', StringValue: v }])),
    });
    await publisher.close();
    expect(destroyed).toBe(1);
  });

  it('refuses a standard queue, which neither orders nor deduplicates', () => {
    expect(() => new mod.SqsFifoPublisher({ send: async () => ({}), destroy() {} }, 'https://sqs.eu-west-1.amazonaws.com/1/orders')).toThrow(/not a FIFO queue/);
  });

  it('fails clearly on an aggregate id SQS cannot take as MessageGroupId', async () => {
    const sent: unknown[] = [];
    const publisher = new mod.SqsFifoPublisher({ send: async (c: unknown) => sent.push(c), destroy() {} }, FIFO);
    await expect(publisher.publish({ ...MESSAGE, aggregateId: 'order 42' })).rejects.toThrow(/cannot be an SQS MessageGroupId/);
    await expect(publisher.publish({ ...MESSAGE, aggregateId: 'x'.repeat(129) })).rejects.toThrow(/cannot be an SQS MessageGroupId/);
    expect(sent).toEqual([]);
  });

  it('fails clearly instead of letting SQS reject more than 10 attributes', async () => {
    const publisher = new mod.SqsFifoPublisher({ send: async () => ({}), destroy() {} }, FIFO);
    const headers = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`h${i}`, 'v']));
    await expect(publisher.publish({ ...MESSAGE, headers })).rejects.toThrow(/SQS allows 10 message attributes/);
  });
});

describe('Pub/Sub publisher (@google-cloud/pubsub)', () => {
  type PubSubModule = { PubSubPublisher: new (client: unknown, topic: string) => { publish(m: Message): Promise<string>; close(): Promise<void> } };
  let mod: PubSubModule;
  beforeAll(async () => {
    mod = await publisherModule<PubSubModule>('pubsub');
  });

  function fakeClient(fail = false) {
    const calls = { topic: [] as unknown[], published: [] as Array<Record<string, unknown>>, resumed: [] as string[], flushed: 0, closed: 0 };
    const client = {
      topic(name: string, options: unknown) {
        calls.topic.push([name, options]);
        return {
          async publishMessage(message: Record<string, unknown>) {
            calls.published.push(message);
            if (fail) throw new Error('DEADLINE_EXCEEDED');
            return 'server-assigned-id';
          },
          resumePublishing(orderingKey: string) {
            calls.resumed.push(orderingKey);
          },
          async flush() {
            calls.flushed++;
          },
        };
      },
      async close() {
        calls.closed++;
      },
    };
    return { client, calls };
  }

  it('enables message ordering and sends orderingKey = aggregate id with the event id attribute (no idempotency key exists)', async () => {
    const { client, calls } = fakeClient();
    const publisher = new mod.PubSubPublisher(client, 'orders');
    expect(calls.topic).toEqual([['orders', { messageOrdering: true }]]);
    await expect(publisher.publish(MESSAGE)).resolves.toBe('published');
    expect(calls.published).toHaveLength(1);
    const sent = calls.published[0];
    expect(Object.keys(sent).sort()).toEqual(['attributes', 'data', 'orderingKey']);
    expect(sent.orderingKey).toBe('order-42');
    expect(sent.attributes).toEqual(IDENTITY);
    expect((sent.data as Buffer).toString()).toBe(MESSAGE.payload);
    await publisher.close();
    expect(calls).toMatchObject({ flushed: 1, closed: 1 });
  });

  it('resumes the paused ordering key after a failure, so the retry can publish', async () => {
    const { client, calls } = fakeClient(true);
    const publisher = new mod.PubSubPublisher(client, 'orders');
    await expect(publisher.publish(MESSAGE)).rejects.toThrow('DEADLINE_EXCEEDED');
    expect(calls.resumed).toEqual(['order-42']);
  });
});
