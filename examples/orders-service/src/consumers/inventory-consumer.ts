import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { pool } from '../lib/db';

const sqs = new SQSClient({});
const QUEUE_URL = process.env.INVENTORY_QUEUE_URL ?? 'https://sqs.eu-west-1.amazonaws.com/123456789012/inventory';
/** Name under which this consumer records the messages it has processed. */
const CONSUMER = 'inventory-reservations';

/**
 * Reserves stock for each order. The dedup row and the reservation commit in one transaction, so
 * a redelivered message finds its row and is skipped; the message is deleted only after COMMIT.
 */
export async function pollInventoryQueue(): Promise<void> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: QUEUE_URL, MaxNumberOfMessages: 10, WaitTimeSeconds: 20 }),
  );
  for (const message of Messages) {
    const order = JSON.parse(message.Body ?? '{}') as { orderId: string; sku: string; quantity: number };
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const claimed = await client.query(
        'INSERT INTO processed_messages (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [CONSUMER, message.MessageId],
      );
      if (claimed.rowCount === 1) {
        await client.query('UPDATE stock SET reserved = reserved + $1 WHERE sku = $2', [order.quantity, order.sku]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    } finally {
      client.release();
    }
    await sqs.send(new DeleteMessageCommand({ QueueUrl: QUEUE_URL, ReceiptHandle: message.ReceiptHandle }));
  }
}
