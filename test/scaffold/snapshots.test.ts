/**
 * Golden output for representative answer sets: any change to a template shows up as a reviewed
 * diff of the files a user gets. Files end in .golden so no test runner mistakes a generated test for its own. Update with `npx vitest run test/scaffold/snapshots.test.ts -u`.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectProject, loadTemplate, planScaffold, resolveAnswers } from '@eos/analyzer';
import { makeProject } from './helpers';

const SETS: ReadonlyArray<{ name: string; template: string; esm?: boolean; given: Record<string, unknown> }> = [
  { name: 'dedup-postgres-ts', template: 'dedup', given: { store: 'postgres', language: 'ts' } },
  { name: 'dedup-redis-ts', template: 'dedup', given: { store: 'redis', table: 'inbox', language: 'ts' } },
  { name: 'dedup-mysql-js-cjs', template: 'dedup', given: { store: 'mysql', language: 'js', module: 'cjs' } },
  { name: 'consumer-rabbitmq-postgres-ts', template: 'consumer', given: { broker: 'rabbitmq', store: 'postgres', queue: 'orders', language: 'ts' } },
  { name: 'consumer-sqs-mysql-ts', template: 'consumer', given: { broker: 'sqs', store: 'mysql', queue: 'payments', language: 'ts' } },
  { name: 'consumer-kafka-redis-ts', template: 'consumer', given: { broker: 'kafka', store: 'redis', queue: 'order-events', language: 'ts' } },
  { name: 'consumer-pubsub-sqlite-ts', template: 'consumer', given: { broker: 'pubsub', store: 'sqlite', queue: 'orders-sub', language: 'ts' } },
  { name: 'consumer-nats-sqlite-js-esm', template: 'consumer', esm: true, given: { broker: 'nats', store: 'sqlite', queue: 'orders', language: 'js', module: 'esm' } },
  { name: 'saga-sqlite-nats-ts', template: 'saga', given: { store: 'sqlite', broker: 'nats', name: 'order_saga', steps: 'reserveStock,chargePayment,ship', language: 'ts' } },
  { name: 'sink-debezium-mysql', template: 'sink', given: { connector: 'debezium', store: 'mysql', topic: 'shop.orders', table: 'orders', key: 'id', deletes: true } },
];

describe('golden output', () => {
  for (const set of SETS) {
    it(set.name, async () => {
      const dir = makeProject(`snapshot-${set.name}`, { esm: set.esm });
      const spec = loadTemplate(set.template);
      const project = detectProject(dir);
      const answers = await resolveAnswers(spec, { given: { ...set.given, out: 'src/eos' }, project, yes: true });
      const plan = planScaffold(spec, answers, project);
      expect(plan.files.map((f) => f.path)).toMatchSnapshot();
      for (const file of plan.files) {
        await expect(file.content).toMatchFileSnapshot(path.join('__snapshots__', set.name, `${path.relative('src/eos', file.path)}.golden`));
      }
    });
  }
});
