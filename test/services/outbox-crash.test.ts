/**
 * A relay process SIGKILLed in the middle of a batch, then restarted, loses nothing: every event
 * written reaches the broker (re-sends of the batch in flight are allowed and counted), each
 * aggregate still in order. The relay runs as a real child process from the compiled generated
 * code (`runOutboxRelayFromEnv`), exactly as a user would deploy it; SIGTERM then stops it
 * gracefully with no lease left behind. Two relay processes sharing one table publish every event
 * exactly once in the normal path (on SQLite too, where claims are serialised by the write lock).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileProject, uniqueName, waitFor, type Broker, type Store } from '../scaffold/outbox-harness';
import {
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
  ['mysql', 'nats'],
  ['sqlite', 'rabbitmq'],
  ['postgres', 'nats'],
  ['mysql', 'rabbitmq'],
  ['sqlite', 'nats'],
];

/** The user's entry point: short leases so the restarted relay takes over the dead one's rows quickly. */
const MAIN = `import { runOutboxRelayFromEnv } from './outbox/outbox-relay-main.js';

runOutboxRelayFromEnv({ leaseMs: 1_500, publishTimeoutMs: 500, pollIntervalMs: 20, batchSize: 100 }).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
`;

interface RelayProcess {
  child: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startRelay(dist: string, env: Record<string, string>): RelayProcess {
  const child = spawn(process.execPath, [path.join(dist, 'main.js')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output, exited };
}

const AGGREGATES = 20;
const PER_AGGREGATE = 30;

for (const [store, broker] of PAIRS) {
  const storeService = serviceOfStore(store);
  const available = (storeService ? await requireService(storeService) : true) && (await requireService(serviceOfBroker(broker)));

  describe.skipIf(!available)(`outbox relay crash on ${store} → ${broker}`, () => {
    let gen: Generated & { table: string };
    let db: StoreSide;
    let mq: BrokerSide;
    let dist: string;
    const running: RelayProcess[] = [];

    beforeAll(async () => {
      gen = await generate(store, broker);
      fs.writeFileSync(path.join(gen.dir, 'src', 'main.ts'), MAIN);
      dist = compileProject(gen.dir);
      db = await openStore(store, gen);
      mq = await openBroker(broker, gen);
    });

    afterAll(async () => {
      for (const r of running) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
      await mq?.close();
      await db?.close();
    });

    it('SIGKILL mid-batch, restart: every event delivered, order kept; SIGTERM stops cleanly', async () => {
      const type = uniqueName('crash');
      const written: string[] = [];
      for (let n = 1; n <= PER_AGGREGATE; n++) {
        const events = Array.from({ length: AGGREGATES }, (_, a) => ({ aggregateType: type, aggregateId: `a${a}`, eventType: 'step', payload: { n } }));
        written.push(...(await db.transaction(`order-${type}-${n}`, events)));
      }
      const env = { ...db.env, ...mq.env };
      const mine = () => mq.received.filter((m) => m.aggregateType === type);

      const first = startRelay(dist, env);
      running.push(first);
      await waitFor('the first relay to deliver', () => mine().length > 0, 20_000, 1).catch((error: unknown) => {
        throw new Error(`${String(error)}\nrelay output:\n${first.output.join('')}`);
      });
      first.child.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      const deliveredBeforeKill = new Set(mine().map((m) => m.id)).size;
      expect(deliveredBeforeKill, 'killed before finishing').toBeLessThan(written.length);
      expect(await db.leasedUnpublished(), 'killed in the middle of a batch: rows still leased to the dead relay').toBeGreaterThan(0);

      const second = startRelay(dist, env);
      running.push(second);
      await waitFor('every event after the restart', () => new Set(mine().map((m) => m.id)).size >= written.length, 60_000).catch(
        (error: unknown) => {
          throw new Error(`${String(error)}\nrelay output:\n${second.output.join('')}`);
        },
      );
      second.child.kill('SIGTERM');
      const stopped = await Promise.race([second.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000))]);
      expect(stopped, `graceful stop; output:\n${second.output.join('')}`).toEqual({ code: 0, signal: null });
      expect(second.output.join('')).toMatch(/SIGTERM received/);

      const ids = mine().map((m) => m.id);
      expect(new Set(ids)).toEqual(new Set(written));
      const resent = ids.length - written.length;
      // Only the batch in flight at the kill may be re-sent (NATS drops re-sends within its duplicate window).
      expect(resent).toBeGreaterThanOrEqual(0);
      expect(resent).toBeLessThanOrEqual(100);
      for (const [aggregateId, steps] of firstDeliveriesByAggregate(mq.received, type)) {
        expect(steps, `order of ${aggregateId}`).toEqual(Array.from({ length: PER_AGGREGATE }, (_, i) => i + 1));
      }
      const metrics = await db.newStore().metrics();
      expect(metrics).toMatchObject({ pending: 0, deadLettered: 0 });
      expect(await db.leasedUnpublished()).toBe(0);
      console.info(`[outbox crash ${store}→${broker}] written ${written.length}, delivered before kill ${deliveredBeforeKill}, re-sent ${resent}`);
    });

    it('two relay processes at once deliver every event exactly once, in order per aggregate', async () => {
      const type = uniqueName('pair');
      const written: string[] = [];
      for (let n = 1; n <= PER_AGGREGATE; n++) {
        const events = Array.from({ length: AGGREGATES }, (_, a) => ({ aggregateType: type, aggregateId: `a${a}`, eventType: 'step', payload: { n } }));
        written.push(...(await db.transaction(`order-${type}-${n}`, events)));
      }
      const env = { ...db.env, ...mq.env };
      const mine = () => mq.received.filter((m) => m.aggregateType === type);
      const pair = [startRelay(dist, env), startRelay(dist, env)];
      running.push(...pair);
      const output = () => pair.map((p) => p.output.join('')).join('\n---\n');
      await waitFor('every event from two processes', () => mine().length >= written.length, 60_000).catch((error: unknown) => {
        throw new Error(`${String(error)}\nrelay output:\n${output()}`);
      });
      await new Promise((r) => setTimeout(r, 300));
      for (const p of pair) p.child.kill('SIGTERM');
      for (const p of pair) expect(await p.exited, output()).toEqual({ code: 0, signal: null });
      const ids = mine().map((m) => m.id);
      expect(ids.length, 'no event published twice').toBe(written.length);
      expect(new Set(ids)).toEqual(new Set(written));
      for (const [aggregateId, steps] of firstDeliveriesByAggregate(mq.received, type)) {
        expect(steps, `order of ${aggregateId}`).toEqual(Array.from({ length: PER_AGGREGATE }, (_, i) => i + 1));
      }
      const published = pair.map((p) => Number(/\((\d+) published\)/.exec(p.output.join(''))?.[1] ?? NaN));
      expect(published.reduce((a, b) => a + b, 0), output()).toBe(written.length);
      console.info(`[outbox pair ${store}→${broker}] published per process: ${published.join(' + ')}`);
    });
  });
}
