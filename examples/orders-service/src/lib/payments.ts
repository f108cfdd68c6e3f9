/** A thin client of the payment provider's HTTP API. */
export async function chargeCard(customerId: string, amountCents: number): Promise<string> {
  const response = await fetch('https://payments.example.com/v1/charges', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customer: customerId, amount: amountCents, currency: 'eur' }),
  });
  if (!response.ok) throw new Error(`charge failed: ${response.status}`);
  const body = (await response.json()) as { id: string };
  return body.id;
}
