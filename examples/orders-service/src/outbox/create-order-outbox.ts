import { randomUUID } from 'node:crypto';
import { prisma } from '../lib/db';
import type { NewOrder } from '../api/create-order';

/**
 * POST /orders, done right: the order and the OrderCreated event are written in one transaction;
 * the outbox relay publishes the event afterwards (at least once, consumers dedup by event id).
 */
export async function createOrderWithOutbox(input: NewOrder): Promise<string> {
  const orderId = randomUUID();
  await prisma.$transaction(async (tx) => {
    await tx.order.create({ data: { id: orderId, customerId: input.customerId, totalCents: input.totalCents } });
    await tx.outbox.create({
      data: {
        id: randomUUID(),
        aggregateType: 'order',
        aggregateId: orderId,
        type: 'OrderCreated',
        payload: { orderId, ...input },
      },
    });
  });
  return orderId;
}
