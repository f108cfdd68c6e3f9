// A confirm channel obtained through a helper function: both modes follow the helper's return.
import { openConfirmChannel } from './broker';

export async function publishInvoice(invoice: { id: string }): Promise<void> {
  const channel = await openConfirmChannel();
  // expect: publish-without-dedup-id
  channel.publish('billing', 'invoice.created', Buffer.from(JSON.stringify(invoice)), { persistent: true });
  await channel.waitForConfirms();
}
