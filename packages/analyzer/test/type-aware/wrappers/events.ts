// A JetStream client obtained through a helper function: both modes follow the helper's return.
import { jetstreamClient } from './broker';

export async function orderCreated(orderId: string): Promise<void> {
  const js = await jetstreamClient();
  // expect: publish-without-dedup-id
  await js.publish('orders.created', new TextEncoder().encode(orderId));
}
