/**
 * The tests eos writes into a user's project can fail. For each generated test file, the generated
 * code it guards (its subject) is broken on purpose, one break at a time, and the generated test is
 * run as a user would (`node --test`, JavaScript/CommonJS variant): it must pass as generated and
 * fail once broken, with the test named for that guarantee among the failures. Every break must
 * apply exactly once, so a template change that moves the code fails here instead of silently
 * testing nothing.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, scaffold } from '../scaffold/helpers';
import { runNodeTest } from './pipeline-fixtures';
import { requireService, SERVICES, type ServiceName } from './require-service';

/** One edit of a generated file: `find` must occur exactly once. */
interface Edit {
  readonly file: string;
  readonly find: string;
  readonly replace: string;
}

/** One deliberate break of the subject. */
interface Break {
  /** What the break does to the subject, in words. */
  readonly what: string;
  readonly edits: readonly Edit[];
  /** Names (substrings) of the generated tests that must fail. */
  readonly fails: readonly string[];
}

interface Subject {
  readonly name: string;
  readonly template: string;
  readonly answers: Record<string, unknown>;
  /** The generated test file, relative to --out. */
  readonly test: string;
  readonly services: readonly ServiceName[];
  readonly env: Record<string, string>;
  readonly tables?: (answers: Record<string, unknown>) => string[];
  readonly breaks: readonly Break[];
}

const OUT = 'src/gen';
const suffix = (): string => randomBytes(3).toString('hex');
const PG = { OUTBOX_TEST_DATABASE_URL: SERVICES.postgres.url, EOS_TEST_DATABASE_URL: SERVICES.postgres.url };
const MY = { OUTBOX_TEST_DATABASE_URL: SERVICES.mariadb.url, EOS_TEST_DATABASE_URL: SERVICES.mariadb.url };

/** The relay publishes every claimed event; these break it in the ways the outbox test must catch. */
const RELAY_BREAKS: readonly Break[] = [
  {
    what: 'the relay marks one event in three published without sending it',
    edits: [{ file: 'outbox-relay.js', find: 'const outcome = await withTimeout(this.publisher.publish(event), this.options.publishTimeoutMs);', replace: "const outcome = event.seq % 3 === 0 ? 'published' : await withTimeout(this.publisher.publish(event), this.options.publishTimeoutMs);" }],
    fails: ['the relay publishes every event once'],
  },
  {
    what: "the relay publishes an aggregate's events newest first",
    edits: [{ file: 'outbox-relay.js', find: 'const ordered = [...run].sort((a, b) => a.seq - b.seq);', replace: 'const ordered = [...run].sort((a, b) => b.seq - a.seq);' }],
    fails: ['in order per aggregate'],
  },
  {
    what: 'the relay never dead-letters',
    edits: [{ file: 'outbox-relay.js', find: 'const deadLetter = attempts >= this.options.maxAttempts;', replace: 'const deadLetter = false;' }],
    fails: ['dead-lettered'],
  },
];

/** The SQLite dedup insert gets a fresh key each time, so no delivery is ever a duplicate. */
const noDedup = (file: string): Edit => ({ file, find: 'VALUES (?, ?, ?) ON CONFLICT DO NOTHING', replace: 'VALUES (?, ? || random(), ?) ON CONFLICT DO NOTHING' });

/** positionOf never finds a position: the order guard is off. */
const noPosition = (file: string): Edit => ({ file, find: 'if (!aggregateType || !aggregateId || !seq || !SEQ.test(seq))', replace: 'if (true)' });

const consumerSubject = (broker: string, settle: Break, extra: readonly Break[] = []): Subject => ({
  name: `consumer.test ${broker} × sqlite --ordered`,
  template: 'consumer',
  answers: { broker, store: 'sqlite', ordered: true, queue: 'orders', fromOutbox: 'none' },
  test: 'consumer.test.js',
  services: [],
  env: {},
  breaks: [
    settle,
    { what: 'the dedup record never matches, so a redelivery runs the work again', edits: [noDedup('dedup.js')], fails: ['redelivery after a crash'] },
    { what: 'the order guard is off, so a late older event is applied', edits: [noPosition('process-message.js')], fails: ['applies an aggregate in order'] },
    ...extra,
  ],
});

const SUBJECTS: readonly Subject[] = [
  {
    name: 'outbox.test sqlite',
    template: 'outbox',
    answers: { store: 'sqlite', broker: 'nats' },
    test: 'outbox.test.js',
    services: [],
    env: {},
    breaks: [
      ...RELAY_BREAKS,
      {
        what: "claims ignore expired leases, so a dead relay's events are never taken over",
        edits: [{ file: 'outbox-store.js', find: 'AND (o.locked_until IS NULL OR o.locked_until < @now)', replace: 'AND o.locked_until IS NULL' }],
        fails: ['leased by a relay that died'],
      },
      {
        what: 'the writer appends outside a transaction',
        edits: [{ file: 'outbox-writer.js', find: 'if (!db.inTransaction) {', replace: 'if (false) {' }],
        fails: ['appending outside a transaction is refused'],
      },
    ],
  },
  {
    name: 'outbox.test postgres',
    template: 'outbox',
    answers: { store: 'postgres', broker: 'rabbitmq', table: `eos_meta_ob_${suffix()}` },
    test: 'outbox.test.js',
    services: ['postgres'],
    env: PG,
    tables: (a) => [String(a.table)],
    breaks: [
      {
        what: "the writer takes no advisory lock, so an aggregate's appends can commit out of seq order",
        edits: [{ file: 'outbox-writer.js', find: 'SELECT pg_advisory_xact_lock(hashtextextended($7, 0))', replace: 'SELECT hashtextextended($7, 0)' }],
        fails: ['a second writer of the same aggregate waits'],
      },
      {
        what: 'the writer appends outside a transaction',
        edits: [{ file: 'outbox-writer.js', find: 'if (!state.rows[0]?.in_transaction) {', replace: 'if (false) {' }],
        fails: ['appending outside a transaction is refused'],
      },
    ],
  },
  {
    name: 'outbox.test mysql',
    template: 'outbox',
    answers: { store: 'mysql', broker: 'rabbitmq', table: `eos_meta_ob_${suffix()}` },
    test: 'outbox.test.js',
    services: ['mariadb'],
    env: MY,
    tables: (a) => [String(a.table), `${String(a.table)}_aggregates`],
    breaks: [
      {
        what: "the writer locks no aggregate row, so an aggregate's appends can commit out of seq order",
        edits: [{ file: 'outbox-writer.js', find: 'ON DUPLICATE KEY UPDATE aggregate_id = aggregate_id', replace: 'ON DUPLICATE KEY UPDATE aggregate_id = aggregate_id`, []); await tx.query(`DO 0' }],
        fails: ['a second writer of the same aggregate waits'],
      },
      {
        what: 'the writer appends outside a transaction',
        edits: [{ file: 'outbox-writer.js', find: 'if ((lock.serverStatus & SERVER_STATUS_IN_TRANS) === 0) {', replace: 'if (false) {' }],
        fails: ['appending outside a transaction is refused'],
      },
    ],
  },
  {
    name: 'dedup.test sqlite --ordered',
    template: 'dedup',
    answers: { store: 'sqlite', ordered: true },
    test: 'dedup.test.js',
    services: [],
    env: {},
    breaks: [
      {
        what: 'the dedup insert never conflicts, so a redelivery runs the work again',
        edits: [{ file: 'dedup.js', find: 'VALUES (?, ?, ?) ON CONFLICT DO NOTHING', replace: 'VALUES (?, ? || random(), ?) ON CONFLICT DO NOTHING' }],
        fails: ['skips a redelivery'],
      },
      {
        what: 'the position is never compared, so a late older event is applied',
        edits: [{ file: 'dedup.js', find: 'if (row !== undefined && row.applied_seq >= position.seq)', replace: 'if (false)' }],
        fails: ['skipped as stale'],
      },
    ],
  },
  {
    name: 'dedup.test postgres',
    template: 'dedup',
    answers: { store: 'postgres', table: `eos_meta_dd_${suffix()}` },
    test: 'dedup.test.js',
    services: ['postgres'],
    env: PG,
    tables: (a) => [String(a.table)],
    breaks: [
      {
        what: 'the dedup row commits on its own, before the work (no transaction)',
        edits: [{ file: 'dedup.js', find: "await tx.query('BEGIN');", replace: '' }],
        fails: ['rolls the dedup row back with failed work'],
      },
    ],
  },
  {
    name: 'dedup.test mysql',
    template: 'dedup',
    answers: { store: 'mysql', table: `eos_meta_dd_${suffix()}` },
    test: 'dedup.test.js',
    services: ['mariadb'],
    env: MY,
    tables: (a) => [String(a.table)],
    breaks: [
      {
        what: 'a duplicate-key error is not recognised as a duplicate',
        edits: [{ file: 'dedup.js', find: "const ER_DUP_ENTRY = 'ER_DUP_ENTRY';", replace: "const ER_DUP_ENTRY = 'ER_NOT_A_CODE';" }],
        fails: ['skips a redelivery'],
      },
    ],
  },
  {
    name: 'dedup.test redis',
    template: 'dedup',
    answers: { store: 'redis', table: `eos_meta_dd_${suffix()}` },
    test: 'dedup.test.js',
    services: ['redis'],
    env: { EOS_TEST_REDIS_URL: SERVICES.redis.url },
    breaks: [
      {
        what: 'the claim is not atomic (SET without NX)',
        edits: [{ file: 'dedup.js', find: "'PX', exports.CLAIM_TTL_MS, 'NX')", replace: "'PX', exports.CLAIM_TTL_MS)" }],
        fails: ['runs the work once when duplicates arrive concurrently'],
      },
      {
        what: 'a failed attempt keeps its claim, so the redelivery is refused until the claim expires',
        edits: [{ file: 'dedup.js', find: 'await this.redis.eval(RELEASE_SCRIPT, 1, key, token);', replace: '' }],
        fails: ['releases the claim when the work fails'],
      },
    ],
  },
  consumerSubject('rabbitmq', {
    what: 'a failed message is acked (lost) instead of requeued',
    edits: [{ file: 'consumer.js', find: 'channel.reject(message, true);', replace: 'channel.ack(message);' }],
    fails: ['requeues a failed message'],
  }),
  consumerSubject('nats', {
    what: 'a failed message is acked (lost) instead of nak-ed',
    edits: [{ file: 'consumer.js', find: 'else\n            message.nak(RETRY_DELAY_MS);', replace: 'else\n            void message.ackAck();' }],
    fails: ['naks a failed message'],
  }),
  consumerSubject('kafka', {
    what: 'a failure is swallowed, so kafkajs commits the offset of work that never happened',
    edits: [{ file: 'consumer.js', find: 'onError(err);\n        throw err;', replace: 'onError(err);' }],
    fails: ['rejects when the work fails'],
  }),
  consumerSubject('sqs', {
    what: 'a message whose work failed is deleted anyway',
    edits: [
      {
        file: 'consumer.js',
        find: '    finally {\n        clearInterval(keepInvisible);\n    }\n    await sqs.send(new client_sqs_1.DeleteMessageCommand',
        replace: '    catch {\n        // swallowed\n    }\n    finally {\n        clearInterval(keepInvisible);\n    }\n    await sqs.send(new client_sqs_1.DeleteMessageCommand',
      },
    ],
    fails: ['does not delete a message whose work failed'],
  }),
  consumerSubject(
    'pubsub',
    {
      what: 'a failed message is acked (lost) instead of nacked',
      edits: [{ file: 'consumer.js', find: 'message.nack();\n        return false;', replace: 'void message.ackWithResponse();\n        return false;' }],
      fails: ['nacks a failed message'],
    },
    [
      {
        what: 'messages of one ordering key run concurrently',
        edits: [{ file: 'consumer.js', find: 'subscription.on(\'message\', (message) => dispatcher.dispatch(message));', replace: 'subscription.on(\'message\', (message) => void onMessage(dedup, message, onError, handle));' }],
        fails: ['runs one ordering key one message at a time'],
      },
    ],
  ),
  {
    name: 'pipeline.test sqlite × rabbitmq --ordered',
    template: 'pipeline',
    answers: { store: 'sqlite', broker: 'rabbitmq', ordered: true, queue: `eos-meta-${suffix()}` },
    test: 'pipeline.test.js',
    services: ['rabbitmq'],
    env: { AMQP_URL: SERVICES.rabbitmq.url },
    breaks: [
      {
        what: 'the relay marks one event in three published without sending it',
        edits: RELAY_BREAKS[0].edits.map((e) => ({ ...e, file: `outbox/${e.file}` })),
        fails: ['every event takes effect once'],
      },
      {
        what: "the consumer's dedup record never matches and its order guard is off: nothing stops a re-sent copy",
        edits: [noDedup('consumer/dedup.js'), noPosition('consumer/process-message.js')],
        fails: ['every event takes effect once'],
      },
    ],
  },
];

interface TestRun {
  fail: number;
  /** Names of the failing tests, suites included. */
  failed: string[];
  output: string;
}

/** Runs one generated test file with `node --test` in its project and reads the TAP report. */
async function runGenerated(dir: string, file: string, env: Record<string, string>): Promise<TestRun> {
  const r = await runNodeTest(dir, file, env, 240_000);
  const output = `${r.stdout}\n${r.stderr}`;
  const fail = Number(/^# fail (\d+)/m.exec(r.stdout)?.[1] ?? NaN);
  const failed = [...r.stdout.matchAll(/^\s*not ok \d+ - (.*)$/gm)].map((m) => m[1]);
  return { fail, failed, output };
}

function applyEdit(dir: string, edit: Edit): void {
  const file = path.join(dir, edit.file);
  const text = fs.readFileSync(file, 'utf8');
  const count = text.split(edit.find).length - 1;
  if (count !== 1) throw new Error(`${edit.file}: the text to break occurs ${count} times, not once (did the template change?):\n${edit.find}`);
  fs.writeFileSync(file, text.replace(edit.find, () => edit.replace));
}

async function dropTables(services: readonly ServiceName[], tables: readonly string[]): Promise<void> {
  if (tables.length === 0) return;
  if (services.includes('postgres')) {
    const { Pool } = await import('pg');
    const pool = new Pool({ connectionString: SERVICES.postgres.url });
    await pool.query(`DROP TABLE IF EXISTS ${tables.map((t) => `"${t}"`).join(', ')}`);
    await pool.end();
  } else if (services.includes('mariadb')) {
    const { createPool } = await import('mysql2/promise');
    const pool = createPool({ uri: SERVICES.mariadb.url });
    await pool.query(`DROP TABLE IF EXISTS ${tables.map((t) => `\`${t}\``).join(', ')}`);
    await pool.end();
  }
}

for (const subject of SUBJECTS) {
  let available = true;
  for (const service of subject.services) available = (await requireService(service)) && available;

  describe.skipIf(!available)(`generated ${subject.name}`, () => {
    it(`passes as generated, and fails under each of its ${subject.breaks.length} breaks`, async () => {
      const dir = makeProject(`meta-${subject.name.replace(/[^a-z0-9]+/gi, '-')}`, { typescript: false });
      await scaffold(dir, subject.template, { ...subject.answers, out: OUT, language: 'js', module: 'cjs' });
      const out = path.join(dir, OUT);
      const testFile = path.join(OUT, subject.test);
      try {
        const baseline = await runGenerated(dir, testFile, subject.env);
        expect(baseline.fail, baseline.output).toBe(0);
        for (const broken of subject.breaks) {
          const originals = new Map(broken.edits.map((e) => [e.file, fs.readFileSync(path.join(out, e.file), 'utf8')]));
          try {
            for (const edit of broken.edits) applyEdit(out, edit);
            const run = await runGenerated(dir, testFile, subject.env);
            expect(run.fail, `${broken.what}: the generated test still passed\n${run.output}`).toBeGreaterThan(0);
            for (const name of broken.fails) {
              expect(run.failed.some((f) => f.includes(name)), `${broken.what}: expected a failing test named like "${name}", got ${JSON.stringify(run.failed)}`).toBe(true);
            }
            console.info(`[meta] ${subject.name} | ${broken.what} -> failed: ${run.failed.filter((f) => broken.fails.some((n) => f.includes(n))).join('; ')}`);
          } finally {
            for (const [file, text] of originals) fs.writeFileSync(path.join(out, file), text);
          }
        }
      } finally {
        await dropTables(subject.services, subject.tables?.(subject.answers) ?? []);
      }
    }, 600_000);
  });
}
