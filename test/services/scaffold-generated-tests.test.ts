/**
 * The node:test tests that `eos scaffold dedup|consumer` writes into a user's project, run as the
 * user would (`node --test`, JavaScript/CommonJS variant) against the real stores: SQLite always,
 * PostgreSQL, MariaDB and Redis behind the shared service gate. They must pass, and none may skip:
 * a skipped generated test proves nothing.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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

/** Drops tables a run created under a name of its own (PostgreSQL / MariaDB; SQLite files are temporary). */
async function dropTables(store: Store, tables: readonly string[]): Promise<void> {
  if (store === 'postgres') {
    const { Pool } = await import('pg');
    const pool = new Pool({ connectionString: SERVICES.postgres.url });
    await pool.query(`DROP TABLE IF EXISTS ${tables.map((t) => `"${t}"`).join(', ')}`);
    await pool.end();
  } else if (store === 'mysql') {
    const { createPool } = await import('mysql2/promise');
    const pool = createPool({ uri: SERVICES.mariadb.url });
    await pool.query(`DROP TABLE IF EXISTS ${tables.map((t) => `\`${t}\``).join(', ')}`);
    await pool.end();
  }
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
    for (const ordered of store === 'redis' ? [false] : [false, true]) {
      it.skipIf(!available[store])(`${store}${ordered ? ' --ordered' : ''}`, async () => {
        const dir = makeProject(`generated-dedup-${store}-${ordered}`, { typescript: false });
        // A table of its own: the ordered and unordered migrations differ.
        const table = `eos_gen_dedup_${ordered ? 'ord' : 'un'}_${randomBytes(3).toString('hex')}`;
        await scaffold(dir, 'dedup', { store, out: 'src/eos', module: 'cjs', ordered, table });
        try {
          const run = nodeTest(dir, 'src/eos/dedup.test.js', store);
          expect(run, run.output).toMatchObject({ pass: ordered ? 5 : 3, fail: 0, skipped: 0 });
        } finally {
          await dropTables(store, [table, `${table}_positions`]);
        }
      });
    }
  }
});

describe('generated consumer tests pass against the real store', () => {
  /** broker, store, --ordered, tests in the generated file. */
  const COMBINATIONS: ReadonlyArray<readonly [string, Store, boolean, number]> = [
    ['kafka', 'sqlite', false, 4],
    ['sqs', 'sqlite', false, 4],
    ['rabbitmq', 'sqlite', false, 4],
    ['pubsub', 'sqlite', false, 3],
    ['nats', 'sqlite', false, 3],
    ['rabbitmq', 'postgres', false, 4],
    ['kafka', 'mysql', false, 4],
    ['sqs', 'redis', false, 4],
    ['nats', 'postgres', false, 3],
    ['pubsub', 'mysql', false, 3],
    ['kafka', 'sqlite', true, 5],
    ['sqs', 'mysql', true, 6],
    ['rabbitmq', 'postgres', true, 5],
    ['pubsub', 'postgres', true, 5],
    ['nats', 'mysql', true, 4],
  ];
  for (const [broker, store, ordered, tests] of COMBINATIONS) {
    it.skipIf(!available[store])(`${broker} × ${store}${ordered ? ' --ordered' : ''}`, async () => {
      const dir = makeProject(`generated-consumer-${broker}-${store}-${ordered}`, { typescript: false, esm: broker === 'nats' });
      const table = `eos_gen_ord_${randomBytes(3).toString('hex')}`;
      await scaffold(dir, 'consumer', {
        broker,
        store,
        ordered,
        queue: 'orders',
        out: 'src/consumers',
        module: broker === 'nats' ? 'esm' : 'cjs',
        // Its own dedup table: ordered and unordered migrations differ.
        ...(ordered ? { table } : {}),
      });
      try {
        const run = nodeTest(dir, 'src/consumers/consumer.test.js', store);
        expect(run, run.output).toMatchObject({ pass: tests, fail: 0, skipped: 0 });
      } finally {
        if (ordered) await dropTables(store, [table, `${table}_positions`]);
      }
    });
  }
});
