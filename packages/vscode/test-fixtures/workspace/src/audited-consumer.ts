// Never opened by the tests: its finding must come from `EOS: Audit workspace`.
import amqp from 'amqplib';
import { Pool } from 'pg';

const db = new Pool();

export async function startAudited(): Promise<void> {
  const connection = await amqp.connect('amqp://localhost');
  const channel = await connection.createChannel();
  await channel.consume('payments', async (msg) => {
    if (!msg) return;
    const payment = JSON.parse(msg.content.toString()) as { id: string };
    channel.ack(msg);
    await db.query('UPDATE payments SET settled = true WHERE id = $1', [payment.id]);
  });
}
