/**
 * Generated consumers (JavaScript/CommonJS variant, exactly as `eos scaffold consumer` writes
 * them) against real RabbitMQ and NATS JetStream servers, with real dedup stores:
 * - a message delivered N times, the copies in flight concurrently, runs the work once and every
 *   copy is acknowledged;
 * - a consumer process SIGKILLed after the work committed and before its ack: the broker
 *   redelivers, the next consumer skips the work and acks;
 * - RabbitMQ: a message that always fails is dead-lettered after MAX_DELIVERIES attempts
 *   (no infinite requeue).
 * Outcomes are counted and asserted: published = settled, work applied once per message id.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, scaffold } from '../scaffold/helpers';
import { requireService, SERVICES } from './require-service';

const requireFrom = createRequire(__filename);
/** Copies of one message published to show duplicates are absorbed. */
const COPIES = 5;
/** How long to wait for a broker-side condition before the test fails. */
const SETTLE_TIMEOUT_MS = 30_000;

async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a child script to its end (it SIGKILLs itself at the ack). */
function runChild(cwd: string, script: string, env: Record<string, string>): Promise<ChildExit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), SETTLE_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const hasRabbit = await requireService('rabbitmq');
const hasPostgres = await requireService('postgres');
const hasNats = await requireService('nats');

describe.skipIf(!hasRabbit || !hasPostgres)('generated RabbitMQ consumer × PostgreSQL dedup (real servers)', () => {
  const queue = `eos-test-${randomBytes(4).toString('hex')}`;
  const effects = `eos_test_effects_${randomBytes(4).toString('hex')}`;
  let dir: string;
  /* eslint-disable @typescript-eslint/no-explicit-any -- the generated JS modules are loaded untyped */
  let amqp: any;
  let pg: any;
  let consumer: any;
  let Dedup: any;
  let pool: any;
  let connection: any;
  let admin: any;

  beforeAll(async () => {
    dir = makeProject(`services-rabbitmq-${queue}`, { typescript: false });
    await scaffold(dir, 'consumer', { broker: 'rabbitmq', store: 'postgres', queue, out: 'src/consumers', module: 'cjs' });
    amqp = requireFrom('amqplib');
    pg = requireFrom('pg');
    consumer = requireFrom(path.join(dir, 'src/consumers/consumer.js'));
    Dedup = requireFrom(path.join(dir, 'src/consumers/dedup.js')).Dedup;
    pool = new pg.Pool({ connectionString: SERVICES.postgres.url });
    await pool.query(fs.readFileSync(path.join(dir, 'src/consumers/migrations/eos_processed_messages.sql'), 'utf8'));
    await pool.query(`CREATE TABLE ${effects} (message_id text NOT NULL)`);
    connection = await amqp.connect(SERVICES.rabbitmq.url);
    admin = await connection.createChannel();
    await consumer.assertTopology(admin);
    fs.writeFileSync(
      path.join(dir, 'child.cjs'),
      `// Consumes with the generated code; dies (SIGKILL) at the first ack, after the work committed.
const amqp = require('amqplib');
const { Pool } = require('pg');
const { runConsumer } = require('./src/consumers/consumer.js');
const { Dedup } = require('./src/consumers/dedup.js');
(async () => {
  const pool = new Pool({ connectionString: process.env.PG_URL });
  const channel = await (await amqp.connect(process.env.AMQP_URL)).createChannel();
  channel.ack = () => {
    process.stdout.write('work committed; SIGKILL before the ack\\n');
    process.kill(process.pid, 'SIGKILL');
  };
  await runConsumer(channel, new Dedup(pool), (err) => process.stderr.write(String(err) + '\\n'), async (message, tx) => {
    await tx.query('INSERT INTO ${effects} (message_id) VALUES ($1)', [message.id]);
  });
})();
`,
    );
  });

  afterAll(async () => {
    await admin?.deleteQueue(queue).catch(() => undefined);
    await admin?.deleteQueue(consumer?.DEAD_LETTER_QUEUE).catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await pool?.query(`DROP TABLE IF EXISTS ${effects}`).catch(() => undefined);
    await pool?.end();
  });

  const effectsOf = async (id: string): Promise<number> =>
    Number((await pool.query(`SELECT count(*) AS n FROM ${effects} WHERE message_id = $1`, [id])).rows[0].n);
  const publish = (id: string): void => {
    admin.sendToQueue(queue, Buffer.from(JSON.stringify({ id })), { messageId: id, persistent: true });
  };
  const work = async (message: { id: string }, tx: { query: (sql: string, params: unknown[]) => Promise<unknown> }): Promise<void> => {
    await tx.query(`INSERT INTO ${effects} (message_id) VALUES ($1)`, [message.id]);
  };

  /** Starts the generated consumer in this process on a fresh channel; counts its settlements (ack, reject). */
  async function startConsumer(handle: unknown): Promise<{ acks: () => number; rejects: () => number; stop: () => Promise<void> }> {
    const channel = await connection.createChannel();
    let acks = 0;
    let rejects = 0;
    const ack = channel.ack.bind(channel);
    const reject = channel.reject.bind(channel);
    channel.ack = (m: unknown) => {
      acks++;
      ack(m);
    };
    channel.reject = (m: unknown, requeue?: boolean) => {
      rejects++;
      reject(m, requeue);
    };
    const running = await consumer.runConsumer(channel, new Dedup(pool), () => undefined, handle);
    return { acks: () => acks, rejects: () => rejects, stop: async () => {
      await running.stop();
      await channel.close();
    } };
  }

  it(`runs the work once for a message published ${COPIES} times, the copies in flight together; every copy is acked`, async () => {
    const ids = [randomUUID(), randomUUID()];
    for (const id of ids) for (let i = 0; i < COPIES; i++) publish(id);
    const running = await startConsumer(work);
    await eventually('every copy acked', async () => (running.acks() === ids.length * COPIES ? true : undefined));
    await running.stop();
    for (const id of ids) expect(await effectsOf(id)).toBe(1);
    expect(running.rejects()).toBe(0);
    expect((await admin.checkQueue(queue)).messageCount).toBe(0);
  });

  it('redelivers after a SIGKILL between the committed work and the ack, and the next consumer skips the work', async () => {
    const id = randomUUID();
    publish(id);
    const killed = await runChild(dir, 'child.cjs', { PG_URL: SERVICES.postgres.url, AMQP_URL: SERVICES.rabbitmq.url });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(killed.stdout).toContain('SIGKILL before the ack');
    expect(await effectsOf(id)).toBe(1);
    // The dead connection's unacked message goes back to the queue.
    await eventually('the message back in the queue', async () => ((await admin.checkQueue(queue)).messageCount === 1 ? true : undefined));
    const running = await startConsumer(work);
    await eventually('the redelivery acked', async () => (running.acks() === 1 ? true : undefined));
    await running.stop();
    expect(await effectsOf(id)).toBe(1);
  });

  it('dead-letters a message that always fails after MAX_DELIVERIES attempts instead of requeueing forever', async () => {
    const id = randomUUID();
    let attempts = 0;
    const running = await startConsumer(async () => {
      attempts++;
      throw new Error('poison');
    });
    publish(id);
    await eventually('the message in the dead-letter queue', async () => ((await admin.checkQueue(consumer.DEAD_LETTER_QUEUE)).messageCount === 1 ? true : undefined));
    await running.stop();
    expect(attempts).toBe(consumer.MAX_DELIVERIES);
    expect(running.rejects()).toBe(consumer.MAX_DELIVERIES);
    expect(await effectsOf(id)).toBe(0);
    expect((await admin.checkQueue(queue)).messageCount).toBe(0);
  });
});

describe.skipIf(!hasNats)('generated NATS JetStream consumer × SQLite dedup (real server)', () => {
  const stream = `eos-test-${randomBytes(4).toString('hex')}`;
  /** Short publish-side dedup window, so the test can store real copies with the same Nats-Msg-Id. */
  const DUPLICATE_WINDOW_MS = 100;
  /** Shorter than the generated 30 s AckWait, so the SIGKILL redelivery comes within the test. */
  const TEST_ACK_WAIT_MS = 1_500;
  let dir: string;
  let dbFile: string;
  /* eslint-disable @typescript-eslint/no-explicit-any -- the generated JS modules are loaded untyped */
  let nats: any;
  let nc: any;
  let jsm: any;
  let consumer: any;
  let Dedup: any;
  let db: any;

  beforeAll(async () => {
    dir = makeProject(`services-nats-${stream}`, { typescript: false });
    await scaffold(dir, 'consumer', { broker: 'nats', store: 'sqlite', queue: stream, out: 'src/consumers', module: 'cjs' });
    nats = requireFrom('nats');
    consumer = requireFrom(path.join(dir, 'src/consumers/consumer.js'));
    Dedup = requireFrom(path.join(dir, 'src/consumers/dedup.js')).Dedup;
    const Database = requireFrom('better-sqlite3');
    dbFile = path.join(dir, 'service.db');
    db = new Database(dbFile, { timeout: 5_000 });
    db.pragma('journal_mode = WAL');
    db.exec(fs.readFileSync(path.join(dir, 'src/consumers/migrations/eos_processed_messages.sql'), 'utf8'));
    db.exec('CREATE TABLE effects (message_id TEXT NOT NULL)');
    nc = await nats.connect({ servers: SERVICES.nats.url.replace('nats://', '') });
    jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`], duplicate_window: nats.nanos(DUPLICATE_WINDOW_MS) });
    await consumer.ensureConsumer(jsm);
    fs.writeFileSync(
      path.join(dir, 'child.cjs'),
      `// Consumes with the generated onMessage; dies (SIGKILL) at the ackAck, after the work committed.
const { connect } = require('nats');
const Database = require('better-sqlite3');
const { onMessage, STREAM, DURABLE_NAME } = require('./src/consumers/consumer.js');
const { Dedup } = require('./src/consumers/dedup.js');
(async () => {
  const nc = await connect({ servers: process.env.NATS_SERVER });
  const dedup = new Dedup(new Database(process.env.DB_FILE, { timeout: 5000 }));
  const messages = await (await nc.jetstream().consumers.get(STREAM, DURABLE_NAME)).consume({ max_messages: 1 });
  for await (const m of messages) {
    m.ackAck = async () => {
      process.stdout.write('work committed; SIGKILL before the ack\\n');
      process.kill(process.pid, 'SIGKILL');
      return true;
    };
    await onMessage(dedup, m, (err) => process.stderr.write(String(err) + '\\n'), (message, tx) => {
      tx.prepare('INSERT INTO effects (message_id) VALUES (?)').run(message.id);
    });
  }
})();
`,
    );
  });

  afterAll(async () => {
    await jsm?.streams.delete(stream).catch(() => undefined);
    await nc?.close();
    db?.close();
  });

  const effectsOf = (id: string): number => db.prepare('SELECT COUNT(*) AS n FROM effects WHERE message_id = ?').get(id).n;
  const work = (message: { id: string }, tx: { prepare: (sql: string) => { run: (...a: unknown[]) => unknown } }): void => {
    tx.prepare('INSERT INTO effects (message_id) VALUES (?)').run(message.id);
  };
  /** Publishes one stored copy (the dedup window has passed since the previous copy). */
  async function publishCopy(id: string): Promise<number> {
    await new Promise((r) => setTimeout(r, DUPLICATE_WINDOW_MS * 2));
    const ack = await nc.jetstream().publish(`${stream}.created`, new TextEncoder().encode('{}'), { msgID: id });
    expect(ack.duplicate).toBe(false);
    return ack.seq;
  }
  const acknowledgedUpTo = async (seq: number): Promise<true | undefined> => {
    const info = await jsm.consumers.info(stream, consumer.DURABLE_NAME);
    return info.ack_floor.stream_seq >= seq && info.num_ack_pending === 0 ? true : undefined;
  };

  it(`runs the work once for an event stored ${COPIES} times under one Nats-Msg-Id, two consumers pulling at once; all acked`, async () => {
    const id = randomUUID();
    let last = 0;
    for (let i = 0; i < COPIES; i++) last = await publishCopy(id);
    const stop = new AbortController();
    const loops = [0, 1].map(() => consumer.runConsumer(nc.jetstream(), new Dedup(db), stop.signal, () => undefined, work));
    await eventually('every copy acknowledged', () => acknowledgedUpTo(last));
    stop.abort();
    await Promise.all(loops);
    expect(effectsOf(id)).toBe(1);
  });

  it('redelivers after a SIGKILL between the committed work and the ackAck, and the next consumer skips the work', async () => {
    await jsm.consumers.update(stream, consumer.DURABLE_NAME, { ack_wait: nats.nanos(TEST_ACK_WAIT_MS) });
    const id = randomUUID();
    const seq = await publishCopy(id);
    const killed = await runChild(dir, 'child.cjs', { NATS_SERVER: SERVICES.nats.url.replace('nats://', ''), DB_FILE: dbFile });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(killed.stdout).toContain('SIGKILL before the ack');
    expect(effectsOf(id)).toBe(1);
    expect(await acknowledgedUpTo(seq)).toBeUndefined();
    const stop = new AbortController();
    const loop = consumer.runConsumer(nc.jetstream(), new Dedup(db), stop.signal, () => undefined, work);
    await eventually('the redelivery acknowledged', () => acknowledgedUpTo(seq));
    stop.abort();
    await loop;
    expect(effectsOf(id)).toBe(1);
  });
});
