/**
 * Every dedup store and every consumer broker × store combination (plus each broker ordered and
 * wired to an outbox, and the pipeline), rendered into a user project,
 * type-checks under `strict` against the real client packages installed at the repo root, and
 * gets zero findings from every eos rule. Half the projects are ESM ("type": "module"), half CJS,
 * so both module systems resolve the generated imports.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { audit, filesOf, makeProject, scaffold, typeCheck, typeCheckInChild } from './helpers';

const STORES = ['postgres', 'mysql', 'sqlite', 'redis'] as const;
const BROKERS = ['kafka', 'sqs', 'rabbitmq', 'pubsub', 'nats'] as const;

interface Rendered {
  label: string;
  ts: string[];
  js: string[];
}

const rendered: Rendered[] = [];

beforeAll(async () => {
  let i = 0;
  for (const store of STORES) {
    const esm = i++ % 2 === 0;
    const dir = makeProject(`typecheck-dedup-${store}`, { esm });
    const plan = await scaffold(dir, 'dedup', { store, out: 'src/eos', language: 'ts' });
    rendered.push({ label: `dedup ${store} (${esm ? 'esm' : 'cjs'})`, ts: filesOf(plan, '.ts'), js: [] });
    for (const broker of BROKERS) {
      const consumerEsm = i++ % 2 === 0;
      const cdir = makeProject(`typecheck-consumer-${broker}-${store}`, { esm: consumerEsm });
      const cplan = await scaffold(cdir, 'consumer', { broker, store, queue: 'orders', out: 'src/consumers', language: 'ts' });
      rendered.push({ label: `consumer ${broker} × ${store} (${consumerEsm ? 'esm' : 'cjs'})`, ts: filesOf(cplan, '.ts'), js: [] });
    }
  }
  // Every broker ordered and wired to an outbox (its own store each), and the pipeline: the
  // composed code imports the outbox's modules, so both are checked in one program.
  const composedStores = ['postgres', 'mysql', 'sqlite'] as const;
  for (const [b, broker] of BROKERS.entries()) {
    const store = composedStores[b % composedStores.length];
    const esm = i++ % 2 === 0;
    const dir = makeProject(`typecheck-composed-${broker}-${store}`, { esm });
    const outbox = await scaffold(dir, 'outbox', { store, broker, out: 'src/outbox', language: 'ts' });
    const cplan = await scaffold(dir, 'consumer', { broker, store, queue: 'orders', ordered: true, out: 'src/consumers', language: 'ts' });
    expect(cplan.answers.composed, `consumer ${broker} finds the outbox`).toBe(true);
    rendered.push({ label: `consumer ${broker} × ${store} --ordered, composed (${esm ? 'esm' : 'cjs'})`, ts: [...filesOf(outbox, '.ts'), ...filesOf(cplan, '.ts')], js: [] });
  }
  for (const [store, broker, ordered] of [['postgres', 'rabbitmq', true], ['mysql', 'nats', false], ['sqlite', 'rabbitmq', false], ['sqlite', 'nats', true]] as const) {
    const esm = i++ % 2 === 0;
    const dir = makeProject(`typecheck-pipeline-${store}-${broker}`, { esm });
    const plan = await scaffold(dir, 'pipeline', { store, broker, ordered, out: 'src/orders', language: 'ts' });
    rendered.push({ label: `pipeline ${store} × ${broker}${ordered ? ' --ordered' : ''} (${esm ? 'esm' : 'cjs'})`, ts: filesOf(plan, '.ts'), js: [] });
  }
  // The JS variant of two combinations, one per module system: rendered, then loaded by Node.
  for (const [broker, store, esm] of [['rabbitmq', 'postgres', false], ['nats', 'sqlite', true]] as const) {
    const dir = makeProject(`typecheck-js-${broker}-${store}`, { esm, typescript: false });
    const plan = await scaffold(dir, 'consumer', { broker, store, queue: 'orders', out: 'src/consumers' });
    rendered.push({ label: `consumer ${broker} × ${store} JS (${esm ? 'esm' : 'cjs'})`, ts: [], js: filesOf(plan, '.js') });
  }
}, 120_000);

describe('generated code', () => {
  it('type-checks under strict against pg, mysql2, better-sqlite3, ioredis, kafkajs, @aws-sdk/client-sqs, amqplib, @google-cloud/pubsub, nats', async () => {
    const files = rendered.flatMap((r) => r.ts);
    expect(files.length).toBeGreaterThan(300);
    expect(await typeCheckInChild(files)).toEqual([]);
  }, 300_000);

  it('the check sees real library types: a misused client API is an error', async () => {
    const dir = makeProject('typecheck-negative');
    const file = path.join(dir, 'wrong.ts');
    fs.writeFileSync(file, "import type { Channel } from 'amqplib';\nexport const f = (c: Channel): void => c.acknowledge();\n");
    expect(typeCheck([file]).join('\n')).toContain("Property 'acknowledge' does not exist on type 'Channel'");
    expect((await typeCheckInChild([file])).join('\n')).toContain("Property 'acknowledge' does not exist on type 'Channel'");
  });

  it('JS variants load in Node (ESM and CommonJS) and export the consumer', () => {
    for (const r of rendered.filter((x) => x.js.length > 0)) {
      expect(r.js.some((f) => f.endsWith('.ts'))).toBe(false);
      const consumer = r.js.find((f) => path.basename(f) === 'consumer.js');
      expect(consumer, r.label).toBeDefined();
      const exported = execFileSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(consumer)}); console.log(Object.keys(m).sort().join(','))`], { encoding: 'utf8' });
      expect(exported, r.label).toContain('onMessage');
      expect(exported, r.label).toContain('runConsumer');
    }
  });

  it('gets zero findings from every eos rule', () => {
    const findings = rendered.flatMap((r) => audit([...r.ts, ...r.js]));
    expect(findings).toEqual([]);
  }, 120_000);
});
