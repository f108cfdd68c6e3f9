// A Pub/Sub topic obtained through the wrapper, published with the idempotency-key myth.
import { topicNamed } from './broker';

export async function announce(order: { id: string }): Promise<string> {
  return topicNamed('orders').publishMessage({
    json: order,
    // todo-expect: nonexistent-broker-option
    idempotencyKey: order.id,
  });
}
