/**
 * Plumbing for the pipeline tests: `eos scaffold pipeline` into a throw-away project with names
 * unique to the run (queue / stream, tables), the servers it talks to, its relay and consumer as
 * child processes (the generated pipeline-test-process entry, as the generated test runs them),
 * and the clean-up of everything it created on the shared servers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { detectProject, loadTemplate, planScaffold, resolveAnswers, writePlan } from '@eos/analyzer';
import { makeProject, type Store } from '../scaffold/outbox-harness';
import { SERVICES, type ServiceName } from './require-service';

export type PipelineBroker = 'rabbitmq' | 'nats';

export interface PipelineOptions {
  store: Store;
  broker: PipelineBroker;
  ordered: boolean;
  language: 'ts' | 'js';
  module: 'esm' | 'cjs';
}

/** A scaffolded pipeline and the names it was given. */
export interface ScaffoldedPipeline extends PipelineOptions {
  dir: string;
  /** --out, relative to the project. */
  out: string;
  queue: string;
  outboxTable: string;
  dedupTable: string;
}

export const OUT = 'src/pipeline';

export function serviceOfStore(store: Store): ServiceName | undefined {
  return store === 'postgres' ? 'postgres' : store === 'mysql' ? 'mariadb' : undefined;
}

export function databaseUrl(store: Store): string | undefined {
  return store === 'postgres' ? SERVICES.postgres.url : store === 'mysql' ? SERVICES.mariadb.url : undefined;
}

/** Scaffolds the pipeline with a random suffix on every name other helpers' runs could share. */
export async function scaffoldPipeline(options: PipelineOptions): Promise<ScaffoldedPipeline> {
  const suffix = randomBytes(4).toString('hex');
  const names = { queue: `eos-pl-${suffix}`, outboxTable: `eos_pl_outbox_${suffix}`, dedupTable: `eos_pl_dedup_${suffix}` };
  const dir = makeProject(`pipeline-${options.store}-${options.broker}`, options.module === 'esm');
  const template = loadTemplate('pipeline');
  const project = detectProject(dir);
  const given = { ...options, ...names, out: OUT };
  writePlan(planScaffold(template, await resolveAnswers(template, { given, project, yes: true }), project));
  return { ...options, ...names, dir, out: OUT };
}

/** Every table the pipeline (and its test's effects) creates. */
export function tablesOf(p: ScaffoldedPipeline): string[] {
  return [p.outboxTable, `${p.outboxTable}_aggregates`, p.dedupTable, `${p.dedupTable}_positions`, `${p.dedupTable}_test_effects`];
}

/** Drops the pipeline's tables on PostgreSQL / MariaDB (SQLite lives in a temp file). */
export async function dropTables(p: ScaffoldedPipeline): Promise<void> {
  const tables = tablesOf(p);
  if (p.store === 'postgres') {
    const { Pool } = await import('pg');
    const pool = new Pool({ connectionString: SERVICES.postgres.url });
    await pool.query(`DROP TABLE IF EXISTS ${tables.map((t) => `"${t}"`).join(', ')}`);
    await pool.end();
  } else if (p.store === 'mysql') {
    const { createPool } = await import('mysql2/promise');
    const pool = createPool({ uri: SERVICES.mariadb.url });
    await pool.query(`DROP TABLE IF EXISTS ${tables.map((t) => `\`${t}\``).join(', ')}`);
    await pool.end();
  }
}

/** The broker's connection settings, as the relay and consumer processes read them. */
export function brokerEnv(broker: PipelineBroker): Record<string, string> {
  return broker === 'rabbitmq' ? { AMQP_URL: SERVICES.rabbitmq.url } : { NATS_URL: SERVICES.nats.url };
}

/** A relay or consumer process started from the generated pipeline-test-process entry. */
export interface PartProcess {
  readonly role: 'relay' | 'consumer';
  readonly child: ChildProcess;
  readonly output: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts one part and resolves once it printed `ready`; rejects with its output if it exits or stalls first. */
export function startPart(entry: string, role: PartProcess['role'], env: Record<string, string>, timeoutMs = 60_000): Promise<PartProcess> {
  const child = spawn(process.execPath, [entry], { env: { ...process.env, ...env, PIPELINE_TEST_ROLE: role }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const part: PartProcess = { role, child, output, exited };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} not ready within ${timeoutMs} ms:\n${output.join('')}`)), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      if (/^ready$/m.test(output.join(''))) {
        clearTimeout(timer);
        resolve(part);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${role} exited (${code ?? signal}) before it was ready:\n${output.join('')}`));
    });
  });
}

/** The generated child entry of a JS pipeline. */
export function processEntry(p: ScaffoldedPipeline): string {
  return path.join(p.dir, p.out, 'pipeline-test-process.js');
}

/** What a finished `node --test` run printed and how it ended. */
export interface NodeTestRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node --test <file>` in `cwd`, without blocking this process (a long synchronous spawn
 * starves the test runner's own messaging); SIGKILLs it after `timeoutMs`.
 */
export function runNodeTest(cwd: string, file: string, env: Record<string, string>, timeoutMs: number): Promise<NodeTestRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', file], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}
