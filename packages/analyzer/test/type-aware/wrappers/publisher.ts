// A confirm channel obtained through the wrapper: only the checker knows what kind of channel it is.
import { openConfirmChannel } from './broker';

export async function publishInvoice(invoice: { id: string }): Promise<void> {
  const channel = await openConfirmChannel();
  // todo-expect: publish-without-dedup-id
  channel.publish('billing', 'invoice.created', Buffer.from(JSON.stringify(invoice)), { persistent: true });
  await channel.waitForConfirms();
}
