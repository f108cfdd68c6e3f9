/**
 * `eos scaffold outbox` for every store × broker: the generated code type-checks under strict
 * against the real client packages, gets zero findings from every eos rule, loads as JavaScript
 * in both module systems, and matches golden files for representative answer sets. Bad answers
 * fail with a usage error; the Debezium config names the generated table's real columns.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ScaffoldError, detectProject, loadTemplate, planScaffold, resolveAnswers } from '@eos/analyzer';
import { audit, filesOf, makeProject, scaffold, typeCheck } from './helpers';
import { BROKERS, STORES } from './outbox-harness';

const OUT = 'src/outbox';

interface Rendered {
  label: string;
  ts: string[];
  js: string[];
}

const rendered: Rendered[] = [];

beforeAll(async () => {
  let i = 0;
  for (const store of STORES) {
    for (const broker of BROKERS) {
      const esm = i++ % 2 === 0;
      const dir = makeProject(`outbox-${store}-${broker}`, { esm });
      const plan = await scaffold(dir, 'outbox', { store, broker, out: OUT, language: 'ts' });
      rendered.push({ label: `outbox ${store} × ${broker} (${esm ? 'esm' : 'cjs'})`, ts: filesOf(plan, '.ts'), js: [] });
    }
  }
  for (const store of ['postgres', 'mysql'] as const) {
    const dir = makeProject(`outbox-cdc-${store}`);
    const plan = await scaffold(dir, 'outbox', { store, broker: 'kafka', relay: 'cdc', out: OUT, language: 'ts' });
    rendered.push({ label: `outbox cdc ${store}`, ts: filesOf(plan, '.ts'), js: [] });
  }
  for (const [store, broker, esm] of [['postgres', 'rabbitmq', false], ['sqlite', 'nats', true]] as const) {
    const dir = makeProject(`outbox-js-${store}-${broker}`, { esm, typescript: false });
    const plan = await scaffold(dir, 'outbox', { store, broker, out: OUT });
    rendered.push({ label: `outbox ${store} × ${broker} JS (${esm ? 'esm' : 'cjs'})`, ts: [], js: filesOf(plan, '.js') });
  }
}, 120_000);

describe('generated outbox code', () => {
  it('has the writer, store, relay, publisher, entry point and test for every combination', () => {
    for (const r of rendered.filter((x) => x.label.startsWith('outbox ') && !x.label.includes('cdc') && x.ts.length > 0)) {
      expect(r.ts.map((f) => path.basename(f)).sort(), r.label).toEqual(
        ['outbox-publisher.ts', 'outbox-relay-main.ts', 'outbox-relay.ts', 'outbox-store.ts', 'outbox-writer.ts', 'outbox.test.ts'].sort(),
      );
    }
  });

  it('type-checks under strict against pg, mysql2, better-sqlite3, kafkajs, @aws-sdk/client-sqs, amqplib, @google-cloud/pubsub, nats', () => {
    const files = rendered.flatMap((r) => r.ts);
    expect(files.length).toBe(15 * 6 + 2 * 2);
    expect(typeCheck(files)).toEqual([]);
  }, 300_000);

  it('the check sees real library types: a wrong publish option is an error', () => {
    const dir = makeProject('outbox-typecheck-negative');
    const file = path.join(dir, 'wrong.ts');
    fs.writeFileSync(file, "import type { Topic } from '@google-cloud/pubsub';\nexport const f = (t: Topic) => t.publishMessage({ data: Buffer.from(''), idempotencyKey: 'x' });\n");
    expect(typeCheck([file]).join('\n')).toContain("'idempotencyKey' does not exist");
  }, 60_000);

  it('the writers refuse a connection pool at compile time (its queries would run outside the transaction)', async () => {
    for (const [store, poolType, call] of [
      ['postgres', "import { Pool } from 'pg';", 'new Pool()'],
      ['mysql', "import { createPool } from 'mysql2/promise';", "createPool({ uri: 'mysql://x' })"],
    ] as const) {
      const dir = makeProject(`outbox-pool-negative-${store}`);
      await scaffold(dir, 'outbox', { store, broker: 'kafka', out: OUT, language: 'ts' });
      const file = path.join(dir, OUT, 'misuse.ts');
      fs.writeFileSync(
        file,
        `${poolType}\nimport { appendOutboxEvent } from './outbox-writer.js';\n` +
          `export const misuse = () => appendOutboxEvent(${call}, { aggregateType: 'a', aggregateId: '1', eventType: 'e', payload: {} });\n`,
      );
      const errors = typeCheck([file]).join('\n');
      expect(errors, store).toMatch(/misuse\.ts:3:.*TS2345/);
    }
  }, 120_000);

  it('gets zero findings from every eos rule', () => {
    const findings = rendered.flatMap((r) => audit([...r.ts, ...r.js]));
    expect(findings).toEqual([]);
  }, 120_000);

  it('JS variants load in Node (ESM and CommonJS) and export the relay', () => {
    for (const r of rendered.filter((x) => x.js.length > 0)) {
      expect(r.js.some((f) => f.endsWith('.ts'))).toBe(false);
      for (const [file, name] of [['outbox-relay.js', 'OutboxRelay'], ['outbox-writer.js', 'appendOutboxEvent'], ['outbox-relay-main.js', 'runOutboxRelayFromEnv']]) {
        const target = r.js.find((f) => path.basename(f) === file);
        expect(target, `${r.label} ${file}`).toBeDefined();
        const exported = execFileSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(target)}); console.log(Object.keys(m).join(','))`], {
          encoding: 'utf8',
        });
        expect(exported, `${r.label} ${file}`).toContain(name);
      }
    }
  });
});

/** Resolves answers like `eos scaffold outbox --yes` and plans, without writing. */
async function plan(given: Record<string, unknown>, name = 'outbox-plan') {
  const dir = makeProject(name);
  const spec = loadTemplate('outbox');
  const project = detectProject(dir);
  const answers = await resolveAnswers(spec, { given: { out: OUT, language: 'ts', ...given }, project, yes: true });
  return planScaffold(spec, answers, project);
}

function contentOf(p: Awaited<ReturnType<typeof plan>>, suffix: string): string {
  const file = p.files.find((f) => f.path.endsWith(suffix));
  if (!file) throw new Error(`no planned file ends with ${suffix}: ${p.files.map((f) => f.path).join(', ')}`);
  return file.content;
}

describe('outbox answers', () => {
  it.each(['Orders', 'order-events', 'x;drop table users', 'a'.repeat(49), '1outbox'])('rejects --table %j', async (table) => {
    await expect(plan({ store: 'postgres', broker: 'kafka', table })).rejects.toMatchObject({ kind: 'usage', message: expect.stringContaining('--table') });
  });

  it('quotes a reserved-word table name per dialect, in SQL and in code', async () => {
    const pg = await plan({ store: 'postgres', broker: 'kafka', table: 'order' });
    expect(contentOf(pg, 'migrations/order.sql')).toContain('CREATE TABLE IF NOT EXISTS "order" (');
    expect(contentOf(pg, 'outbox-store.ts')).toContain(`const OUTBOX_TABLE = '"order"';`);
    const my = await plan({ store: 'mysql', broker: 'kafka', table: 'order' });
    expect(contentOf(my, 'migrations/order.sql')).toContain('CREATE TABLE IF NOT EXISTS `order` (');
    expect(contentOf(my, 'outbox-writer.ts')).toContain("const OUTBOX_TABLE = '`order`';");
  });

  it('refuses --relay cdc with SQLite, naming the reason', async () => {
    const error = await plan({ store: 'sqlite', broker: 'kafka', relay: 'cdc' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScaffoldError);
    expect(error).toMatchObject({ kind: 'usage', exitCode: 2 });
    expect((error as Error).message).toMatch(/--relay cdc is not available with --store sqlite/);
  });

  it('a malformed constraint in template.json is reported when the template loads (engine support added for the outbox)', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-templates-'));
    try {
      fs.mkdirSync(path.join(root, 'bad'));
      fs.writeFileSync(path.join(root, 'bad', 'a.hbs'), 'x');
      fs.writeFileSync(
        path.join(root, 'bad', 'template.json'),
        JSON.stringify({
          name: 'bad',
          description: 'constraint checks',
          variables: [{ name: 'store', type: 'choice', choices: ['a', 'b'], prompt: 'store?' }],
          files: [{ source: 'a.hbs', target: 'a.txt' }],
          constraints: [{ when: { store: 'a' } }, { when: { nope: 'x' }, message: 'm' }],
        }),
      );
      expect(() => loadTemplate('bad', root)).toThrow(/constraints\[0\] must be an object with a when condition and a non-empty message[\s\S]*constraints\[1\]\.when names unknown variable 'nope'/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses --relay cdc with a broker Debezium (Kafka Connect) does not publish to', async () => {
    await expect(plan({ store: 'postgres', broker: 'rabbitmq', relay: 'cdc' })).rejects.toMatchObject({ kind: 'usage', message: expect.stringContaining('--broker kafka') });
  });
});

/** Column names declared in a CREATE TABLE statement (one column per line). */
function columnsOf(sql: string): Set<string> {
  const body = sql.slice(sql.indexOf('(') + 1);
  return new Set([...body.matchAll(/^\s{2}([a-z_]+)\s+[A-Za-z]/gm)].map((m) => m[1]).filter((c) => !['PRIMARY', 'UNIQUE', 'KEY'].includes(c)));
}

describe('Debezium outbox router config (--relay cdc)', () => {
  for (const store of ['postgres', 'mysql'] as const) {
    it(`${store}: names the generated table and its real columns`, async () => {
      const p = await plan({ store, broker: 'kafka', relay: 'cdc', table: 'order_events' }, `outbox-cdc-plan-${store}`);
      expect(p.files.map((f) => path.basename(f.path)).sort()).toEqual(['debezium-order_events-connector.json', 'order_events.sql', 'outbox-retention.ts', 'outbox-writer.ts']);
      const config = (JSON.parse(contentOf(p, 'debezium-order_events-connector.json')) as { config: Record<string, string> }).config;
      const columns = columnsOf(contentOf(p, 'migrations/order_events.sql'));
      expect(config['transforms.outbox.type']).toBe('io.debezium.transforms.outbox.EventRouter');
      expect(config['table.include.list']).toMatch(/\.order_events$/);
      // Debezium's defaults (aggregatetype, aggregateid, type) do not exist in our table: every field must be mapped.
      const referenced = [
        config['transforms.outbox.table.field.event.id'],
        config['transforms.outbox.table.field.event.key'],
        config['transforms.outbox.table.field.event.payload'],
        config['transforms.outbox.route.by.field'],
        ...config['transforms.outbox.table.fields.additional.placement'].split(',').map((p) => p.split(':')[0]),
      ];
      for (const column of referenced) expect(columns, `column ${column}`).toContain(column);
      expect(referenced).toEqual(expect.arrayContaining(['id', 'aggregate_id', 'aggregate_type', 'event_type', 'payload']));
      expect(config['connector.class']).toBe(store === 'postgres' ? 'io.debezium.connector.postgresql.PostgresConnector' : 'io.debezium.connector.mysql.MySqlConnector');
    });
  }
});

const GOLDEN_SETS: ReadonlyArray<{ name: string; esm?: boolean; given: Record<string, unknown> }> = [
  { name: 'postgres-kafka-ts', given: { store: 'postgres', broker: 'kafka', language: 'ts' } },
  { name: 'mysql-rabbitmq-ts', given: { store: 'mysql', broker: 'rabbitmq', table: 'order_events', language: 'ts' } },
  { name: 'sqlite-sqs-ts', given: { store: 'sqlite', broker: 'sqs', language: 'ts' } },
  { name: 'postgres-pubsub-ts', given: { store: 'postgres', broker: 'pubsub', language: 'ts' } },
  { name: 'sqlite-nats-js-esm', esm: true, given: { store: 'sqlite', broker: 'nats', language: 'js', module: 'esm' } },
  { name: 'mysql-kafka-cdc', given: { store: 'mysql', broker: 'kafka', relay: 'cdc', language: 'ts' } },
];

describe('golden outbox output', () => {
  for (const set of GOLDEN_SETS) {
    it(set.name, async () => {
      const dir = makeProject(`outbox-golden-${set.name}`, { esm: set.esm });
      const spec = loadTemplate('outbox');
      const answers = await resolveAnswers(spec, { given: { ...set.given, out: OUT }, project: detectProject(dir), yes: true });
      const p = planScaffold(spec, answers, detectProject(dir));
      for (const file of p.files) {
        await expect(file.content).toMatchFileSnapshot(path.join('outbox-golden', set.name, `${path.relative(OUT, file.path)}.golden`));
      }
      expect(p.files.map((f) => f.path)).toMatchSnapshot();
    });
  }
});
