/**
 * The generated `processOnce` (TypeScript variant, imported as written into a user's project)
 * under load on every store: many message ids, each delivered many times with all copies in
 * flight at once. Outcomes are counted: exactly one 'processed' per id, every other copy a
 * 'duplicate' (or, on Redis, told to retry while the claim is held), and the work's own effect
 * applied exactly once per id. Also: failed work leaves nothing behind, and retention deletes
 * only expired rows, page by page.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { createConnection, createPool, type RowDataPacket } from 'mysql2/promise';
import { Pool } from 'pg';
import { makeProject, scaffold } from '../scaffold/helpers';
import { requireService, SERVICES } from './require-service';

const IDS = 10;
const COPIES = 20;

type Outcome = { status: 'processed' | 'duplicate' } | { status: 'retry' };

/** Renders the dedup template for a store and imports the generated module. */
async function generated(store: string): Promise<{ dir: string; mod: Record<string, any> }> {
  const dir = makeProject(`services-dedup-${store}`);
  await scaffold(dir, 'dedup', { store, out: 'src/eos', language: 'ts', table: 'eos_load_processed' });
  return { dir, mod: await import(path.join(dir, 'src/eos/dedup.ts')) };
}

/** Delivers COPIES copies of IDS messages, all in flight at once; tallies outcomes. */
async function deliverAll(deliver: (id: string) => Promise<Outcome>): Promise<{ ids: string[]; processed: number; duplicate: number; retry: number }> {
  const ids = Array.from({ length: IDS }, () => randomUUID());
  const outcomes = await Promise.all(ids.flatMap((id) => Array.from({ length: COPIES }, () => deliver(id))));
  const count = (s: string): number => outcomes.filter((o) => o.status === s).length;
  return { ids, processed: count('processed'), duplicate: count('duplicate'), retry: count('retry') };
}

const hasPostgres = await requireService('postgres');
const hasMariadb = await requireService('mariadb');
const hasRedis = await requireService('redis');

describe.skipIf(!hasPostgres)('generated dedup on PostgreSQL', () => {
  it(`${IDS} ids × ${COPIES} concurrent copies: one processed per id, the rest duplicates, effects once`, async () => {
    const { dir, mod } = await generated('postgres');
    const pool = new Pool({ connectionString: SERVICES.postgres.url, max: 16 });
    try {
      await pool.query(fs.readFileSync(path.join(dir, 'src/eos/migrations/eos_load_processed.sql'), 'utf8'));
      await pool.query('CREATE TABLE IF NOT EXISTS eos_load_effects (message_id text NOT NULL)');
      const dedup = new mod.Dedup(pool);
      const consumer = `load-${randomUUID()}`;
      const tally = await deliverAll((id) => dedup.processOnce(consumer, id, (tx: Pool) => tx.query('INSERT INTO eos_load_effects VALUES ($1)', [id])));
      expect(tally).toMatchObject({ processed: IDS, duplicate: IDS * (COPIES - 1), retry: 0 });
      const { rows } = await pool.query('SELECT message_id, count(*)::int AS n FROM eos_load_effects WHERE message_id = ANY($1) GROUP BY message_id', [tally.ids]);
      expect(rows.map((r: { n: number }) => r.n)).toEqual(tally.ids.map(() => 1));

      // Failed work: the dedup row rolls back with the effect.
      const failed = randomUUID();
      await expect(dedup.processOnce(consumer, failed, async (tx: Pool) => {
        await tx.query('INSERT INTO eos_load_effects VALUES ($1)', [failed]);
        throw new Error('boom');
      })).rejects.toThrow('boom');
      expect((await pool.query('SELECT count(*)::int AS n FROM eos_load_effects WHERE message_id = $1', [failed])).rows[0].n).toBe(0);
      expect((await dedup.processOnce(consumer, failed, async () => undefined)).status).toBe('processed');

      // Retention: age this consumer's rows, keep a fresh one, purge.
      await pool.query(`UPDATE eos_load_processed SET processed_at = now() - interval '30 days' WHERE consumer = $1 AND message_id <> $2`, [consumer, failed]);
      const deleted = await dedup.purgeExpired();
      expect(deleted).toBeGreaterThanOrEqual(IDS);
      expect((await pool.query('SELECT count(*)::int AS n FROM eos_load_processed WHERE consumer = $1', [consumer])).rows[0].n).toBe(1);
    } finally {
      await pool.end();
    }
  });
});

describe.skipIf(!hasMariadb)('generated dedup on MariaDB', () => {
  it(`${IDS} ids × ${COPIES} concurrent copies: one processed per id, the rest duplicates, effects once`, async () => {
    const { dir, mod } = await generated('mysql');
    const setup = await createConnection({ uri: SERVICES.mariadb.url, multipleStatements: true });
    await setup.query(fs.readFileSync(path.join(dir, 'src/eos/migrations/eos_load_processed.sql'), 'utf8'));
    await setup.query('CREATE TABLE IF NOT EXISTS eos_load_effects (message_id VARCHAR(64) NOT NULL) ENGINE = InnoDB');
    await setup.end();
    const pool = createPool({ uri: SERVICES.mariadb.url, connectionLimit: 16 });
    try {
      const dedup = new mod.Dedup(pool);
      const consumer = `load-${randomUUID()}`;
      const tally = await deliverAll((id) => dedup.processOnce(consumer, id, (tx: typeof pool) => tx.query('INSERT INTO eos_load_effects VALUES (?)', [id])));
      expect(tally).toMatchObject({ processed: IDS, duplicate: IDS * (COPIES - 1), retry: 0 });
      const [rows] = await pool.query<RowDataPacket[]>('SELECT message_id, COUNT(*) AS n FROM eos_load_effects WHERE message_id IN (?) GROUP BY message_id', [tally.ids]);
      expect(rows.map((r) => Number(r.n))).toEqual(tally.ids.map(() => 1));
      // Case matters for message ids (utf8mb4_bin): 'A1' and 'a1' are different messages.
      expect((await dedup.processOnce(consumer, 'Case-A1', async () => undefined)).status).toBe('processed');
      expect((await dedup.processOnce(consumer, 'case-a1', async () => undefined)).status).toBe('processed');
      await pool.query('UPDATE eos_load_processed SET processed_at = NOW(3) - INTERVAL 30 DAY WHERE consumer = ? AND message_id <> ?', [consumer, 'case-a1']);
      expect(await dedup.purgeExpired()).toBeGreaterThanOrEqual(IDS + 1);
      const [left] = await pool.query<RowDataPacket[]>('SELECT message_id FROM eos_load_processed WHERE consumer = ?', [consumer]);
      expect(left.map((r) => r.message_id)).toEqual(['case-a1']);
    } finally {
      await pool.end();
    }
  });
});

describe.skipIf(!hasRedis)('generated dedup on Redis', () => {
  it(`${IDS} ids × ${COPIES} concurrent copies: the work runs once per id; copies are duplicates or told to retry`, async () => {
    const { mod } = await generated('redis');
    const redis = new Redis(SERVICES.redis.url);
    try {
      const dedup = new mod.Dedup(redis);
      const consumer = `load-${randomUUID()}`;
      const ran = new Map<string, number>();
      const tally = await deliverAll(async (id) => {
        try {
          return await dedup.processOnce(consumer, id, async () => {
            ran.set(id, (ran.get(id) ?? 0) + 1);
            await new Promise((r) => setTimeout(r, 20));
          });
        } catch (err) {
          if (err instanceof mod.ClaimedElsewhereError) return { status: 'retry' };
          throw err;
        }
      });
      expect(tally.processed).toBe(IDS);
      expect(tally.duplicate + tally.retry).toBe(IDS * (COPIES - 1));
      expect(tally.ids.map((id) => ran.get(id))).toEqual(tally.ids.map(() => 1));
      // The retried copies, delivered again after the work finished, are all duplicates.
      for (const id of tally.ids) expect((await dedup.processOnce(consumer, id, async () => undefined)).status).toBe('duplicate');
      // A failed attempt releases its claim: the next delivery runs the work.
      const failed = randomUUID();
      await expect(dedup.processOnce(consumer, failed, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      expect((await dedup.processOnce(consumer, failed, async () => undefined)).status).toBe('processed');
      expect(await redis.pttl(`eos_load_processed:${consumer}:${failed}`)).toBeGreaterThan(13 * 24 * 3600 * 1000);
    } finally {
      await redis.quit();
    }
  });
});

describe('generated dedup on SQLite (embedded, always runs)', () => {
  it(`${IDS} ids × ${COPIES} copies over two connections: one processed per id, effects once; retention pages`, async () => {
    const { dir, mod } = await generated('sqlite');
    const file = path.join(dir, 'load.db');
    const a = new Database(file, { timeout: 5_000 });
    const b = new Database(file, { timeout: 5_000 });
    try {
      a.pragma('journal_mode = WAL');
      a.exec(fs.readFileSync(path.join(dir, 'src/eos/migrations/eos_load_processed.sql'), 'utf8'));
      a.exec('CREATE TABLE effects (message_id TEXT NOT NULL)');
      const stores = [new mod.Dedup(a), new mod.Dedup(b)];
      let n = 0;
      const tally = await deliverAll(async (id) =>
        stores[n++ % 2].processOnce('load', id, (tx: Database.Database) => tx.prepare('INSERT INTO effects VALUES (?)').run(id)),
      );
      expect(tally).toMatchObject({ processed: IDS, duplicate: IDS * (COPIES - 1) });
      const counts = tally.ids.map((id) => (a.prepare('SELECT COUNT(*) AS n FROM effects WHERE message_id = ?').get(id) as { n: number }).n);
      expect(counts).toEqual(tally.ids.map(() => 1));
      // Retention: 2 500 expired rows go in pages of CLEANUP_PAGE_SIZE; the fresh ones stay.
      const insert = a.prepare('INSERT INTO eos_load_processed (consumer, message_id, processed_at) VALUES (?, ?, ?)');
      a.transaction(() => {
        for (let i = 0; i < 2_500; i++) insert.run('old', String(i), Date.now() - 30 * 24 * 3600 * 1000);
      })();
      expect(stores[0].purgeExpired()).toBe(2_500);
      expect((a.prepare('SELECT COUNT(*) AS n FROM eos_load_processed').get() as { n: number }).n).toBe(IDS);
    } finally {
      a.close();
      b.close();
    }
  });
});
