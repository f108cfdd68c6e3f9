/**
 * `eos scaffold pipeline --ordered` under fire: 1,000 events over 50 aggregates, written by four
 * concurrent writers while the relay and the consumer processes are SIGKILLed and restarted every
 * 1–3 s for a bounded window, then drained. Counted, per store × broker (PostgreSQL, MariaDB,
 * SQLite × RabbitMQ, NATS JetStream): events lost (never applied, or skipped as stale), applied
 * twice, and applied out of order within their aggregate. All three must be zero.
 *
 * The relay and the consumer are the generated pipeline-test-process entry (runOutboxRelayFromEnv
 * with a 2 s lease, runConsumerFromEnv with a handler that records each effect in the dedup
 * transaction); the writers use the generated appendOutboxEvent.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeProject, type Store } from '../scaffold/outbox-harness';
import {
  brokerEnv,
  databaseUrl,
  dropTables,
  processEntry,
  scaffoldPipeline,
  serviceOfStore,
  startPart,
  type PartProcess,
  type PipelineBroker,
  type ScaffoldedPipeline,
} from './pipeline-fixtures';
import { requireService, SERVICES } from './require-service';

const requireFrom = createRequire(__filename);

const AGGREGATES = 50;
const EVENTS_PER_AGGREGATE = 20;
const EVENTS = AGGREGATES * EVENTS_PER_AGGREGATE;
const WRITERS = 4;
/** Kills happen during this window only; then the pipeline is left to drain. Bounds each run's cost. */
const KILL_WINDOW_MS = 20_000;
const KILL_EVERY_MS = [1_000, 3_000] as const;
/** The writers spread the events over the kill window, so kills land while events are in flight. */
const WRITE_PAUSE_MS = Math.floor((KILL_WINDOW_MS * 0.8 * WRITERS) / EVENTS);

const PAIRS: ReadonlyArray<[Store, PipelineBroker]> = [
  ['postgres', 'rabbitmq'],
  ['mysql', 'rabbitmq'],
  ['sqlite', 'rabbitmq'],
  ['postgres', 'nats'],
  ['mysql', 'nats'],
  ['sqlite', 'nats'],
];

interface Effect {
  event_id: string;
  aggregate_id: string;
  n: number;
}

/** The database side of one run: migrations, the generated writer, and the effects the consumer recorded. */
interface StoreSide {
  env: Record<string, string>;
  write(aggregateType: string, aggregateId: string, n: number): Promise<void>;
  effects(aggregateType: string): Promise<Effect[]>;
  close(): Promise<void>;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- the generated JS modules are loaded untyped */
async function openStore(p: ScaffoldedPipeline, dbFile: string): Promise<StoreSide> {
  const dir = path.join(p.dir, p.out);
  const fs = await import('node:fs');
  const migrations = [
    fs.readFileSync(path.join(dir, 'outbox', 'migrations', `${p.outboxTable}.sql`), 'utf8'),
    fs.readFileSync(path.join(dir, 'consumer', 'migrations', `${p.dedupTable}.sql`), 'utf8'),
  ];
  const { appendOutboxEvent } = requireFrom(path.join(dir, 'outbox', 'outbox-writer.js'));
  const { createEffectsTable, EFFECTS_TABLE } = requireFrom(path.join(dir, 'pipeline-test-process.js'));
  const payload = (aggregateType: string, aggregateId: string, n: number) => ({ aggregateType, aggregateId, eventType: 'step', payload: { aggregateType, aggregateId, n } });
  if (p.store === 'postgres') {
    const { Pool } = requireFrom('pg');
    const pool = new Pool({ connectionString: SERVICES.postgres.url, max: WRITERS + 2 });
    for (const m of migrations) await pool.query(m);
    await createEffectsTable(pool);
    return {
      env: { DATABASE_URL: SERVICES.postgres.url },
      async write(aggregateType, aggregateId, n) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await appendOutboxEvent(client, payload(aggregateType, aggregateId, n));
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        } finally {
          client.release();
        }
      },
      async effects(aggregateType) {
        return (await pool.query(`SELECT event_id, aggregate_id, n FROM ${EFFECTS_TABLE} WHERE aggregate_type = $1 ORDER BY applied`, [aggregateType])).rows;
      },
      close: () => pool.end(),
    };
  }
  if (p.store === 'mysql') {
    const { createPool } = requireFrom('mysql2/promise');
    const pool = createPool({ uri: SERVICES.mariadb.url, multipleStatements: true, connectionLimit: WRITERS + 2 });
    for (const m of migrations) await pool.query(m);
    await createEffectsTable(pool);
    return {
      env: { DATABASE_URL: SERVICES.mariadb.url },
      async write(aggregateType, aggregateId, n) {
        const connection = await pool.getConnection();
        try {
          await connection.beginTransaction();
          await appendOutboxEvent(connection, payload(aggregateType, aggregateId, n));
          await connection.commit();
        } catch (error) {
          await connection.rollback();
          throw error;
        } finally {
          connection.release();
        }
      },
      async effects(aggregateType) {
        const [rows] = await pool.query(`SELECT event_id, aggregate_id, n FROM ${EFFECTS_TABLE} WHERE aggregate_type = ? ORDER BY applied`, [aggregateType]);
        return rows;
      },
      close: () => pool.end(),
    };
  }
  const Database = requireFrom('better-sqlite3');
  const db = new Database(dbFile, { timeout: 10_000 });
  db.pragma('journal_mode = WAL');
  for (const m of migrations) db.exec(m);
  createEffectsTable(db);
  return {
    env: { OUTBOX_SQLITE_PATH: dbFile, DEDUP_SQLITE_PATH: dbFile },
    async write(aggregateType, aggregateId, n) {
      db.transaction(() => appendOutboxEvent(db, payload(aggregateType, aggregateId, n)))();
    },
    async effects(aggregateType) {
      return db.prepare(`SELECT event_id, aggregate_id, n FROM ${EFFECTS_TABLE} WHERE aggregate_type = ? ORDER BY applied`).all(aggregateType);
    },
    close: async () => db.close(),
  };
}

/** Deletes what the consumer declared on the broker (queues, exchange / stream). */
async function cleanBroker(p: ScaffoldedPipeline, exchangeOrPrefix: string): Promise<void> {
  if (p.broker === 'rabbitmq') {
    const amqp = requireFrom('amqplib');
    const connection = await amqp.connect(SERVICES.rabbitmq.url);
    const channel = await connection.createChannel();
    await channel.deleteQueue(p.queue);
    await channel.deleteQueue(`${p.queue}.dead`);
    await channel.deleteExchange(exchangeOrPrefix);
    await connection.close();
  } else {
    const { connect } = requireFrom('nats');
    const nc = await connect({ servers: SERVICES.nats.url });
    await (await nc.jetstreamManager()).streams.delete(p.queue).catch(() => undefined);
    await nc.drain();
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const between = ([min, max]: readonly [number, number]): number => min + Math.floor(Math.random() * (max - min));

for (const [store, broker] of PAIRS) {
  const storeService = serviceOfStore(store);
  const available = (storeService ? await requireService(storeService) : true) && (await requireService(broker));

  describe.skipIf(!available)(`pipeline --ordered under SIGKILL: ${store} × ${broker}`, () => {
    it(`${EVENTS} events, relay and consumer SIGKILLed for ${KILL_WINDOW_MS / 1000} s: none lost, doubled or out of order`, async () => {
      const started = Date.now();
      const pipeline = await scaffoldPipeline({ store, broker, ordered: true, language: 'js', module: 'cjs' });
      const run = path.basename(pipeline.dir).replace(/[^a-z0-9]/gi, '').toLowerCase().slice(-12);
      const aggregateType = `crash-${run}`;
      const db = await openStore(pipeline, path.join(pipeline.dir, 'pipeline.db'));
      const exchangeOrPrefix = `eos-crash-${run}`;
      const env = {
        ...db.env,
        ...brokerEnv(broker),
        ...(broker === 'rabbitmq' ? { OUTBOX_EXCHANGE: exchangeOrPrefix } : { OUTBOX_SUBJECT_PREFIX: exchangeOrPrefix }),
      };
      const entry = processEntry(pipeline);
      const parts: Record<'relay' | 'consumer', PartProcess | undefined> = { relay: undefined, consumer: undefined };
      const kills = { relay: 0, consumer: 0 };
      const outputs: string[] = [];
      const restart = async (role: 'relay' | 'consumer'): Promise<void> => {
        parts[role] = await startPart(entry, role, env);
      };
      try {
        await restart('consumer');
        await restart('relay');

        // Writers: each owns some aggregates and writes their events in order, n = 1..EVENTS_PER_AGGREGATE.
        const writers = Array.from({ length: WRITERS }, async (_, w) => {
          for (let n = 1; n <= EVENTS_PER_AGGREGATE; n++) {
            for (let a = w; a < AGGREGATES; a += WRITERS) {
              await db.write(aggregateType, `agg-${a}`, n);
              await sleep(WRITE_PAUSE_MS);
            }
          }
        });
        // The killer: alternately SIGKILLs the relay and the consumer, restarting each at once.
        const killer = (async () => {
          const until = Date.now() + KILL_WINDOW_MS;
          let role: 'relay' | 'consumer' = 'relay';
          while (Date.now() < until) {
            await sleep(between(KILL_EVERY_MS));
            const victim = parts[role];
            if (victim) {
              outputs.push(`--- ${role} (killed):\n${victim.output.join('')}`);
              victim.child.kill('SIGKILL');
              expect((await victim.exited).signal).toBe('SIGKILL');
              kills[role] += 1;
              await restart(role);
            }
            role = role === 'relay' ? 'consumer' : 'relay';
          }
        })();
        await Promise.all([...writers, killer]);

        // Drain: wait until every event is applied or nothing moves for longer than a redelivery can take.
        const { REDELIVERY_AFTER_CRASH_MS } = requireFrom(path.join(pipeline.dir, pipeline.out, 'consumer', 'consumer.js'));
        const { RELAY_LEASE_MS } = requireFrom(path.join(pipeline.dir, pipeline.out, 'pipeline-test-process.js'));
        const stallMs = Math.max(30_000, 2 * (REDELIVERY_AFTER_CRASH_MS + RELAY_LEASE_MS));
        let effects = await db.effects(aggregateType);
        let last = -1;
        let movedAt = Date.now();
        while (new Set(effects.map((e) => e.event_id)).size < EVENTS) {
          if (effects.length !== last) {
            last = effects.length;
            movedAt = Date.now();
          } else if (Date.now() - movedAt > stallMs) break;
          await sleep(200);
          effects = await db.effects(aggregateType);
        }

        const applied = new Map<string, number>();
        for (const e of effects) applied.set(e.event_id, (applied.get(e.event_id) ?? 0) + 1);
        const lost = EVENTS - applied.size;
        const doubled = [...applied.values()].reduce((sum, count) => sum + count - 1, 0);
        let outOfOrder = 0;
        const byAggregate = new Map<string, number[]>();
        for (const e of effects) byAggregate.set(e.aggregate_id, [...(byAggregate.get(e.aggregate_id) ?? []), Number(e.n)]);
        for (const steps of byAggregate.values()) for (let i = 1; i < steps.length; i++) if (steps[i] <= steps[i - 1]) outOfOrder += 1;
        const consumerOutput = [...outputs, `--- consumer:\n${parts.consumer?.output.join('') ?? ''}`].join('\n');
        const stale = (consumerOutput.match(/StaleEventError/g) ?? []).length;
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        console.info(
          `[ordered crash ${store}×${broker}] events ${EVENTS}, kills relay ${kills.relay} consumer ${kills.consumer}, ` +
            `lost ${lost}, doubled ${doubled}, out of order ${outOfOrder}, stale skipped ${stale}, ${seconds} s`,
        );
        const context = `\n${consumerOutput.slice(-6_000)}\n--- relay:\n${parts.relay?.output.join('').slice(-3_000) ?? ''}`;
        expect(Math.min(kills.relay, kills.consumer), 'each process was killed several times').toBeGreaterThanOrEqual(2);
        expect({ lost, doubled, outOfOrder }, context).toEqual({ lost: 0, doubled: 0, outOfOrder: 0 });

        for (const part of Object.values(parts)) part?.child.kill('SIGTERM');
        for (const part of Object.values(parts)) if (part) expect(await part.exited, part.output.join('').slice(-3_000)).toEqual({ code: 0, signal: null });
      } finally {
        for (const part of Object.values(parts)) if (part && part.child.exitCode === null && part.child.signalCode === null) part.child.kill('SIGKILL');
        await Promise.all(Object.values(parts).map((p) => p?.exited));
        await db.close();
        await cleanBroker(pipeline, exchangeOrPrefix);
        await dropTables(pipeline);
        removeProject(pipeline.dir);
      }
    }, 300_000);
  });
}
