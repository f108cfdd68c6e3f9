/**
 * The node:test file that `eos scaffold saga` writes into the user's project must pass against the
 * store it was generated for: compiled and run with `node --test`, as a user would, on a database
 * of its own (PostgreSQL, MariaDB) or a temp file (SQLite). None of its tests may skip. It finds its
 * migrations beside itself (copied next to the compiled file, run from another folder: SQLite) or,
 * compiled to a folder without them, under the scaffold's folder from the project root (the servers).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProject, makeProject, removeProject, uniqueName, type Store } from '../scaffold/outbox-harness';
import { scaffold } from '../scaffold/helpers';
import { serviceOfStore } from './outbox-fixtures';
import { requireService } from './require-service';
import { openRoleDatabase, SAGA_OUT } from './saga-fixtures';

/** The generated file's tests: complete, refuse, redeliver, late reply, tombstone, two sweepers, retention. */
const GENERATED_TESTS = 7;

for (const store of ['sqlite', 'postgres', 'mysql'] as const satisfies readonly Store[]) {
  const service = serviceOfStore(store);
  const available = service ? await requireService(service) : true;

  describe.skipIf(!available)(`generated saga.test.ts on ${store}`, () => {
    it('passes with node --test', async () => {
      const dir = makeProject(`saga-user-test-${store}`);
      const name = uniqueName('sgt').toLowerCase();
      await scaffold(dir, 'saga', { store, broker: store === 'mysql' ? 'nats' : 'rabbitmq', name, out: SAGA_OUT, language: 'ts' });
      const dist = compileProject(dir);
      const db = store === 'sqlite' ? undefined : await openRoleDatabase(store, `${name}_t`, dir);
      // SQLite's run starts in an unrelated folder, so only migrations found beside the test will do.
      const elsewhere = store === 'sqlite';
      if (elsewhere) fs.cpSync(path.join(dir, SAGA_OUT, 'migrations'), path.join(dist, 'saga', 'migrations'), { recursive: true });
      try {
        const run = spawnSync(process.execPath, ['--test', path.join(dist, 'saga', 'saga.test.js')], {
          cwd: elsewhere ? os.tmpdir() : dir,
          env: { ...process.env, ...(db ? { EOS_TEST_DATABASE_URL: db.env.DATABASE_URL } : {}) },
          encoding: 'utf8',
          timeout: 120_000,
        });
        const report = `${run.stdout}\n${run.stderr}`;
        expect(run.status, report).toBe(0);
        expect(report).toMatch(new RegExp(`# pass ${GENERATED_TESTS}\\b`));
        expect(report).toMatch(/# fail 0\b/);
        expect(report).toMatch(/# skipped 0\b/);
      } finally {
        await db?.close();
        removeProject(dir);
      }
    }, 180_000);
  });
}
