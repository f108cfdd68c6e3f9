import amqp from 'amqplib';
import Stripe from 'stripe';
import { pool } from '../lib/db';

const stripe = new Stripe(process.env.STRIPE_SECRET_KEY ?? '');

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
    const intent = await stripe.paymentIntents.create({
      amount: request.amountCents,
      currency: 'eur',
      customer: request.customerId,
      confirm: true,
    });
    await pool.query('UPDATE orders SET payment_intent = $1, status = $2 WHERE id = $3', [intent.id, 'paid', request.orderId]);
  });
}
