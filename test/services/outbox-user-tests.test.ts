/**
 * The node:test file that `eos scaffold outbox` writes into the user's project must pass against
 * the store it was generated for: compiled and run with `node --test`, as a user would.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProject, makeProject, removeProject, scaffoldOutbox, uniqueName, type Store } from '../scaffold/outbox-harness';
import { serviceOfStore } from './outbox-fixtures';
import { requireService, SERVICES } from './require-service';

const TEST_DATABASE: Record<Store, string | undefined> = {
  postgres: SERVICES.postgres.url,
  mysql: SERVICES.mariadb.url,
  sqlite: undefined,
};

for (const store of ['postgres', 'mysql', 'sqlite'] as const) {
  const service = serviceOfStore(store);
  const available = service ? await requireService(service) : true;

  describe.skipIf(!available)(`generated outbox.test.ts on ${store}`, () => {
    it('passes with node --test', async () => {
      const dir = makeProject(`user-test-${store}`);
      const table = uniqueName('outbox_user').toLowerCase().slice(0, 40);
      await scaffoldOutbox(dir, { store, broker: 'rabbitmq', table });
      const dist = compileProject(dir);
      const url = TEST_DATABASE[store];
      const run = spawnSync(process.execPath, ['--test', path.join(dist, 'outbox', 'outbox.test.js')], {
        cwd: dir,
        env: { ...process.env, ...(url ? { OUTBOX_TEST_DATABASE_URL: url } : {}) },
        encoding: 'utf8',
        timeout: 60_000,
      });
      const report = `${run.stdout}\n${run.stderr}`;
      try {
        expect(run.status, report).toBe(0);
        // SQLite has one writer at a time, so its file has no concurrent-writers test.
        expect(report).toMatch(store === 'sqlite' ? /# pass 5\b/ : /# pass 6\b/);
        expect(report).toMatch(/# fail 0\b/);
        expect(report).toMatch(/# skipped 0/);
      } finally {
        if (url) await dropTable(store, url, table);
        removeProject(dir);
      }
    });
  });
}

async function dropTable(store: Store, url: string, table: string): Promise<void> {
  if (store === 'postgres') {
    const { Pool } = await import('pg');
    const pool = new Pool({ connectionString: url });
    await pool.query(`DROP TABLE IF EXISTS "${table}"`);
    await pool.end();
  } else {
    const { createPool } = await import('mysql2/promise');
    const pool = createPool({ uri: url });
    await pool.query(`DROP TABLE IF EXISTS \`${table}\`, \`${table}_aggregates\``);
    await pool.end();
  }
}
