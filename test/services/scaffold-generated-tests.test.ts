/**
 * The node:test tests that `eos scaffold dedup|consumer` writes into a user's project, run as the
 * user would (`node --test`, JavaScript/CommonJS variant) against the real stores: SQLite always,
 * PostgreSQL, MariaDB and Redis behind the shared service gate. They must pass, and none may skip:
 * a skipped generated test proves nothing.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { makeProject, scaffold } from '../scaffold/helpers';
import { requireService, SERVICES } from './require-service';

type Store = 'sqlite' | 'postgres' | 'mysql' | 'redis';

const available: Record<Store, boolean> = {
  sqlite: true,
  postgres: await requireService('postgres'),
  mysql: await requireService('mariadb'),
  redis: await requireService('redis'),
};

const ENV: Record<Store, Record<string, string>> = {
  sqlite: {},
  postgres: { EOS_TEST_DATABASE_URL: SERVICES.postgres.url },
  mysql: { EOS_TEST_DATABASE_URL: SERVICES.mariadb.url },
  redis: { EOS_TEST_REDIS_URL: SERVICES.redis.url },
};

interface TestRun {
  pass: number;
  fail: number;
  skipped: number;
  output: string;
}

/** Runs `node --test <file>` in the project and reads the TAP summary. */
function nodeTest(projectDir: string, file: string, store: Store): TestRun {
  const r = spawnSync(process.execPath, ['--test', file], {
    cwd: projectDir,
    env: { ...process.env, ...ENV[store] },
    encoding: 'utf8',
    timeout: 120_000,
  });
  const output = `${r.stdout}\n${r.stderr}`;
  const count = (name: string): number => Number(new RegExp(`^# ${name} (\\d+)`, 'm').exec(r.stdout)?.[1] ?? NaN);
  return { pass: count('pass'), fail: count('fail'), skipped: count('skipped'), output };
}

describe('generated dedup tests pass against the real store', () => {
  for (const store of ['sqlite', 'postgres', 'mysql', 'redis'] as const) {
    it.skipIf(!available[store])(store, async () => {
      const dir = makeProject(`generated-dedup-${store}`, { typescript: false });
      await scaffold(dir, 'dedup', { store, out: 'src/eos', module: 'cjs' });
      const run = nodeTest(dir, 'src/eos/dedup.test.js', store);
      expect(run, run.output).toMatchObject({ pass: 3, fail: 0, skipped: 0 });
    });
  }
});

describe('generated consumer tests pass against the real store', () => {
  const COMBINATIONS: ReadonlyArray<readonly [string, Store, number]> = [
    ['kafka', 'sqlite', 4],
    ['sqs', 'sqlite', 4],
    ['rabbitmq', 'sqlite', 4],
    ['pubsub', 'sqlite', 3],
    ['nats', 'sqlite', 3],
    ['rabbitmq', 'postgres', 4],
    ['kafka', 'mysql', 4],
    ['sqs', 'redis', 4],
    ['nats', 'postgres', 3],
    ['pubsub', 'mysql', 3],
  ];
  for (const [broker, store, tests] of COMBINATIONS) {
    it.skipIf(!available[store])(`${broker} × ${store}`, async () => {
      const dir = makeProject(`generated-consumer-${broker}-${store}`, { typescript: false, esm: broker === 'nats' });
      await scaffold(dir, 'consumer', { broker, store, queue: 'orders', out: 'src/consumers', module: broker === 'nats' ? 'esm' : 'cjs' });
      const run = nodeTest(dir, 'src/consumers/consumer.test.js', store);
      expect(run, run.output).toMatchObject({ pass: tests, fail: 0, skipped: 0 });
    });
  }
});
