// The service's broker module: every client object leaves this file through a wrapper function,
// so the files that use them import nothing from a broker library.
import * as amqp from 'amqplib';
import { PubSub } from '@google-cloud/pubsub';
import { Kafka } from 'kafkajs';
import { connect, type JetStreamClient } from 'nats';

const kafka = new Kafka({ clientId: 'orders', brokers: ['localhost:9092'] });
const pubsub = new PubSub();

export async function openConfirmChannel() {
  const connection = await amqp.connect('amqp://localhost');
  return connection.createConfirmChannel();
}

export function makeConsumer(groupId: string) {
  return kafka.consumer({ groupId });
}

export function topicNamed(name: string) {
  return pubsub.topic(name);
}

export async function jetstreamClient() {
  const nc = await connect({ servers: 'localhost:4222' });
  return nc.jetstream();
}

/** Connections the service opens once and hands around as an object. */
export class Broker {
  confirmChannel!: amqp.ConfirmChannel;
  jetstream!: JetStreamClient;

  async open(): Promise<void> {
    const connection = await amqp.connect('amqp://localhost');
    this.confirmChannel = await connection.createConfirmChannel();
    this.jetstream = (await connect()).jetstream();
  }
}
