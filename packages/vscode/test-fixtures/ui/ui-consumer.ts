import amqp from 'amqplib';
import { Pool } from 'pg';

const db = new Pool();

export async function start(): Promise<void> {
  const connection = await amqp.connect('amqp://localhost');
  const channel = await connection.createChannel();
  await channel.consume('orders', async (msg) => {
    if (!msg) return;
    const order = JSON.parse(msg.content.toString()) as { id: string; total: number };
    channel.ack(msg);
    await db.query('INSERT INTO orders (id, total) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [order.id, order.total]);
  });
}
