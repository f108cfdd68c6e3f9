/**
 * The generated outbox, on real servers: PostgreSQL, MariaDB and embedded SQLite, publishing to
 * RabbitMQ and NATS JetStream. Each store × broker pair gets its own scaffolded project, table,
 * queue / stream, and is cleaned up afterwards. Outcomes are counted: every event written is
 * received, exactly once in the normal path, in order per aggregate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker, Store } from '../scaffold/outbox-harness';
import { uniqueName, waitFor } from '../scaffold/outbox-harness';
import {
  QUIET,
  firstDeliveriesByAggregate,
  generate,
  openBroker,
  openStore,
  serviceOfBroker,
  serviceOfStore,
  type BrokerSide,
  type Generated,
  type StoreSide,
} from './outbox-fixtures';
import { requireService } from './require-service';

const PAIRS: Array<[Store, Broker]> = [
  ['postgres', 'rabbitmq'],
  ['postgres', 'nats'],
  ['mysql', 'rabbitmq'],
  ['mysql', 'nats'],
  ['sqlite', 'rabbitmq'],
  ['sqlite', 'nats'],
];

/** Relay settings that keep the tests fast; semantics are the production ones. */
const FAST = { pollIntervalMs: 20, backoffBaseMs: 10, backoffMaxMs: 100, leaseMs: 5_000, publishTimeoutMs: 2_000 };

for (const [store, broker] of PAIRS) {
  const storeService = serviceOfStore(store);
  const available = (storeService ? await requireService(storeService) : true) && (await requireService(serviceOfBroker(broker)));

  describe.skipIf(!available)(`outbox on ${store} → ${broker}`, () => {
    let gen: Generated & { table: string };
    let db: StoreSide;
    let mq: BrokerSide;

    beforeAll(async () => {
      gen = await generate(store, broker);
      db = await openStore(store, gen);
      mq = await openBroker(broker, gen);
    });

    afterAll(async () => {
      await mq?.close();
      await db?.close();
    });

    it('commits the event with the business row, and a rollback leaves neither', async () => {
      const kept = await db.transaction('order-kept', [{ aggregateType: 'tx', aggregateId: 'kept', eventType: 'order.placed', payload: { n: 1 } }]);
      await expect(
        db.transaction('order-dropped', [{ aggregateType: 'tx', aggregateId: 'dropped', eventType: 'order.placed', payload: { n: 1 } }], true),
      ).rejects.toThrow('business rule failed');
      expect(await db.orderExists('order-kept')).toBe(true);
      expect(await db.orderExists('order-dropped')).toBe(false);
      expect(await db.eventIds()).toEqual(kept);
    });

    it('refuses to append outside a transaction', async () => {
      const before = await db.eventIds();
      await expect(db.appendWithoutTransaction({ aggregateType: 'tx', aggregateId: 'loose', eventType: 'x', payload: {} })).rejects.toThrow(
        /no open transaction/,
      );
      expect(await db.eventIds()).toEqual(before);
    });

    // SQLite has one writer at a time; on the servers, writers of one aggregate must queue up.
    if (store !== 'sqlite' && broker === 'rabbitmq') {
      it('concurrent writers of one aggregate: seq order is commit order, so the relay publishes in commit order', async () => {
        const WRITERS = 12;
        const type = uniqueName('writers');
        const committed: string[] = [];
        await Promise.all(
          Array.from({ length: WRITERS }, async (_, i) => {
            const tx = await db.openTransaction();
            const id = await tx.append({ aggregateType: type, aggregateId: 'shared', eventType: 'step', payload: { writer: i } });
            // Hold the transaction a little, a different time each, so commits could overtake each other.
            await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
            await tx.commit();
            committed.push(id);
          }),
        );
        const bySeq = (await db.eventIds()).filter((id) => committed.includes(id));
        expect(bySeq).toEqual(committed);
      });
    }

    it('two relays deliver every event exactly once in the normal path, in order per aggregate', async () => {
      const type = uniqueName('agg');
      const AGGREGATES = 8;
      const PER_AGGREGATE = 25;
      const written: string[] = [];
      // Interleaved transactions, several events per transaction, so batches mix aggregates.
      for (let n = 1; n <= PER_AGGREGATE; n++) {
        const events = Array.from({ length: AGGREGATES }, (_, a) => ({
          aggregateType: type,
          aggregateId: `a${a}`,
          eventType: 'step.done',
          payload: { n },
          headers: { traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` },
        }));
        written.push(...(await db.transaction(`order-${type}-${n}`, events)));
      }
      // Earlier tests may have left events pending; the relays publish those too.
      const pendingBefore = (await db.newStore().metrics()).pending;
      const relays = await Promise.all(
        [0, 1].map(async () => new gen.relay.OutboxRelay(db.newStore(), await mq.newPublisher(), { ...FAST, batchSize: 16 }, QUIET)),
      );
      for (const r of relays) r.start();
      const mine = () => mq.received.filter((m) => m.aggregateType === type);
      try {
        await waitFor('all events received', () => mine().length >= written.length, 30_000);
        // Give a would-be duplicate time to show up.
        await new Promise((r) => setTimeout(r, 300));
      } finally {
        await Promise.all(relays.map((r) => r.stop()));
      }
      const ids = mine().map((m) => m.id);
      expect(ids.length).toBe(written.length);
      expect(new Set(ids)).toEqual(new Set(written));
      expect(relays.reduce((sum, r) => sum + r.stats.published, 0)).toBe(pendingBefore);
      expect(relays.reduce((sum, r) => sum + r.stats.duplicates, 0)).toBe(0);
      for (const [aggregateId, steps] of firstDeliveriesByAggregate(mq.received, type)) {
        expect(steps, `order of ${aggregateId}`).toEqual(Array.from({ length: PER_AGGREGATE }, (_, i) => i + 1));
      }
      const sample = mine()[0];
      expect(sample.headers.traceparent).toMatch(/^00-1{32}-2{16}-01$/);
      expect(sample.eventType).toBe('step.done');
      const metrics = await db.newStore().metrics();
      expect(metrics).toEqual({ pending: 0, retrying: 0, deadLettered: 0, oldestPendingAgeSeconds: null });
    });

    it('keeps per-aggregate order across two relays when publishes fail before and after reaching the broker', async () => {
      const type = uniqueName('flaky');
      const AGGREGATES = 5;
      const PER_AGGREGATE = 12;
      const written: string[] = [];
      for (let n = 1; n <= PER_AGGREGATE; n++) {
        const events = Array.from({ length: AGGREGATES }, (_, a) => ({ aggregateType: type, aggregateId: `f${a}`, eventType: 'step.done', payload: { n } }));
        written.push(...(await db.transaction(`order-${type}-${n}`, events)));
      }
      // Deterministic pseudo-random failures: some before the send (nothing reached the broker),
      // some after it (the broker has the message but the relay never learns: a lost confirm).
      let seed = 7;
      const random = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647);
      let failedBefore = 0;
      let failedAfter = 0;
      const flaky = async () => {
        const real = await mq.newPublisher();
        return {
          async publish(m: Parameters<typeof real.publish>[0]) {
            const roll = random();
            if (roll < 0.15) {
              failedBefore++;
              throw new Error('connection reset before send');
            }
            const outcome = await real.publish(m);
            if (roll > 0.9) {
              failedAfter++;
              throw new Error('confirm lost after send');
            }
            return outcome;
          },
          close: () => real.close(),
        };
      };
      const options = { ...FAST, batchSize: 8, backoffBaseMs: 5, backoffMaxMs: 20, maxAttempts: 100 };
      const relays = await Promise.all([0, 1].map(async () => new gen.relay.OutboxRelay(db.newStore(), await flaky(), options, QUIET)));
      for (const r of relays) r.start();
      const mine = () => mq.received.filter((m) => m.aggregateType === type);
      try {
        await waitFor('all flaky events received', () => new Set(mine().map((m) => m.id)).size >= written.length, 30_000);
        await waitFor('the outbox drained', async () => (await db.newStore().metrics()).pending === 0, 10_000);
      } finally {
        await Promise.all(relays.map((r) => r.stop()));
      }
      expect(failedBefore, 'failures before the send happened').toBeGreaterThan(0);
      expect(failedAfter, 'failures after the send happened').toBeGreaterThan(0);
      expect(new Set(mine().map((m) => m.id))).toEqual(new Set(written));
      for (const [aggregateId, steps] of firstDeliveriesByAggregate(mq.received, type)) {
        expect(steps, `order of ${aggregateId}`).toEqual(Array.from({ length: PER_AGGREGATE }, (_, i) => i + 1));
      }
      expect(relays.reduce((sum, r) => sum + r.stats.failedAttempts, 0)).toBe(failedBefore + failedAfter);
      expect((await db.newStore().metrics()).deadLettered).toBe(0);
    });

    if (store === 'postgres') it('an idle relay is woken by the commit (LISTEN/NOTIFY), not by its next poll', async () => {
      const type = uniqueName('notify');
      const relay = new gen.relay.OutboxRelay(db.newStore(), await mq.newPublisher(), { ...FAST, pollIntervalMs: 120_000 }, QUIET);
      relay.start();
      try {
        // Let the relay finish its first (empty) round and go to sleep for two minutes.
        await waitFor('the relay to go idle', async () => (await db.newStore().metrics()).pending === 0, 10_000);
        await new Promise((r) => setTimeout(r, 300));
        const started = Date.now();
        const [id] = await db.transaction(`order-${type}`, [{ aggregateType: type, aggregateId: 'n', eventType: 'x', payload: { n: 1 } }]);
        await waitFor('the notified delivery', () => mq.received.some((m) => m.id === id), 10_000);
        expect(Date.now() - started).toBeLessThan(5_000);
      } finally {
        await relay.stop();
      }
    });

    if (broker === 'rabbitmq') it('an unroutable message fails the publish instead of vanishing', async () => {
      const { RabbitMqPublisher } = (await import(`${gen.dir}/src/outbox/outbox-publisher.ts`)) as {
        RabbitMqPublisher: new (o: { url: string; exchange: string }) => { publish(m: object): Promise<string>; close(): Promise<void> };
      };
      const exchange = uniqueName('unbound');
      const publisher = new RabbitMqPublisher({ url: mq.env.AMQP_URL, exchange });
      try {
        const message = { id: 'unroutable-1', aggregateType: 'x', aggregateId: 'x', eventType: 'y', payload: '{}', headers: {}, createdAt: new Date() };
        await expect(publisher.publish(message)).rejects.toThrow(/could not route/);
      } finally {
        await publisher.close();
        const { connect } = await import('amqplib');
        const c = await connect(mq.env.AMQP_URL);
        const ch = await c.createChannel();
        await ch.deleteExchange(exchange);
        await c.close();
      }
    });

    if (broker === 'nats') it('a re-send of the same event id is reported as a duplicate and stored once', async () => {
      const publisher = await mq.newPublisher();
      const type = uniqueName('dup');
      const message = { id: `${type}-1`, aggregateType: type, aggregateId: 'd', eventType: 'dup.test', payload: '{"n":1}', headers: {} };
      await expect(publisher.publish({ ...message, createdAt: new Date() } as never)).resolves.toBe('published');
      await expect(publisher.publish({ ...message, createdAt: new Date() } as never)).resolves.toBe('duplicate');
      await waitFor('the first copy', () => mq.received.some((m) => m.aggregateType === type), 5_000);
      await new Promise((r) => setTimeout(r, 200));
      expect(mq.received.filter((m) => m.aggregateType === type).map((m) => m.id)).toEqual([message.id]);
      await expect(publisher.publish({ ...message, id: `${type}-2`, eventType: 'bad type', createdAt: new Date() } as never)).rejects.toThrow(
        /not a valid NATS subject/,
      );
    });

    it('metrics report pending depth and the age of the oldest pending event', async () => {
      const type = uniqueName('metrics');
      await db.transaction(`order-${type}`, [
        { aggregateType: type, aggregateId: 'm', eventType: 'x', payload: { n: 1 } },
        { aggregateType: type, aggregateId: 'm', eventType: 'x', payload: { n: 2 } },
      ]);
      await new Promise((r) => setTimeout(r, 1_100));
      const metrics = await db.newStore().metrics();
      expect(metrics).toMatchObject({ pending: 2, retrying: 0, deadLettered: 0 });
      expect(metrics.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(1);
      expect(metrics.oldestPendingAgeSeconds).toBeLessThan(60);
      const relay = new gen.relay.OutboxRelay(db.newStore(), await mq.newPublisher(), FAST, QUIET);
      await relay.runOnce();
      await waitFor('metrics events received', () => mq.received.filter((m) => m.aggregateType === type).length === 2, 10_000);
      expect((await db.newStore().metrics()).pending).toBe(0);
    });
  });
}
