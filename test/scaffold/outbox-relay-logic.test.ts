/**
 * The relay's failure handling, on embedded SQLite with a scripted publisher: crash loops
 * (attempts started without finishing) are isolated and dead-lettered, a dead relay's lease is
 * taken over, retention deletes published rows in pages and never dead letters, a full batch is
 * followed at once by the next claim, and stop() lets the batch in flight finish.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeProject, scaffold } from './helpers';

interface Message {
  id: string;
  aggregateId: string;
  payload: string;
}
interface Claimed extends Message {
  seq: number;
}
interface Store {
  claimBatch(relayId: string, limit: number, leaseMs: number): Promise<Claimed[]>;
  metrics(): Promise<{ pending: number; retrying: number; deadLettered: number; oldestPendingAgeSeconds: number | null }>;
}
interface Relay {
  stats: { published: number; failedAttempts: number; deadLettered: number; deleted: number };
  start(): void;
  stop(): Promise<void>;
  runOnce(): Promise<{ claimed: number; moreWaiting: boolean }>;
  requeueDeadLettered(eventId: string): Promise<boolean>;
}
type RelayCtor = new (store: Store, publisher: object, options?: object, logger?: object) => Relay;

const QUIET = { info() {}, warn() {}, error() {} };
const TABLE = 'outbox';

let OutboxRelay: RelayCtor;
let SqliteOutboxStore: new (db: Database.Database) => Store;
let appendOutboxEvent: (db: Database.Database, e: object) => string;
let migration: string;
let db: Database.Database;
let store: Store;

beforeAll(async () => {
  const dir = makeProject('outbox-relay-logic');
  await scaffold(dir, 'outbox', { store: 'sqlite', broker: 'nats', out: 'src/outbox', language: 'ts' });
  const out = path.join(dir, 'src/outbox');
  ({ OutboxRelay } = (await import(path.join(out, 'outbox-relay.ts'))) as { OutboxRelay: RelayCtor });
  ({ SqliteOutboxStore } = (await import(path.join(out, 'outbox-store.ts'))) as { SqliteOutboxStore: typeof SqliteOutboxStore });
  ({ appendOutboxEvent } = (await import(path.join(out, 'outbox-writer.ts'))) as { appendOutboxEvent: typeof appendOutboxEvent });
  migration = fs.readFileSync(path.join(out, 'migrations', `${TABLE}.sql`), 'utf8');
});

beforeEach(() => {
  db = new Database(':memory:');
  db.exec(migration);
  store = new SqliteOutboxStore(db);
});

function append(aggregateId: string, n: number): string {
  return db.transaction(() => appendOutboxEvent(db, { aggregateType: 'order', aggregateId, eventType: 'step', payload: { n } }))();
}

/** A publisher that records messages; `behaviour` decides per message what happens. */
function publisher(behaviour: (m: Message) => 'ok' | 'fail' | 'hang' = () => 'ok') {
  const received: Message[] = [];
  return {
    received,
    async publish(m: Message) {
      const what = behaviour(m);
      if (what === 'fail') throw new Error('broker said no');
      if (what === 'hang') await new Promise(() => undefined);
      received.push(m);
      return 'published' as const;
    },
    async close() {},
  };
}

const row = (id: string) => db.prepare(`SELECT * FROM ${TABLE} WHERE id = ?`).get(id) as Record<string, number | string | null>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` holds (bounded: fails the test after 5 s). */
async function waitFor(check: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5_000; !check(); await sleep(5)) {
    if (Date.now() > deadline) throw new Error('condition not reached within 5 s');
  }
}

describe('outbox relay failure handling', () => {
  it('isolates an event whose attempts started without finishing, then dead-letters it after the limit', async () => {
    const poison = append('p', 1);
    const innocent = append('i', 1);
    // A relay process claims both and dies before recording an outcome (its lease then runs out).
    expect((await store.claimBatch('dead-relay', 10, 1)).map((c) => c.id).sort()).toEqual([innocent, poison].sort());
    await sleep(5);
    const pub = publisher();
    const relay = new OutboxRelay(store, pub, { leaseMs: 1_000, publishTimeoutMs: 100, maxUnfinishedAttempts: 3 }, QUIET);
    // Suspects are retried one at a time, never in a batch that a poison event could take down.
    expect(await relay.runOnce()).toEqual({ claimed: 1, moreWaiting: true });
    expect(pub.received.map((m) => m.id)).toEqual([poison]);
    expect(await relay.runOnce()).toEqual({ claimed: 1, moreWaiting: true });
    expect(pub.received.map((m) => m.id)).toEqual([poison, innocent]);

    // Now an event that kills the relay every time it is published:
    const killer = append('k', 1);
    for (let crash = 1; crash <= 3; crash++) {
      await store.claimBatch(`dead-relay-${crash}`, 10, 1);
      await sleep(5);
    }
    expect(row(killer)).toMatchObject({ attempts_started: 3, attempts: 0, dead_lettered_at: null });
    await relay.runOnce();
    expect(relay.stats.deadLettered).toBe(1);
    expect(row(killer)).toMatchObject({ attempts_started: 3, attempts: 0 });
    expect(row(killer).dead_lettered_at).not.toBeNull();
    expect(String(row(killer).last_error)).toMatch(/relay stopped 3 times while publishing/);
    expect(pub.received.map((m) => m.id)).not.toContain(killer);
  });

  it('takes over the rows of a relay whose lease ran out, and never those of a live lease', async () => {
    const id = append('a', 1);
    await store.claimBatch('live-relay', 10, 60_000);
    const pub = publisher();
    const relay = new OutboxRelay(store, pub, { leaseMs: 1_000, publishTimeoutMs: 100 }, QUIET);
    expect((await relay.runOnce()).claimed).toBe(0);
    db.prepare(`UPDATE ${TABLE} SET locked_until = ? WHERE id = ?`).run(Date.now() - 1, id);
    expect((await relay.runOnce()).claimed).toBe(1);
    expect(pub.received.map((m) => m.id)).toEqual([id]);
  });

  it('retries with backoff and dead-letters after maxAttempts; the dead letter holds back its aggregate', async () => {
    const first = append('a', 1);
    const second = append('a', 2);
    const other = append('b', 1);
    const pub = publisher((m) => (m.id === first ? 'fail' : 'ok'));
    const relay = new OutboxRelay(store, pub, { leaseMs: 1_000, publishTimeoutMs: 100, backoffBaseMs: 500, backoffMaxMs: 500, maxAttempts: 3 }, QUIET);
    await relay.runOnce();
    expect(row(first)).toMatchObject({ attempts: 1, last_error: 'broker said no' });
    expect(await store.metrics()).toMatchObject({ pending: 2, retrying: 1, deadLettered: 0 });
    expect(Number(row(first).next_attempt_at)).toBeGreaterThan(Date.now());
    // Not due yet: the backoff holds the event (and so its aggregate) back.
    await relay.runOnce();
    expect(row(first).attempts).toBe(1);
    // Backoff with jitter is 250-500 ms here: well above any scheduling delay of a loaded machine.
    for (let i = 0; i < 20 && relay.stats.deadLettered === 0; i++) {
      await sleep(510);
      await relay.runOnce();
    }
    expect(row(first).attempts).toBe(3);
    expect(row(first).dead_lettered_at).not.toBeNull();
    await relay.runOnce();
    expect(pub.received.map((m) => m.id)).toEqual([other]);
    expect(row(second).published_at).toBeNull();
    expect(await store.metrics()).toMatchObject({ pending: 1, deadLettered: 1 });

    // An operator fixes the cause and requeues it: it goes first, then the event it held back.
    expect(await relay.requeueDeadLettered(other)).toBe(false);
    expect(await relay.requeueDeadLettered(first)).toBe(true);
    expect(row(first)).toMatchObject({ attempts: 0, attempts_started: 0, dead_lettered_at: null });
    const healed = publisher();
    const healedRelay = new OutboxRelay(store, healed, { leaseMs: 1_000, publishTimeoutMs: 100 }, QUIET);
    await healedRelay.runOnce();
    expect(healed.received.map((m) => m.id)).toEqual([first, second]);
    expect(await store.metrics()).toMatchObject({ pending: 0, deadLettered: 0 });
  });

  it('keeps an aggregate in order when an event fails mid-run: the rest of the run is released, not attempted', async () => {
    const ids = [1, 2, 3].map((n) => append('a', n));
    let failOnce = true;
    const pub = publisher((m) => {
      if (m.id === ids[1] && failOnce) {
        failOnce = false;
        return 'fail';
      }
      return 'ok';
    });
    const relay = new OutboxRelay(store, pub, { leaseMs: 1_000, publishTimeoutMs: 100, backoffBaseMs: 1, backoffMaxMs: 1 }, QUIET);
    await relay.runOnce();
    expect(pub.received.map((m) => m.id)).toEqual([ids[0]]);
    expect(row(ids[2])).toMatchObject({ attempts_started: 0, attempts: 0, locked_by: null });
    await sleep(5);
    await relay.runOnce();
    expect(pub.received.map((m) => m.id)).toEqual(ids);
  });

  it('fails a publish that outlives publishTimeoutMs instead of outliving its lease', async () => {
    const id = append('a', 1);
    const relay = new OutboxRelay(store, publisher(() => 'hang'), { leaseMs: 5_000, publishTimeoutMs: 50 }, QUIET);
    await relay.runOnce();
    expect(row(id)).toMatchObject({ attempts: 1, locked_by: null });
    expect(String(row(id).last_error)).toMatch(/did not complete within 50 ms/);
  });

  it('claims again at once after a full batch and pauses after a partial one', async () => {
    for (let n = 0; n < 5; n++) append(`a${n}`, 1);
    const relay = new OutboxRelay(store, publisher(), { batchSize: 3, leaseMs: 1_000, publishTimeoutMs: 100 }, QUIET);
    expect(await relay.runOnce()).toEqual({ claimed: 3, moreWaiting: true });
    expect(await relay.runOnce()).toEqual({ claimed: 2, moreWaiting: false });
  });

  it('deletes old published rows in pages and never dead letters', async () => {
    const ids = Array.from({ length: 7 }, (_, n) => append(`a${n}`, 1));
    const dead = append('dead', 1);
    const old = Date.now() - 10 * 24 * 3600 * 1000;
    db.prepare(`UPDATE ${TABLE} SET published_at = ? WHERE id != ?`).run(old, dead);
    db.prepare(`UPDATE ${TABLE} SET dead_lettered_at = ?, created_at = ? WHERE id = ?`).run(old, old, dead);
    const recent = append('recent', 1);
    db.prepare(`UPDATE ${TABLE} SET published_at = ? WHERE id = ?`).run(Date.now(), recent);
    const relay = new OutboxRelay(store, publisher(), { cleanupPageSize: 3, retentionMs: 24 * 3600 * 1000, leaseMs: 1_000, publishTimeoutMs: 100, pollIntervalMs: 10 }, QUIET);
    relay.start();
    await waitFor(() => relay.stats.deleted >= ids.length);
    await relay.stop();
    expect(relay.stats.deleted).toBe(ids.length);
    const left = (db.prepare(`SELECT id FROM ${TABLE}`).all() as Array<{ id: string }>).map((r) => r.id).sort();
    expect(left).toEqual([dead, recent].sort());
  });

  it('stop() lets the batch in flight finish before resolving', async () => {
    const ids = [1, 2, 3].map((n) => append('a', n));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let entered = false;
    const received: string[] = [];
    const slow = {
      async publish(m: Message) {
        entered = true;
        if (m.id === ids[0]) await gate;
        received.push(m.id);
        return 'published' as const;
      },
      async close() {},
    };
    const relay = new OutboxRelay(store, slow, { leaseMs: 5_000, publishTimeoutMs: 2_000, pollIntervalMs: 10 }, QUIET);
    relay.start();
    await waitFor(() => entered);
    const stopped = relay.stop();
    let done = false;
    void stopped.then(() => (done = true));
    await sleep(30);
    expect(done).toBe(false);
    release();
    await stopped;
    // The event in flight finished and was recorded; the rest of the run was handed back untouched.
    expect(received).toEqual([ids[0]]);
    expect(row(ids[0]).published_at).not.toBeNull();
    expect(row(ids[1])).toMatchObject({ published_at: null, locked_by: null, attempts_started: 0 });
  });
});
