import type { Broker } from '../types';
import type { FileFacts } from './file-facts';

/** Client libraries by broker, as they appear in import specifiers. */
const LIBRARIES: ReadonlyArray<{ broker: Broker; test: RegExp }> = [
  { broker: 'rabbitmq', test: /^(amqplib(\/.*)?|amqp-connection-manager|@golevelup\/nestjs-rabbitmq|rascal)$/ },
  { broker: 'kafka', test: /^(kafkajs|@confluentinc\/kafka-javascript|node-rdkafka)$/ },
  { broker: 'sqs', test: /^(@aws-sdk\/client-sqs|aws-sdk(\/clients\/sqs)?|sqs-consumer|sqs-producer)$/ },
  { broker: 'pubsub', test: /^@google-cloud\/pubsub$/ },
  { broker: 'nats', test: /^(nats|@nats-io\/.+)$/ },
  { broker: 'bullmq', test: /^(bullmq|bull)$/ },
];

/** How messages name each broker, with the client library in parentheses where it matters. */
export const BROKER_LABEL: Readonly<Record<Broker, string>> = {
  rabbitmq: 'RabbitMQ',
  kafka: 'Kafka',
  sqs: 'SQS',
  pubsub: 'Pub/Sub',
  nats: 'NATS JetStream',
  bullmq: 'BullMQ',
  'redis-streams': 'Redis streams',
  temporal: 'Temporal',
};

/** The broker a module specifier belongs to, if any. */
export function brokerOfModule(module: string): Broker | undefined {
  return LIBRARIES.find((l) => l.test.test(module))?.broker;
}

/** Brokers whose client libraries the file imports, in import order, without repeats. */
export function brokersImported(facts: FileFacts): Broker[] {
  return facts.memo('broker-libraries:imported', () => {
    const out: Broker[] = [];
    for (const b of facts.imports) {
      const broker = brokerOfModule(b.module);
      if (broker && !out.includes(broker)) out.push(broker);
    }
    // NestJS microservices name the transport in the options, not in an import.
    if (out.length === 0 && facts.importsModule((m) => m === '@nestjs/microservices')) {
      const text = facts.sourceFile.text;
      if (/Transport\.RMQ|RmqContext/.test(text)) out.push('rabbitmq');
      if (/Transport\.KAFKA|KafkaContext/.test(text)) out.push('kafka');
      if (/Transport\.NATS|NatsContext/.test(text)) out.push('nats');
    }
    return out;
  });
}

/** "RabbitMQ", "Kafka or SQS", or a neutral "the broker" when the file imports none. */
export function brokerPhrase(brokers: readonly Broker[]): string {
  if (brokers.length === 0) return 'the broker';
  const labels = brokers.map((b) => BROKER_LABEL[b]);
  return labels.length === 1 ? labels[0] : `${labels.slice(0, -1).join(', ')} or ${labels[labels.length - 1]}`;
}
