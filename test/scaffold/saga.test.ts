/**
 * `eos scaffold saga`: every store × broker renders, type-checks under strict against the real
 * client packages and gets zero findings from every eos rule; the JavaScript variant loads in Node;
 * `--steps` is validated like the other identifiers; the outbox, inbox and consumer files are the
 * very files those kinds write (reused, not copied); and the generated state machine moves as its
 * documentation says. The behaviour on real servers is proven in test/services/saga-*.test.ts.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ScaffoldError, type ScaffoldPlan } from '@eos/analyzer';
import { audit, filesOf, makeProject, scaffold, typeCheck } from './helpers';

const STORES = ['postgres', 'mysql', 'sqlite'] as const;
const BROKERS = ['kafka', 'sqs', 'rabbitmq', 'pubsub', 'nats'] as const;

interface Rendered {
  label: string;
  plan: ScaffoldPlan;
}

const rendered: Rendered[] = [];

beforeAll(async () => {
  let i = 0;
  for (const store of STORES) {
    for (const broker of BROKERS) {
      const esm = i++ % 2 === 0;
      const dir = makeProject(`saga-${store}-${broker}`, { esm });
      const plan = await scaffold(dir, 'saga', { store, broker, name: 'order_saga', steps: 'reserveStock,chargePayment,ship', out: 'src/saga', language: 'ts' });
      rendered.push({ label: `${store} × ${broker} (${esm ? 'esm' : 'cjs'})`, plan });
    }
  }
}, 120_000);

describe('generated saga code', () => {
  it('type-checks under strict for every store × broker against the real clients', () => {
    const files = rendered.flatMap((r) => filesOf(r.plan, '.ts'));
    expect(files.length).toBe(15 * 20);
    expect(typeCheck(files)).toEqual([]);
  }, 600_000);

  it('gets zero findings from every eos rule', () => {
    expect(rendered.flatMap((r) => audit(filesOf(r.plan, '.ts')))).toEqual([]);
  }, 300_000);

  it('loads as JavaScript in Node (ESM), with the steps given', async () => {
    const dir = makeProject('saga-js-esm', { esm: true, typescript: false });
    const plan = await scaffold(dir, 'saga', { store: 'sqlite', broker: 'nats', steps: 'reserve, charge ,ship', out: 'src/saga' });
    const js = filesOf(plan, '.js');
    expect(js.some((f) => f.endsWith('.ts'))).toBe(false);
    const saga = js.find((f) => path.basename(f) === 'saga.js');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(saga)}); console.log(JSON.stringify(m.STEPS))`], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(['reserve', 'charge', 'ship']);
    const main = js.find((f) => path.basename(f) === 'saga-main.js');
    const exported = execFileSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(main)}); console.log(Object.keys(m).sort().join(','))`], { encoding: 'utf8' });
    expect(exported.trim()).toBe('runSagaOrchestratorFromEnv,runSagaParticipantFromEnv');
  });

  it('reuses the outbox, inbox and consumer files: the same bytes those kinds write for the same names', async () => {
    const saga = rendered.find((r) => r.label.startsWith('postgres × rabbitmq'))?.plan;
    expect(saga).toBeDefined();
    const contentOf = (plan: ScaffoldPlan, file: string): string | undefined => plan.files.find((f) => path.basename(f.path) === file)?.content;
    const outbox = await scaffold(makeProject('saga-reuse-outbox'), 'outbox', { store: 'postgres', broker: 'rabbitmq', table: 'order_saga_outbox', out: 'src/saga', language: 'ts' });
    for (const file of ['outbox-writer.ts', 'outbox-relay.ts', 'outbox-store.ts', 'outbox-publisher.ts', 'order_saga_outbox.sql']) {
      expect(contentOf(saga!, file), file).toBe(contentOf(outbox, file));
    }
    const dedup = await scaffold(makeProject('saga-reuse-dedup'), 'dedup', { store: 'postgres', table: 'order_saga_inbox', out: 'src/saga', language: 'ts' });
    for (const file of ['dedup.ts', 'dedup-retention.ts', 'dedup-cleanup.ts', 'order_saga_inbox.sql']) expect(contentOf(saga!, file), file).toBe(contentOf(dedup, file));
    const consumer = await scaffold(makeProject('saga-reuse-consumer'), 'consumer', { broker: 'rabbitmq', store: 'postgres', queue: 'order_saga_commands', out: 'src/saga', language: 'ts' });
    expect(contentOf(saga!, 'saga-command-consumer.ts')).toBe(contentOf(consumer, 'consumer.ts'));
    expect(contentOf(saga!, 'process-message.ts')).toBe(contentOf(consumer, 'process-message.ts'));
  });
});

describe('--steps', () => {
  const errorOf = async (steps: string): Promise<ScaffoldError> => {
    const dir = makeProject('saga-steps-invalid');
    try {
      await scaffold(dir, 'saga', { store: 'sqlite', broker: 'nats', steps, out: 'src/saga' });
    } catch (err) {
      if (err instanceof ScaffoldError) return err;
      throw err;
    }
    throw new Error(`--steps ${steps} was accepted`);
  };

  it('refuses a name that is not a camelCase identifier, naming the flag and the name', async () => {
    const err = await errorOf('reserve,Charge-card,ship');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('--steps "Charge-card"');
    expect(err.message).toContain('camelCase');
  });

  it('refuses an empty item and a repeated step', async () => {
    expect((await errorOf('reserve,,ship')).message).toMatch(/--steps "reserve,,ship": .*without empty items/);
    expect((await errorOf('reserve,ship,reserve')).message).toMatch(/--steps "reserve,ship,reserve": lists 'reserve' twice/);
  });

  it('refuses a name longer than 40 characters', async () => {
    expect((await errorOf(`a${'b'.repeat(40)}`)).message).toContain('must be 1 to 40 characters');
  });
});

describe('the generated state machine', () => {
  /** The generated saga.ts, as far as these tests use it. */
  type State = { status: string; stepIndex: number; attempts: number };
  type Transition =
    | { kind: 'ignore'; why: string }
    | { kind: 'move'; state: State; deadlineInMs: number | null; command?: { stepIndex: number; kind: string; attempt: number }; failure?: string };
  interface Machine {
    STEPS: readonly string[];
    initialTransition(options: object): unknown;
    onReply(state: State, reply: object, options: object): Transition;
    onDeadline(state: State, options: object): Transition;
    parseReply(body: string): unknown;
    parseCommand(body: string): unknown;
    checkSagaId(id: string): void;
  }
  let m: Machine;
  const options = { stepTimeoutMs: 1_000, compensationTimeoutMs: 100, compensationTimeoutMaxMs: 350, retentionMs: 1, sweepIntervalMs: 1, sweepBatchSize: 1, cleanupIntervalMs: 1, cleanupPageSize: 1 };

  beforeAll(async () => {
    const plan = rendered.find((r) => r.label.startsWith('sqlite × rabbitmq'))?.plan;
    const file = plan?.files.find((f) => path.basename(f.path) === 'saga.ts')?.absolutePath;
    expect(file && fs.existsSync(file)).toBe(true);
    m = (await import(file!)) as Machine;
  });

  const reply = (stepIndex: number, kind: 'action' | 'compensation', outcome: 'done' | 'refused' | 'compensated') =>
    ({ saga: 'order_saga', sagaId: 's1', step: m.STEPS[stepIndex], stepIndex, kind, outcome }) as const;

  it('runs the steps in order, then completes', () => {
    expect(m.initialTransition(options)).toEqual({ state: { status: 'running', stepIndex: 0, attempts: 1 }, deadlineInMs: 1_000, command: { stepIndex: 0, kind: 'action', attempt: 1 } });
    expect(m.onReply({ status: 'running', stepIndex: 0, attempts: 1 }, reply(0, 'action', 'done'), options)).toMatchObject({
      kind: 'move',
      state: { status: 'running', stepIndex: 1 },
      command: { stepIndex: 1, kind: 'action' },
    });
    expect(m.onReply({ status: 'running', stepIndex: 2, attempts: 1 }, reply(2, 'action', 'done'), options)).toEqual({
      kind: 'move',
      state: { status: 'completed', stepIndex: 3, attempts: 0 },
      deadlineInMs: null,
    });
  });

  it('compensates the steps before a refused one, last first; a refused first step needs none', () => {
    const refused = m.onReply({ status: 'running', stepIndex: 2, attempts: 1 }, reply(2, 'action', 'refused'), options);
    expect(refused).toMatchObject({ kind: 'move', state: { status: 'compensating', stepIndex: 1 }, command: { stepIndex: 1, kind: 'compensation', attempt: 1 } });
    expect(refused.kind === 'move' && refused.failure).toBe('step ship refused');
    const next = m.onReply({ status: 'compensating', stepIndex: 1, attempts: 3 }, reply(1, 'compensation', 'compensated'), options);
    expect(next).toMatchObject({ kind: 'move', state: { status: 'compensating', stepIndex: 0, attempts: 1 }, command: { stepIndex: 0, kind: 'compensation' } });
    expect(next.kind === 'move' && next.failure).toBeUndefined();
    expect(m.onReply({ status: 'compensating', stepIndex: 0, attempts: 1 }, reply(0, 'compensation', 'compensated'), options)).toMatchObject({
      kind: 'move',
      state: { status: 'compensated' },
      deadlineInMs: null,
    });
    expect(m.onReply({ status: 'running', stepIndex: 0, attempts: 1 }, reply(0, 'action', 'refused'), options)).toMatchObject({ kind: 'move', state: { status: 'compensated' } });
  });

  it('ignores replies that do not answer what the saga awaits', () => {
    expect(m.onReply({ status: 'compensating', stepIndex: 1, attempts: 1 }, reply(1, 'action', 'done'), options).kind).toBe('ignore');
    expect(m.onReply({ status: 'running', stepIndex: 2, attempts: 1 }, reply(1, 'action', 'done'), options).kind).toBe('ignore');
    expect(m.onReply({ status: 'compensating', stepIndex: 0, attempts: 2 }, reply(1, 'compensation', 'compensated'), options).kind).toBe('ignore');
    expect(m.onReply({ status: 'completed', stepIndex: 3, attempts: 0 }, reply(2, 'action', 'done'), options).kind).toBe('ignore');
  });

  it('on a late reply compensates the late step too, then re-sends compensations with capped backoff', () => {
    const late = m.onDeadline({ status: 'running', stepIndex: 1, attempts: 1 }, options);
    expect(late).toMatchObject({ kind: 'move', state: { status: 'compensating', stepIndex: 1, attempts: 1 }, command: { stepIndex: 1, kind: 'compensation', attempt: 1 } });
    expect(late.kind === 'move' && late.failure).toMatch(/chargePayment did not answer within 1000 ms/);
    const waits = [1, 2, 3, 4].map((attempts) => m.onDeadline({ status: 'compensating', stepIndex: 1, attempts }, options)).map((t) => (t.kind === 'move' ? [t.state.attempts, t.deadlineInMs] : []));
    expect(waits).toEqual([
      [2, 200],
      [3, 350],
      [4, 350],
      [5, 350],
    ]);
    expect(m.onDeadline({ status: 'compensated', stepIndex: -1, attempts: 0 }, options).kind).toBe('ignore');
  });

  it('refuses malformed messages instead of guessing', () => {
    expect(() => m.parseReply('not json')).toThrow(/not JSON/);
    expect(() => m.parseReply(JSON.stringify({ ...reply(0, 'action', 'done'), saga: 'other' }))).toThrow(/belongs to saga "other"/);
    expect(() => m.parseReply(JSON.stringify({ ...reply(0, 'action', 'done'), step: 'chargePayment' }))).toThrow(/unknown step/);
    expect(() => m.parseReply(JSON.stringify(reply(0, 'action', 'compensated')))).toThrow(/outcome "compensated" for its action/);
    expect(() => m.parseCommand(JSON.stringify({ saga: 'order_saga', sagaId: 's', step: 'ship', stepIndex: 2, kind: 'action' }))).toThrow(/no attempt number/);
    expect(() => m.checkSagaId('x'.repeat(201))).toThrow(RangeError);
  });
});
