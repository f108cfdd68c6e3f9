import { randomUUID } from 'node:crypto';
import { Kafka } from 'kafkajs';
import { pool } from '../lib/db';

const kafka = new Kafka({ clientId: 'orders-api', brokers: (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',') });
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });

export interface NewOrder {
  customerId: string;
  items: Array<{ sku: string; quantity: number }>;
  totalCents: number;
}

/**
 * POST /orders: stores the order and announces it.
 */
export async function createOrder(input: NewOrder): Promise<string> {
  const orderId = randomUUID();
  await pool.query('INSERT INTO orders (id, customer_id, items, total_cents) VALUES ($1, $2, $3, $4)', [
    orderId,
    input.customerId,
    JSON.stringify(input.items),
    input.totalCents,
  ]);
  await producer.send({
    topic: 'orders.created',
    messages: [{ key: orderId, value: JSON.stringify({ orderId, ...input }) }],
  });
  return orderId;
}
