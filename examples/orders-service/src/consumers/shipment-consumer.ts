import { Kafka } from 'kafkajs';
import { pool } from '../lib/db';

const kafka = new Kafka({ clientId: 'orders-service', brokers: (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',') });

/**
 * Books a shipment for each paid order.
 */
export async function startShipmentConsumer(): Promise<void> {
  const consumer = kafka.consumer({ groupId: 'shipments' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'orders.paid', fromBeginning: false });

  await consumer.run({
    eachMessage: async ({ message }) => {
      try {
        const order = JSON.parse(message.value?.toString() ?? '{}') as { orderId: string; address: string };
        await pool.query('INSERT INTO shipments (order_id, address) VALUES ($1, $2) ON CONFLICT (order_id) DO NOTHING', [
          order.orderId,
          order.address,
        ]);
      } catch (err) {
        console.error('shipment booking failed', err);
      }
    },
  });
}
