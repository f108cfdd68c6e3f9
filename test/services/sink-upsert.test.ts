/**
 * What can be proven of `eos scaffold sink` without a Kafka Connect cluster: the statements the
 * connector issues for the generated config (sink-statements.ts, rebuilt from each connector's
 * dialect), run against real PostgreSQL and MariaDB on the generated table, are idempotent under
 * replay. A topic's records are applied once; then the sink "crashes" and re-applies them from an
 * earlier offset (several offsets, and from the start): the table must equal the first pass's, and
 * that one must equal the state the records describe. The control: `insert.mode=insert`, the
 * connector's default, cannot replay (duplicate key with the primary key, doubled rows without it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createPool, type Pool as MySqlPool, type RowDataPacket } from 'mysql2/promise';
import { Pool as PgPool } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject, removeProject, uniqueName } from '../scaffold/outbox-harness';
import { scaffold } from '../scaffold/helpers';
import { requireService, SERVICES } from './require-service';
import { numberedPlaceholders, readSinkConfig, sinkStatements, type Connector, type Dialect, type SinkConfig } from './sink-statements';

/** The value columns a user adds to the generated table (as its migration says to). */
const VALUE_COLUMNS = ['status', 'total'] as const;
const ADD_VALUE_COLUMNS = 'ADD COLUMN status varchar(32), ADD COLUMN total decimal(12, 2)';

interface TopicRecord {
  readonly key: readonly string[];
  /** null: a tombstone. */
  readonly value: { status: string; total: string } | null;
}

/** A deterministic topic: updates of a few keys, with tombstones and re-creations when deletes are on. */
function topicRecords(keyWidth: number, deletes: boolean): TopicRecord[] {
  const records: TopicRecord[] = [];
  for (let n = 0; n < 80; n++) {
    const k = (n * 7) % 13;
    const key = keyWidth === 1 ? [`k${k}`] : [`t${k % 3}`, `k${k}`];
    const tombstone = deletes && n % 9 === 4;
    records.push({ key, value: tombstone ? null : { status: ['new', 'paid', 'shipped'][n % 3], total: `${(n * 3.25).toFixed(2)}` } });
  }
  return records;
}

/** The table the records describe: last write per key wins, a tombstone removes the row. */
function expectedRows(records: readonly TopicRecord[]): string[] {
  const rows = new Map<string, string>();
  for (const r of records) {
    const id = r.key.join('/');
    if (r.value === null) rows.delete(id);
    else rows.set(id, `${id}|${r.value.status}|${r.value.total}`);
  }
  return [...rows.values()].sort();
}

interface Db {
  exec(sql: string, params?: unknown[]): Promise<void>;
  rows(table: string, keys: readonly string[]): Promise<string[]>;
  /** The driver's code of a duplicate-key error. */
  readonly duplicateKey: string;
  close(): Promise<void>;
}

async function openDb(dialect: Dialect): Promise<Db> {
  if (dialect === 'postgres') {
    const pool = new PgPool({ connectionString: SERVICES.postgres.url });
    return {
      duplicateKey: '23505',
      async exec(sql, params = []) {
        await pool.query(numberedPlaceholders(sql), params);
      },
      async rows(table, keys) {
        const { rows } = await pool.query(`SELECT ${keys.map((k) => `"${k}"`).join(', ')}, status, total::text AS total FROM "${table}"`);
        return rows.map((r: { [column: string]: string }) => `${keys.map((k) => r[k]).join('/')}|${r.status}|${r.total}`).sort();
      },
      close: () => pool.end(),
    };
  }
  const pool: MySqlPool = createPool({ uri: SERVICES.mariadb.url, multipleStatements: true });
  return {
    duplicateKey: 'ER_DUP_ENTRY',
    async exec(sql, params = []) {
      await pool.query(sql, params);
    },
    async rows(table, keys) {
      const [rows] = await pool.query<RowDataPacket[]>(`SELECT ${keys.map((k) => `\`${k}\``).join(', ')}, status, CAST(total AS CHAR) AS total FROM \`${table}\``);
      return rows.map((r) => `${keys.map((k) => String(r[k])).join('/')}|${String(r.status)}|${String(r.total)}`).sort();
    },
    close: () => pool.end(),
  };
}

/** Applies records in offset order, one statement each, as the sink does. */
async function apply(db: Db, config: SinkConfig, dialect: Dialect, records: readonly TopicRecord[]): Promise<void> {
  const statements = sinkStatements(config, dialect, VALUE_COLUMNS);
  for (const r of records) {
    if (r.value === null) {
      if (!statements.delete) throw new Error('a tombstone without delete.enabled');
      await db.exec(statements.delete, [...r.key]);
    } else {
      await db.exec(statements.write, [...r.key, r.value.status, r.value.total]);
    }
  }
}

const CASES: ReadonlyArray<{ label: string; key: string; keySource: 'record_key' | 'record_value'; deletes: boolean }> = [
  { label: 'key id from the record key, deletes on tombstones', key: 'id', keySource: 'record_key', deletes: true },
  { label: 'composite key from the record value', key: 'tenant_id,id', keySource: 'record_value', deletes: false },
];

const DIALECTS: ReadonlyArray<[Dialect, 'postgres' | 'mysql', 'postgres' | 'mariadb']> = [
  ['postgres', 'postgres', 'postgres'],
  ['mariadb', 'mysql', 'mariadb'],
];

for (const [dialect, store, service] of DIALECTS) {
  const available = await requireService(service);

  describe.skipIf(!available)(`JDBC sink upsert replayed on ${dialect}`, () => {
    const cleanup: Array<() => Promise<void>> = [];
    afterAll(async () => {
      for (const step of cleanup.reverse()) await step().catch(() => undefined);
    });

    for (const connector of ['confluent', 'debezium'] as const satisfies readonly Connector[]) {
      for (const c of CASES) {
        it(`${connector}, ${c.label}: replays leave the same table`, async () => {
          const table = uniqueName('sink').toLowerCase();
          const dir = makeProject(`sink-${connector}-${store}`);
          cleanup.push(async () => removeProject(dir));
          await scaffold(dir, 'sink', { connector, store, topic: `${table}.events`, table, key: c.key, keySource: c.keySource, deletes: c.deletes, out: 'connect' });
          const config = readSinkConfig(JSON.parse(fs.readFileSync(path.join(dir, 'connect', `${table}-sink-connector.json`), 'utf8')) as { config: Record<string, string> });
          expect(config).toMatchObject({ table, insertMode: 'upsert', keyColumns: c.key.split(','), deleteEnabled: c.deletes });
          const db = await openDb(dialect);
          cleanup.push(() => db.close());
          cleanup.push(() => db.exec(`DROP TABLE IF EXISTS ${dialect === 'postgres' ? `"${table}", "${table}_nopk"` : `\`${table}\`, \`${table}_nopk\``}`));
          await db.exec(fs.readFileSync(path.join(dir, 'connect', 'migrations', `${table}.sql`), 'utf8'));
          await db.exec(`ALTER TABLE ${dialect === 'postgres' ? `"${table}"` : `\`${table}\``} ${ADD_VALUE_COLUMNS}`);

          const records = topicRecords(config.keyColumns.length, c.deletes);
          await apply(db, config, dialect, records);
          const first = await db.rows(table, config.keyColumns);
          expect(first).toEqual(expectedRows(records));
          expect(first.length).toBeGreaterThan(5);
          // Redelivery after a crash: everything after the last committed offset is written again.
          for (const committed of [0, 20, 47, records.length - 1]) {
            await apply(db, config, dialect, records.slice(committed));
            expect(await db.rows(table, config.keyColumns), `replay from offset ${committed}`).toEqual(first);
          }

          // The control: insert.mode=insert, the default, cannot be replayed.
          const insertOnly: SinkConfig = { ...config, insertMode: 'insert', deleteEnabled: false };
          const creations = records.filter((r) => r.value !== null).slice(0, 5);
          await db.exec(`DELETE FROM ${dialect === 'postgres' ? `"${table}"` : `\`${table}\``}`);
          const unique = creations.filter((r, i) => creations.findIndex((o) => o.key.join('/') === r.key.join('/')) === i);
          await apply(db, insertOnly, dialect, unique);
          const replayed = await apply(db, insertOnly, dialect, unique).then(
            () => 'accepted',
            (error: { code?: string }) => error.code,
          );
          expect(replayed, 'a replayed insert with a primary key').toBe(db.duplicateKey);
          const noKey = { ...insertOnly, table: `${table}_nopk` };
          await db.exec(
            dialect === 'postgres'
              ? `CREATE TABLE "${table}_nopk" AS SELECT * FROM "${table}" WHERE false`
              : `CREATE TABLE \`${table}_nopk\` AS SELECT * FROM \`${table}\` WHERE false`,
          );
          await apply(db, noKey, dialect, unique);
          await apply(db, noKey, dialect, unique);
          expect((await db.rows(`${table}_nopk`, config.keyColumns)).length, 'a replayed insert without a primary key').toBe(2 * unique.length);
        }, 60_000);
      }
    }
  });
}
