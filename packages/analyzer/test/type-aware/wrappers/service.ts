// Clients reached as fields of a project object: syntax knows only that `broker` is a `Broker` from
// './broker'; the checker knows what its fields are.
import type { Broker } from './broker';

export class OrderService {
  constructor(private readonly broker: Broker) {}

  async placed(order: { id: string }): Promise<void> {
    // todo-expect: publish-without-dedup-id
    this.broker.confirmChannel.publish('orders', 'order.placed', Buffer.from(JSON.stringify(order)), { persistent: true });
    await this.broker.confirmChannel.waitForConfirms();
  }

  async shipped(orderId: string): Promise<void> {
    // todo-expect: publish-without-dedup-id
    await this.broker.jetstream.publish('orders.shipped', new TextEncoder().encode(orderId));
  }
}
