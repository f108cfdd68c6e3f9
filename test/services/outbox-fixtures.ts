/**
 * Real-server plumbing for the outbox tests: a scaffolded project per store × broker, its
 * generated modules loaded in-process, the database side (migration, business transactions,
 * inspection) and the broker side (a unique queue / stream and a consumer that records every
 * delivery). All traffic goes to 127.0.0.1; every name is unique to the run and removed afterwards.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connect as amqpConnect, type ChannelModel } from 'amqplib';
import Database from 'better-sqlite3';
import { createPool, type Pool as MySqlPool, type RowDataPacket } from 'mysql2/promise';
import { AckPolicy, connect as natsConnect, DeliverPolicy, type NatsConnection } from 'nats';
import { Pool as PgPool } from 'pg';
import { OUT, makeProject, removeProject, scaffoldOutbox, uniqueName, type Broker, type Store } from '../scaffold/outbox-harness';
import { SERVICES, type ServiceName } from './require-service';

/** The generated relay module's public surface, as the tests use it. */
export interface OutboxMessageLike {
  id: string;
  aggregateType: string;
  aggregateId: string;
  eventType: string;
  payload: string;
  headers: Record<string, string>;
}
export interface RelayLike {
  readonly relayId: string;
  readonly stats: { published: number; duplicates: number; failedAttempts: number; deadLettered: number; deleted: number };
  start(): void;
  stop(): Promise<void>;
  runOnce(): Promise<{ claimed: number; moreWaiting: boolean }>;
}
export interface StoreLike {
  metrics(): Promise<{ pending: number; oldestPendingAgeSeconds: number | null; deadLettered: number }>;
  close(): Promise<void>;
}
export interface PublisherLike {
  publish(message: OutboxMessageLike): Promise<'published' | 'duplicate'>;
  close(): Promise<void>;
}

/** What one test needs to append events. */
export interface NewEvent {
  aggregateType: string;
  aggregateId: string;
  eventType: string;
  payload: unknown;
  headers?: Record<string, string>;
}

/** The database under test, driven through the generated writer. */
export interface StoreSide {
  readonly service: ServiceName | undefined;
  readonly table: string;
  /** Env for a child relay process. */
  readonly env: Record<string, string>;
  /** One transaction: a business row + the events; throws (and rolls back) when `fail` is set. */
  transaction(orderId: string, events: NewEvent[], fail?: boolean): Promise<string[]>;
  /** Appends outside any transaction (must be refused). */
  appendWithoutTransaction(event: NewEvent): Promise<string>;
  /** A transaction held open on its own connection, so several can interleave (server stores only). */
  openTransaction(): Promise<OpenTransaction>;
  orderExists(orderId: string): Promise<boolean>;
  eventIds(): Promise<string[]>;
  /** Rows still leased by some relay and not published (mid-batch evidence). */
  leasedUnpublished(): Promise<number>;
  newStore(): StoreLike;
  close(): Promise<void>;
}

/** A transaction the test appends to and commits when it likes. */
export interface OpenTransaction {
  append(event: NewEvent): Promise<string>;
  commit(): Promise<void>;
}

/** The broker under test, with a consumer recording every delivery in arrival order. */
export interface BrokerSide {
  readonly service: ServiceName;
  readonly received: OutboxMessageLike[];
  readonly env: Record<string, string>;
  newPublisher(): Promise<PublisherLike>;
  close(): Promise<void>;
}

/** Modules of one scaffolded project. */
export interface Generated {
  dir: string;
  relay: { OutboxRelay: new (store: StoreLike, publisher: PublisherLike, options?: object, logger?: object) => RelayLike };
}

export const QUIET = process.env.OUTBOX_TEST_VERBOSE ? console : { info() {}, warn() {}, error() {} };

export function serviceOfStore(store: Store): ServiceName | undefined {
  return store === 'postgres' ? 'postgres' : store === 'mysql' ? 'mariadb' : undefined;
}

export function serviceOfBroker(broker: Broker): ServiceName {
  if (broker === 'rabbitmq' || broker === 'nats') return broker;
  throw new Error(`no local server for ${broker}`);
}

/** Scaffolds a project for store × broker with a unique table name. */
export async function generate(store: Store, broker: Broker): Promise<Generated & { table: string }> {
  const table = uniqueName('outbox').toLowerCase().slice(0, 40);
  const dir = makeProject(`${store}-${broker}`);
  await scaffoldOutbox(dir, { store, broker, table });
  const relay = (await import(path.join(dir, OUT, 'outbox-relay.ts'))) as Generated['relay'];
  return { dir, table, relay };
}

async function importFrom<T>(dir: string, file: string): Promise<T> {
  return (await import(path.join(dir, OUT, file))) as T;
}

type Append<Tx> = (tx: Tx, event: NewEvent) => Promise<string> | string;

/** Opens the database side for a generated project. */
export async function openStore(store: Store, gen: Generated & { table: string }): Promise<StoreSide> {
  const migration = fs.readFileSync(path.join(gen.dir, OUT, 'migrations', `${gen.table}.sql`), 'utf8');
  const business = `${gen.table}_orders`;
  if (store === 'postgres') {
    const { appendOutboxEvent } = await importFrom<{ appendOutboxEvent: Append<import('pg').PoolClient> }>(gen.dir, 'outbox-writer.ts');
    const { PostgresOutboxStore } = await importFrom<{ PostgresOutboxStore: new (pool: PgPool) => StoreLike }>(gen.dir, 'outbox-store.ts');
    const url = SERVICES.postgres.url;
    const pool = new PgPool({ connectionString: url });
    await pool.query(migration);
    await pool.query(`CREATE TABLE "${business}" (id text PRIMARY KEY)`);
    const pools: PgPool[] = [pool];
    return {
      service: 'postgres',
      table: gen.table,
      env: { DATABASE_URL: url },
      async transaction(orderId, events, fail = false) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query(`INSERT INTO "${business}" (id) VALUES ($1)`, [orderId]);
          const ids: string[] = [];
          for (const e of events) ids.push(await appendOutboxEvent(client, e));
          if (fail) throw new Error('business rule failed');
          await client.query('COMMIT');
          return ids;
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        } finally {
          client.release();
        }
      },
      async appendWithoutTransaction(event) {
        const client = await pool.connect();
        try {
          return await appendOutboxEvent(client, event);
        } finally {
          client.release();
        }
      },
      async openTransaction() {
        const client = await pool.connect();
        await client.query('BEGIN');
        return {
          append: async (event) => appendOutboxEvent(client, event),
          commit: async () => {
            try {
              await client.query('COMMIT');
            } finally {
              client.release();
            }
          },
        };
      },
      async orderExists(orderId) {
        return (await pool.query(`SELECT 1 FROM "${business}" WHERE id = $1`, [orderId])).rowCount === 1;
      },
      async eventIds() {
        return (await pool.query<{ id: string }>(`SELECT id FROM "${gen.table}" ORDER BY seq`)).rows.map((r) => r.id);
      },
      async leasedUnpublished() {
        const r = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${gen.table}" WHERE locked_by IS NOT NULL AND published_at IS NULL`);
        return r.rows[0].n;
      },
      newStore() {
        const p = new PgPool({ connectionString: url });
        pools.push(p);
        return new PostgresOutboxStore(p);
      },
      async close() {
        await pool.query(`DROP TABLE IF EXISTS "${gen.table}", "${business}"`);
        await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
        removeProject(gen.dir);
      },
    };
  }
  if (store === 'mysql') {
    type Conn = import('mysql2/promise').PoolConnection;
    const { appendOutboxEvent } = await importFrom<{ appendOutboxEvent: Append<Conn> }>(gen.dir, 'outbox-writer.ts');
    const { MySqlOutboxStore } = await importFrom<{ MySqlOutboxStore: new (pool: MySqlPool) => StoreLike }>(gen.dir, 'outbox-store.ts');
    const url = SERVICES.mariadb.url;
    // The migration creates two tables (the outbox and its aggregate lock rows).
    const pool = createPool({ uri: url, multipleStatements: true });
    await pool.query(migration);
    await pool.query(`CREATE TABLE \`${business}\` (id VARCHAR(100) PRIMARY KEY) ENGINE = InnoDB`);
    const pools: MySqlPool[] = [pool];
    return {
      service: 'mariadb',
      table: gen.table,
      env: { DATABASE_URL: url },
      async transaction(orderId, events, fail = false) {
        const connection = await pool.getConnection();
        try {
          await connection.beginTransaction();
          await connection.query(`INSERT INTO \`${business}\` (id) VALUES (?)`, [orderId]);
          const ids: string[] = [];
          for (const e of events) ids.push(await appendOutboxEvent(connection, e));
          if (fail) throw new Error('business rule failed');
          await connection.commit();
          return ids;
        } catch (error) {
          await connection.rollback();
          throw error;
        } finally {
          connection.release();
        }
      },
      async appendWithoutTransaction(event) {
        const connection = await pool.getConnection();
        try {
          return await appendOutboxEvent(connection, event);
        } finally {
          connection.release();
        }
      },
      async openTransaction() {
        const connection = await pool.getConnection();
        await connection.beginTransaction();
        return {
          append: async (event) => appendOutboxEvent(connection, event),
          commit: async () => {
            try {
              await connection.commit();
            } finally {
              connection.release();
            }
          },
        };
      },
      async orderExists(orderId) {
        const [rows] = await pool.query<RowDataPacket[]>(`SELECT 1 FROM \`${business}\` WHERE id = ?`, [orderId]);
        return rows.length === 1;
      },
      async eventIds() {
        const [rows] = await pool.query<RowDataPacket[]>(`SELECT id FROM \`${gen.table}\` ORDER BY seq`);
        return rows.map((r) => String(r.id));
      },
      async leasedUnpublished() {
        const [rows] = await pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${gen.table}\` WHERE locked_by IS NOT NULL AND published_at IS NULL`);
        return Number(rows[0].n);
      },
      newStore() {
        const p = createPool({ uri: url });
        pools.push(p);
        return new MySqlOutboxStore(p);
      },
      async close() {
        await pool.query(`DROP TABLE IF EXISTS \`${gen.table}\`, \`${gen.table}_aggregates\`, \`${business}\``);
        await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
        removeProject(gen.dir);
      },
    };
  }
  const { appendOutboxEvent } = await importFrom<{ appendOutboxEvent: Append<Database.Database> }>(gen.dir, 'outbox-writer.ts');
  const { SqliteOutboxStore } = await importFrom<{ SqliteOutboxStore: new (db: Database.Database) => StoreLike }>(gen.dir, 'outbox-store.ts');
  const file = path.join(gen.dir, 'outbox.db');
  const db = new Database(file, { timeout: 5_000 });
  db.pragma('journal_mode = WAL');
  db.exec(migration);
  db.exec(`CREATE TABLE "${business}" (id TEXT PRIMARY KEY)`);
  const handles: Database.Database[] = [db];
  return {
    service: undefined,
    table: gen.table,
    env: { OUTBOX_SQLITE_PATH: file },
    async transaction(orderId, events, fail = false) {
      return db.transaction(() => {
        db.prepare(`INSERT INTO "${business}" (id) VALUES (?)`).run(orderId);
        const ids = events.map((e) => appendOutboxEvent(db, e) as string);
        if (fail) throw new Error('business rule failed');
        return ids;
      })();
    },
    async appendWithoutTransaction(event) {
      return appendOutboxEvent(db, event) as string;
    },
    async openTransaction() {
      throw new Error('better-sqlite3 runs one transaction per connection, synchronously: transactions cannot interleave here');
    },
    async orderExists(orderId) {
      return db.prepare(`SELECT 1 FROM "${business}" WHERE id = ?`).get(orderId) !== undefined;
    },
    async eventIds() {
      return (db.prepare(`SELECT id FROM "${gen.table}" ORDER BY seq`).all() as Array<{ id: string }>).map((r) => r.id);
    },
    async leasedUnpublished() {
      return (db.prepare(`SELECT COUNT(*) AS n FROM "${gen.table}" WHERE locked_by IS NOT NULL AND published_at IS NULL`).get() as { n: number }).n;
    },
    newStore() {
      // A separate connection per relay, as separate processes would have.
      const handle = new Database(file, { timeout: 5_000 });
      handles.push(handle);
      return new SqliteOutboxStore(handle);
    },
    async close() {
      for (const h of handles) if (h.open) h.close();
      removeProject(gen.dir);
    },
  };
}

/** Opens the broker side: a unique exchange + queue (RabbitMQ) or stream (NATS) and a consumer. */
export async function openBroker(broker: Broker, gen: Generated): Promise<BrokerSide> {
  const name = uniqueName('outbox');
  const received: OutboxMessageLike[] = [];
  if (broker === 'rabbitmq') {
    type RabbitCtor = new (options: { url: string; exchange: string }) => PublisherLike;
    const { RabbitMqPublisher } = await importFrom<{ RabbitMqPublisher: RabbitCtor }>(gen.dir, 'outbox-publisher.ts');
    const url = SERVICES.rabbitmq.url;
    const connection: ChannelModel = await amqpConnect(url);
    const channel = await connection.createChannel();
    const exchange = `${name}.events`;
    const queue = `${name}.all`;
    // Same declaration as the generated publisher's (a durable topic exchange), or RabbitMQ refuses it.
    await channel.assertExchange(exchange, 'topic', { durable: true });
    await channel.assertQueue(queue, { durable: false, exclusive: false });
    await channel.bindQueue(queue, exchange, '#');
    await channel.consume(queue, (msg) => {
      if (!msg) return;
      const h = (msg.properties.headers ?? {}) as Record<string, string>;
      received.push({
        id: String(msg.properties.messageId),
        aggregateType: h['aggregate-type'],
        aggregateId: h['aggregate-id'],
        eventType: String(msg.properties.type),
        payload: msg.content.toString(),
        headers: h,
      });
      channel.ack(msg);
    });
    const publishers: PublisherLike[] = [];
    return {
      service: 'rabbitmq',
      received,
      env: { AMQP_URL: url, OUTBOX_EXCHANGE: exchange },
      async newPublisher() {
        const p = new RabbitMqPublisher({ url, exchange });
        publishers.push(p);
        return p;
      },
      async close() {
        await Promise.all(publishers.map((p) => p.close().catch(() => undefined)));
        await channel.deleteQueue(queue);
        await channel.deleteExchange(exchange);
        await connection.close();
      },
    };
  }
  if (broker === 'nats') {
    type NatsStatic = { connect(options: { servers: string; subjectPrefix: string }): Promise<PublisherLike> };
    const { NatsPublisher } = await importFrom<{ NatsPublisher: NatsStatic }>(gen.dir, 'outbox-publisher.ts');
    const servers = SERVICES.nats.url;
    const nc: NatsConnection = await natsConnect({ servers });
    const jsm = await nc.jetstreamManager();
    const stream = name.toUpperCase();
    const prefix = name;
    await jsm.streams.add({ name: stream, subjects: [`${prefix}.>`] });
    await jsm.consumers.add(stream, { durable_name: 'reader', ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All });
    const consumer = await nc.jetstream().consumers.get(stream, 'reader');
    const messages = await consumer.consume();
    const reading = (async () => {
      for await (const m of messages) {
        const get = (k: string): string => m.headers?.get(k) ?? '';
        const headers: Record<string, string> = {};
        for (const k of m.headers?.keys() ?? []) headers[k] = get(k);
        received.push({
          id: get('Nats-Msg-Id'),
          aggregateType: get('aggregate-type'),
          aggregateId: get('aggregate-id'),
          eventType: get('event-type'),
          payload: m.string(),
          headers,
        });
        m.ack();
      }
    })();
    const publishers: PublisherLike[] = [];
    return {
      service: 'nats',
      received,
      env: { NATS_URL: servers, OUTBOX_SUBJECT_PREFIX: prefix },
      async newPublisher() {
        const p = await NatsPublisher.connect({ servers, subjectPrefix: prefix });
        publishers.push(p);
        return p;
      },
      async close() {
        await Promise.all(publishers.map((p) => p.close().catch(() => undefined)));
        await messages.close();
        await reading;
        await jsm.streams.delete(stream);
        await nc.drain();
      },
    };
  }
  throw new Error(`no local server for ${broker}`);
}

/** `[n, ...]` of each aggregate in arrival order, keeping only the first delivery of each event id. */
export function firstDeliveriesByAggregate(received: readonly OutboxMessageLike[], aggregateType: string): Map<string, number[]> {
  const seen = new Set<string>();
  const byAggregate = new Map<string, number[]>();
  for (const m of received) {
    if (m.aggregateType !== aggregateType || seen.has(m.id)) continue;
    seen.add(m.id);
    const list = byAggregate.get(m.aggregateId) ?? [];
    list.push((JSON.parse(m.payload) as { n: number }).n);
    byAggregate.set(m.aggregateId, list);
  }
  return byAggregate;
}
