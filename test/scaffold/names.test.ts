/**
 * Names given to the scaffold (issue 12, smaller items): a queue, topic, subscription or stream
 * name is checked against the chosen broker's own rules (dotted names are the norm on several),
 * still refusing anything that could break out of generated code or SQL; a bad answer is quoted
 * back, but never a 10,000-character one whole.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectProject, loadTemplate, planScaffold, resolveAnswers, ScaffoldError } from '@eos/analyzer';

let root: string;
beforeEach(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'eos-scaffold-names-')));
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'svc' }));
  fs.writeFileSync(path.join(root, 'tsconfig.json'), '{}');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const consumer = (given: Record<string, unknown>) => resolveAnswers(loadTemplate('consumer'), { given: { out: 'src/c', store: 'sqlite', ...given }, project: detectProject(root), yes: true });

/** The ScaffoldError message of a rejected answer set, or 'ok'. */
async function verdict(given: Record<string, unknown>): Promise<string> {
  try {
    await consumer(given);
    return 'ok';
  } catch (e) {
    if (e instanceof ScaffoldError) return e.message;
    throw e;
  }
}

describe('--queue names, per broker', () => {
  it.each([
    ['kafka', 'orders.created'],
    ['kafka', 'Orders.Created_v2-eu'],
    ['kafka', 'a'.repeat(246)],
    ['rabbitmq', 'orders.created'],
    ['rabbitmq', 'billing.invoice-paid_v2'],
    ['pubsub', 'orders.created'],
    ['pubsub', 'orders~v1+eu%2'],
    ['sqs', 'orders-created'],
    ['sqs', 'orders.fifo'],
    ['nats', 'ORDERS'],
    ['nats', 'orders_created-v2'],
  ])('issue 12 (smaller): --broker %s accepts --queue %s', async (broker, queue) => {
    expect(await verdict({ broker, queue })).toBe('ok');
  });

  it.each([
    ['kafka', '..', /not a valid Kafka topic name: '\.' and '\.\.' cannot name a topic/],
    ['kafka', 'a'.repeat(247), /at most 246 characters/],
    ['sqs', 'orders.created', /not a valid SQS queue name: letters, digits, '_' and '-'.*\.fifo/],
    ['sqs', 'a'.repeat(81), /at most 80 characters/],
    ['rabbitmq', 'amq.orders', /names starting with amq\. are reserved by RabbitMQ/],
    ['pubsub', 'goog-orders', /names starting with goog are reserved/],
    ['pubsub', '1orders', /not a valid Pub\/Sub subscription name: a letter first/],
    ['pubsub', 'ab', /3 to 246 characters/],
    ['nats', 'orders.created', /not a valid NATS stream name: letters, digits, '_' and '-'.*no '\.'/],
    ['nats', 'orders*', /not a valid NATS stream name/],
    ['nats', 'orders/eu', /not a valid NATS stream name/],
  ])('issue 12 (smaller): --broker %s refuses --queue %s with the broker\'s rule', async (broker, queue, why) => {
    const message = await verdict({ broker, queue });
    expect(message).toMatch(/^--queue /);
    expect(message).toMatch(why);
  });

  it.each(["x'; DROP TABLE t; --", 'a\nb', 'a`b', '${x}', 'a\\b', 'a"b', "a'b", 'a b', 'a\u2028b', ''])(
    'issue 12 (smaller): --queue %j, which could break out of generated code or SQL, is refused on every broker',
    async (queue) => {
      for (const broker of ['kafka', 'sqs', 'rabbitmq', 'pubsub', 'nats']) expect(await verdict({ broker, queue })).toMatch(/^--queue /);
    },
  );

  it('issue 12 (smaller): before the broker is known (detected later), a name no broker takes is refused and one some broker takes is kept for the broker check', async () => {
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'svc', dependencies: { nats: '^2' } }));
    expect(await verdict({ queue: 'orders created' })).toMatch(/^--queue "orders created": not a valid name on any broker/);
    // nats detected from the dependencies: the dotted name then fails the NATS rule.
    expect(await verdict({ queue: 'orders.created' })).toMatch(/not a valid NATS stream name/);
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'svc', dependencies: { kafkajs: '^2' } }));
    expect(await verdict({ queue: 'orders.created' })).toBe('ok');
  });

  it('issue 12 (smaller): a dotted Kafka topic reaches the generated code as a plain string literal', async () => {
    const template = loadTemplate('consumer');
    const project = detectProject(root);
    const answers = await consumer({ broker: 'kafka', queue: 'orders.created' });
    const plan = planScaffold(template, answers, project);
    const code = plan.files.find((f) => f.path.endsWith('consumer.ts'))!.content;
    expect(code).toContain("export const TOPIC = 'orders.created';");
    expect(code).toContain("export const CONSUMER_NAME = 'orders.created-consumer';");
  });
});

describe('answers quoted back', () => {
  it('issue 12 (smaller): a 10,000-character --table is not echoed whole in the error', async () => {
    const message = await verdict({ broker: 'kafka', queue: 'orders', table: 'a'.repeat(10_000) });
    expect(message).toMatch(/^--table "a{20,40}…" \(10000 characters\): must be 1 to 40 characters$/);
  });
});
