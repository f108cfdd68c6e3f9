/**
 * `eos scaffold pipeline` end to end, as a user runs it: the generated pipeline.test (writer →
 * relay → broker → consumer → effect, with a SIGKILL of the relay and of the consumer mid-stream)
 * runs with `node --test` against the real servers and must pass, not skip, for every store ×
 * broker: PostgreSQL, MariaDB and SQLite with RabbitMQ and NATS JetStream. One combination is the
 * TypeScript variant compiled with tsc (migrations then found from the project root); the others
 * are the JavaScript variants in both module systems, with and without --ordered.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProject, removeProject, type Store } from '../scaffold/outbox-harness';
import { brokerEnv, databaseUrl, dropTables, runNodeTest, scaffoldPipeline, serviceOfStore, type PipelineBroker, type PipelineOptions } from './pipeline-fixtures';
import { requireService } from './require-service';

const COMBINATIONS: ReadonlyArray<PipelineOptions> = [
  { store: 'postgres', broker: 'rabbitmq', ordered: true, language: 'ts', module: 'cjs' },
  { store: 'mysql', broker: 'rabbitmq', ordered: false, language: 'js', module: 'cjs' },
  { store: 'sqlite', broker: 'rabbitmq', ordered: false, language: 'js', module: 'esm' },
  { store: 'postgres', broker: 'nats', ordered: false, language: 'js', module: 'cjs' },
  { store: 'mysql', broker: 'nats', ordered: true, language: 'js', module: 'esm' },
  { store: 'sqlite', broker: 'nats', ordered: true, language: 'js', module: 'cjs' },
];

/** The generated test waits out a killed NATS consumer's AckWait (30 s unordered): room for that and start-up. */
const RUN_TIMEOUT_MS = 240_000;

async function available(store: Store, broker: PipelineBroker): Promise<boolean> {
  const storeService = serviceOfStore(store);
  return (storeService ? await requireService(storeService) : true) && (await requireService(broker));
}

for (const options of COMBINATIONS) {
  const label = `${options.store} × ${options.broker}${options.ordered ? ' --ordered' : ''} (${options.language} ${options.module})`;
  describe.skipIf(!(await available(options.store, options.broker)))(`generated pipeline.test on ${label}`, () => {
    it('passes with node --test: every event took effect once while the relay and the consumer were SIGKILLed', async () => {
      const pipeline = await scaffoldPipeline(options);
      try {
        const testFile =
          options.language === 'ts'
            ? path.join(compileProject(pipeline.dir), path.relative('src', pipeline.out), 'pipeline.test.js')
            : path.join(pipeline.dir, pipeline.out, 'pipeline.test.js');
        const url = databaseUrl(options.store);
        const started = Date.now();
        const run = await runNodeTest(pipeline.dir, testFile, { ...brokerEnv(options.broker), ...(url ? { PIPELINE_TEST_DATABASE_URL: url } : {}) }, RUN_TIMEOUT_MS);
        const report = `${run.stdout}\n${run.stderr}`;
        expect(run.status, report).toBe(0);
        expect(report).toMatch(/^# pass 1$/m);
        expect(report).toMatch(/^# fail 0$/m);
        expect(report).toMatch(/^# skipped 0$/m);
        console.info(`[pipeline e2e ${label}] passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      } finally {
        await dropTables(pipeline);
        removeProject(pipeline.dir);
      }
    }, RUN_TIMEOUT_MS + 60_000);
  });
}
