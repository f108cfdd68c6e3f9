import amqp from 'amqplib';
import { pool } from '../lib/db';

interface PaymentRequested {
  orderId: string;
  customerId: string;
  amountCents: number;
}

/**
 * Charges the customer for each PaymentRequested message.
 */
export async function startPaymentConsumer(url: string): Promise<void> {
  const connection = await amqp.connect(url);
  const channel = await connection.createChannel();
  await channel.assertQueue('payments.requested', { durable: true });
  await channel.prefetch(10);

  await channel.consume('payments.requested', async (msg) => {
    if (!msg) return;
    // Acknowledge early so the broker does not redeliver while we talk to the provider.
    channel.ack(msg);
    const request = JSON.parse(msg.content.toString()) as PaymentRequested;
    const result = await fetch('https://payments.example.com/v1/charges', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customer: request.customerId, amount: request.amountCents }),
    });
    const charge = (await result.json()) as { id: string };
    await pool.query('INSERT INTO payments (order_id, charge_id, amount_cents) VALUES ($1, $2, $3)', [
      request.orderId,
      charge.id,
      request.amountCents,
    ]);
  });
}
