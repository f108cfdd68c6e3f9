import amqp from 'amqplib';
import { pool } from '../lib/db';

/**
 * Keeps the latest status of each order for the support dashboard. The write is an upsert keyed
 * by the order id, so a redelivery rewrites the same row; the ack comes after it.
 */
export async function startOrderStatusConsumer(url: string): Promise<void> {
  const connection = await amqp.connect(url);
  const channel = await connection.createChannel();
  await channel.assertQueue('orders.status', { durable: true });

  await channel.consume('orders.status', async (msg) => {
    if (!msg) return;
    try {
      const event = JSON.parse(msg.content.toString()) as { orderId: string; status: string };
      await pool.query(
        'INSERT INTO order_status (order_id, status) VALUES ($1, $2) ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status',
        [event.orderId, event.status],
      );
      channel.ack(msg);
    } catch (err) {
      // Redeliver once, then let the queue's dead-letter exchange take it.
      channel.nack(msg, false, !msg.fields.redelivered);
    }
  });
}
