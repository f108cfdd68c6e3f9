// A JetStream client obtained through the wrapper: syntax sees only a value from './broker'.
import { jetstreamClient } from './broker';

export async function orderCreated(orderId: string): Promise<void> {
  const js = await jetstreamClient();
  // todo-expect: publish-without-dedup-id
  await js.publish('orders.created', new TextEncoder().encode(orderId));
}
