/**
 * The saga proof on real servers: 200 sagas per store × broker, steps that fail at random
 * (planned refusals, transient errors), while two orchestrator and two participant processes
 * (compiled from the generated code, run as a user would deploy them) are SIGKILLed at random and
 * restarted. Afterwards:
 * - every saga ended COMPLETED or COMPENSATED;
 * - each action and each compensation took effect at most once, a completed saga's actions all
 *   exactly once, and no refused action left a write behind;
 * - compensations ran exactly for the steps whose action took effect, last step first;
 * - the orchestrators never drove one saga twice: each command (saga, step, kind, attempt) was
 *   sent once, and an action was never sent twice;
 * - SIGTERM stops every process cleanly.
 * Orchestrator and participants use separate databases, as separate services would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type Broker, type Store } from '../scaffold/outbox-harness';
import { serviceOfBroker, serviceOfStore } from './outbox-fixtures';
import { requireService } from './require-service';
import { createSagaProject, STEPS, type Effect, type RunnerOptions, type SagaProject } from './saga-fixtures';

const PAIRS: Array<[Store, Broker]> = [
  ['postgres', 'rabbitmq'],
  ['mysql', 'nats'],
  ['sqlite', 'rabbitmq'],
  ['postgres', 'nats'],
  ['mysql', 'rabbitmq'],
  ['sqlite', 'nats'],
];

const SAGAS = 200;
/** Share of sagas whose payload plans a refusal at a random step. */
const REFUSING_SHARE = 0.3;
/** Share of actions and compensations that fail with a transient error first. */
const FLAKY = 0.1;
/** Kills per run; the kill phase also lasts until every saga is started. */
const KILLS = 24;
/** Time for every saga to finish once the kills stopped (NATS redelivers a killed consumer's message after its 30 s ack wait). */
const SETTLE_MS = 180_000;

const RUNNER: RunnerOptions = {
  saga: { stepTimeoutMs: 12_000, compensationTimeoutMs: 2_000, compensationTimeoutMaxMs: 8_000, sweepIntervalMs: 200, cleanupIntervalMs: 60_000 },
  relay: { leaseMs: 1_500, publishTimeoutMs: 500, pollIntervalMs: 20 },
};

type Role = 'orchestrator' | 'participant';

interface Service {
  readonly label: string;
  readonly role: Role;
  child: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const between = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min));

for (const [store, broker] of PAIRS) {
  const storeService = serviceOfStore(store);
  const available = (storeService ? await requireService(storeService) : true) && (await requireService(serviceOfBroker(broker)));

  describe.skipIf(!available)(`saga crash proof on ${store} + ${broker}`, () => {
    let project: SagaProject;
    const services: Service[] = [];

    beforeAll(async () => {
      project = await createSagaProject(store, broker, RUNNER);
    }, 240_000);

    afterAll(async () => {
      for (const s of services) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
      await Promise.all(services.map((s) => s.exited));
      await project?.close();
    });

    const spawnService = (service: Pick<Service, 'label' | 'role'>): Service => {
      const env = { ...process.env, ...(service.role === 'orchestrator' ? project.orchestratorDb.env : project.participantDb.env), ...project.brokerEnv, SAGA_TEST_FLAKY: String(FLAKY) };
      const child = spawn(process.execPath, [path.join(project.dist, `${service.role}-main.js`)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const output: string[] = [];
      const keep = (d: Buffer): void => {
        output.push(d.toString());
        if (output.length > 200) output.splice(0, output.length - 200);
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      return { ...service, child, output, exited };
    };

    const outputs = (): string => services.map((s) => `--- ${s.label}\n${s.output.join('').slice(-3_000)}`).join('\n');

    it(`${SAGAS} sagas end COMPLETED or COMPENSATED, each effect once, compensations in reverse, under SIGKILL`, async () => {
      const began = Date.now();
      for (const [label, role] of [['orchestrator-1', 'orchestrator'], ['orchestrator-2', 'orchestrator'], ['participant-1', 'participant'], ['participant-2', 'participant']] as const) {
        services.push(spawnService({ label, role }));
      }
      const starter = await project.newStarter();
      const planned = new Map<string, number | null>();
      const kills: Record<Role, number> = { orchestrator: 0, participant: 0 };
      let startedAll = false;

      const starting = (async () => {
        for (let i = 0; i < SAGAS; i++) {
          const sagaId = `saga-${i}`;
          const refuseAt = Math.random() < REFUSING_SHARE ? between(0, STEPS.length) : null;
          planned.set(sagaId, refuseAt);
          expect(await starter.start(sagaId, { refuseAt })).toBe(true);
          if (i % 10 === 9) await sleep(100);
        }
        // Starting again is a no-op: the saga id is the idempotency key.
        expect(await starter.start('saga-0', { refuseAt: null })).toBe(false);
        startedAll = true;
      })();

      const chaos = (async () => {
        while (kills.orchestrator + kills.participant < KILLS || !startedAll) {
          await sleep(between(300, 1_200));
          const index = between(0, services.length);
          const victim = services[index];
          victim.child.kill('SIGKILL');
          const exit = await victim.exited;
          expect(exit.signal, `${victim.label} died before it was killed:\n${victim.output.join('')}`).toBe('SIGKILL');
          kills[victim.role] += 1;
          await sleep(between(50, 400));
          services[index] = spawnService(victim);
        }
      })();
      await Promise.all([starting, chaos]);
      const chaosEnded = Date.now();

      const unfinished = async (): Promise<string> => {
        const sagas = await project.finalSagas();
        const open = sagas.filter((s) => s.status !== 'completed' && s.status !== 'compensated');
        return `${open.length} of ${sagas.length} unfinished: ${JSON.stringify(open.slice(0, 5))}`;
      };
      await waitFor('every saga to finish', async () => (await unfinished()).startsWith('0 of'), SETTLE_MS, 250).catch(async (error: unknown) => {
        throw new Error(`${String(error)}\n${await unfinished()}\n${outputs()}`);
      });
      const settled = Date.now();

      // Graceful stop: every process (the last restarted ones up by now) ends with exit code 0 after SIGTERM.
      for (const s of services) {
        await waitFor(`${s.label} to be up`, () => s.output.join('').includes(`saga: ${s.role} started`), 60_000, 100).catch((error: unknown) => {
          throw new Error(`${String(error)}\n${s.output.join('')}`);
        });
      }
      for (const s of services) s.child.kill('SIGTERM');
      for (const s of services) {
        const stopped = await Promise.race([s.exited, sleep(20_000).then(() => 'hung' as const)]);
        expect(stopped, `${s.label} after SIGTERM:\n${s.output.join('').slice(-3_000)}`).toEqual({ code: 0, signal: null });
      }

      const sagas = await project.finalSagas();
      expect(sagas).toHaveLength(SAGAS);
      const effects = await project.effects();
      expect(effects.filter((e) => e.kind === 'refused-write'), 'a refused action left a write behind').toEqual([]);
      const bySaga = new Map<string, Effect[]>();
      for (const e of effects) bySaga.set(e.sagaId, [...(bySaga.get(e.sagaId) ?? []), e]);
      const counts = { completed: 0, compensated: 0, actions: 0, compensations: 0, timedOut: 0, refused: 0 };
      for (const saga of sagas) {
        const mine = bySaga.get(saga.sagaId) ?? [];
        const label = `saga ${saga.sagaId} (${saga.status}, refuseAt ${String(planned.get(saga.sagaId))}, failure ${String(saga.failure)}): ${JSON.stringify(mine)}`;
        const actions = mine.filter((e) => e.kind === 'action').map((e) => STEPS.indexOf(e.step as (typeof STEPS)[number]));
        const compensations = mine.filter((e) => e.kind === 'compensation').map((e) => STEPS.indexOf(e.step as (typeof STEPS)[number]));
        // Each action and each compensation took effect at most once, in step order.
        expect(new Set(actions).size, label).toBe(actions.length);
        expect(new Set(compensations).size, label).toBe(compensations.length);
        expect(actions, label).toEqual([...actions].sort((a, b) => a - b));
        // The actions that took effect are a prefix of the steps.
        expect(actions, label).toEqual(actions.map((_, i) => i));
        counts.actions += actions.length;
        counts.compensations += compensations.length;
        if (saga.status === 'completed') {
          counts.completed += 1;
          expect(actions, label).toEqual(STEPS.map((_, i) => i));
          expect(compensations, label).toEqual([]);
          expect(planned.get(saga.sagaId), label).toBeNull();
        } else {
          expect(saga.status, label).toBe('compensated');
          counts.compensated += 1;
          // Compensated exactly the steps whose action took effect, last first.
          expect(compensations, label).toEqual([...actions].reverse());
          if (saga.failure?.includes('refused')) counts.refused += 1;
          else counts.timedOut += 1;
          const refuseAt = planned.get(saga.sagaId);
          if (refuseAt !== null && refuseAt !== undefined) expect(actions.includes(refuseAt), label).toBe(false);
        }
      }
      expect(counts.completed, 'some sagas complete').toBeGreaterThan(0);
      expect(counts.refused, 'some sagas compensate a refusal').toBeGreaterThan(0);

      // One orchestrator at a time: every command was sent once, an action at most once.
      const commands = await project.sentCommands();
      const keys = commands.map((c) => `${c.sagaId}/${c.step}/${c.kind}/${c.attempt}`);
      expect(new Set(keys).size, 'a command sent twice').toBe(keys.length);
      expect(commands.filter((c) => c.kind === 'action' && c.attempt !== 1)).toEqual([]);
      const resent = commands.filter((c) => c.attempt > 1).length;

      // Tombstones: a compensation that found its action never ran claimed the action's record.
      const records = new Set(await project.stepRecords());
      const tombstones = [...records].filter((key) => {
        const [step, kind, sagaId] = [key.split(':')[0], key.split(':')[1], key.split(':').slice(2).join(':')];
        if (kind !== 'action') return false;
        const took = (bySaga.get(sagaId) ?? []).some((e) => e.step === step && e.kind === 'action');
        const refusedHere = planned.get(sagaId) === STEPS.indexOf(step as (typeof STEPS)[number]);
        return !took && !refusedHere;
      }).length;

      console.info(
        `[saga crash ${store}+${broker}] sagas ${SAGAS}: completed ${counts.completed}, compensated ${counts.compensated} ` +
          `(refused ${counts.refused}, timed out ${counts.timedOut}); kills: orchestrator ${kills.orchestrator}, participant ${kills.participant}; ` +
          `actions took effect ${counts.actions}, compensations ${counts.compensations}, tombstones ${tombstones}, compensations re-sent ${resent}; ` +
          `kill phase ${((chaosEnded - began) / 1000).toFixed(1)} s, settle ${((settled - chaosEnded) / 1000).toFixed(1)} s, total ${((Date.now() - began) / 1000).toFixed(1)} s`,
      );
    }, SETTLE_MS + 240_000);
  });
}
