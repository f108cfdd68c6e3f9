/**
 * Real-server plumbing for the saga tests: a scaffolded saga project, an orchestrator database and
 * a participant database per store (separate databases, as separate services would have), the
 * test's own entry points for both roles, and the broker names to clean up. Every database, table,
 * queue, exchange and stream is unique to the run and removed afterwards.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connect as amqpConnect } from 'amqplib';
import Database from 'better-sqlite3';
import { createPool, type RowDataPacket } from 'mysql2/promise';
import { connect as natsConnect } from 'nats';
import { Pool as PgPool } from 'pg';
import { compileProject, makeProject, removeProject, uniqueName, type Broker, type Store } from '../scaffold/outbox-harness';
import { scaffold } from '../scaffold/helpers';
import { SERVICES } from './require-service';

/** Where the saga is written inside the test project. */
export const SAGA_OUT = 'src/saga';

/** Steps of the saga under test. */
export const STEPS = ['reserve', 'charge', 'ship'] as const;

/** What the test's participant reads from a saga's payload. */
export interface TestPayload {
  /** The step whose action refuses (after writing, to prove the write is undone), or null. */
  readonly refuseAt: number | null;
}

/** One row of the participant's effects table. */
export interface Effect {
  readonly seq: number;
  readonly sagaId: string;
  readonly step: string;
  readonly kind: 'action' | 'compensation' | 'refused-write';
}

/** A saga's final row, as the orchestrator stored it. */
export interface FinalSaga {
  readonly sagaId: string;
  readonly status: string;
  readonly failure: string | null;
}

/** A command the orchestrator's outbox holds. */
export interface SentCommand {
  readonly sagaId: string;
  readonly step: string;
  readonly kind: string;
  readonly attempt: number;
}

/** One role's database. */
export interface RoleDatabase {
  readonly env: Record<string, string>;
  /** Runs the migrations (and the test's effects table on the participant side). */
  migrate(files: string[], extra?: string): Promise<void>;
  query<T>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

/** Starts sagas through the generated orchestrator, in-process. */
export interface SagaStarter {
  start(sagaId: string, payload: TestPayload): Promise<boolean>;
  close(): Promise<void>;
}

export interface SagaProject {
  readonly dir: string;
  readonly name: string;
  readonly dist: string;
  readonly orchestratorDb: RoleDatabase;
  readonly participantDb: RoleDatabase;
  readonly brokerEnv: Record<string, string>;
  newStarter(): Promise<SagaStarter>;
  effects(): Promise<Effect[]>;
  finalSagas(): Promise<FinalSaga[]>;
  sentCommands(): Promise<SentCommand[]>;
  /** Inbox records of the participant's step claims, by key `<step>:<kind>:<saga id>`. */
  stepRecords(): Promise<string[]>;
  close(): Promise<void>;
}

/** The participant's test handlers for one store: transient failures, planned refusals, effects. */
function participantMain(store: Store, options: string): string {
  const sync = store === 'sqlite';
  const insert =
    store === 'postgres'
      ? `await tx.query('INSERT INTO effects (saga_id, step, kind) VALUES ($1, $2, $3)', [sagaId, step, kind]);`
      : store === 'mysql'
        ? `await tx.query('INSERT INTO effects (saga_id, step, kind) VALUES (?, ?, ?)', [sagaId, step, kind]);`
        : `tx.prepare('INSERT INTO effects (saga_id, step, kind) VALUES (?, ?, ?)').run(sagaId, step, kind);`;
  const fn = sync ? 'function' : 'async function';
  const call = sync ? '' : 'await ';
  return `import type { Transaction } from './saga/dedup.js';
import { runSagaParticipantFromEnv } from './saga/saga-main.js';
import { StepRefused, type StepHandlers } from './saga/saga-participant.js';
import { STEPS } from './saga/saga.js';

/** Share of actions and compensations that fail with a transient error (retried by redelivery). */
const FLAKY = Number(process.env.SAGA_TEST_FLAKY ?? '0');

${fn} record(tx: Transaction, sagaId: string, step: string, kind: string)${sync ? ': void' : ': Promise<void>'} {
  ${insert}
}

const handlers: StepHandlers = {};
STEPS.forEach((step, index) => {
  handlers[step] = {
    ${sync ? '' : 'async '}action(tx, { sagaId, payload }) {
      if (Math.random() < FLAKY) throw new Error('transient failure of ' + step);
      if ((payload as { refuseAt: number | null }).refuseAt === index) {
        // Written, then refused: the savepoint must undo this row.
        ${call}record(tx, sagaId, step, 'refused-write');
        throw new StepRefused('planned refusal');
      }
      ${call}record(tx, sagaId, step, 'action');
    },
    ${sync ? '' : 'async '}compensate(tx, { sagaId }) {
      if (Math.random() < FLAKY) throw new Error('transient failure of the compensation of ' + step);
      ${call}record(tx, sagaId, step, 'compensation');
    },
  };
});

const quiet = { info: (m: string) => console.log(m), warn() {}, error: (m: string) => console.error(m) };
runSagaParticipantFromEnv(handlers, { ...${options}, logger: quiet }).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
`;
}

function orchestratorMain(options: string): string {
  return `import { runSagaOrchestratorFromEnv } from './saga/saga-main.js';

const quiet = { info: (m: string) => console.log(m), warn() {}, error: (m: string) => console.error(m) };
runSagaOrchestratorFromEnv({ ...${options}, logger: quiet }).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
`;
}

const EFFECTS_DDL: Record<Store, string> = {
  postgres: 'CREATE TABLE effects (seq bigserial PRIMARY KEY, saga_id text NOT NULL, step text NOT NULL, kind text NOT NULL)',
  mysql: 'CREATE TABLE effects (seq BIGINT AUTO_INCREMENT PRIMARY KEY, saga_id VARCHAR(200) NOT NULL, step VARCHAR(64) NOT NULL, kind VARCHAR(32) NOT NULL) ENGINE = InnoDB',
  sqlite: 'CREATE TABLE effects (seq INTEGER PRIMARY KEY AUTOINCREMENT, saga_id TEXT NOT NULL, step TEXT NOT NULL, kind TEXT NOT NULL)',
};

/** Options (a TS object literal) both entry points pass to the generated runners. */
export interface RunnerOptions {
  readonly saga: Record<string, number>;
  readonly relay: Record<string, number>;
}

/** Scaffolds, writes the entry points, compiles, and creates both databases. */
export async function createSagaProject(store: Store, broker: Broker, runner: RunnerOptions): Promise<SagaProject> {
  const name = uniqueName('sg').toLowerCase();
  const dir = makeProject(`saga-${store}-${broker}`);
  await scaffold(dir, 'saga', { store, broker, name, steps: STEPS.join(','), out: SAGA_OUT, language: 'ts' });
  const options = JSON.stringify(runner);
  fs.writeFileSync(path.join(dir, 'src', 'orchestrator-main.ts'), orchestratorMain(options));
  fs.writeFileSync(path.join(dir, 'src', 'participant-main.ts'), participantMain(store, options));
  const dist = compileProject(dir);
  const migrations = path.join(dir, SAGA_OUT, 'migrations');
  const read = (table: string): string => fs.readFileSync(path.join(migrations, `${table}.sql`), 'utf8');
  const orchestratorDb = await openRoleDatabase(store, `${name}_o`, dir);
  const participantDb = await openRoleDatabase(store, `${name}_p`, dir);
  await orchestratorDb.migrate([read(`${name}_sagas`), read(`${name}_outbox`), read(`${name}_inbox`)]);
  await participantDb.migrate([read(`${name}_outbox`), read(`${name}_inbox`)], EFFECTS_DDL[store]);
  const brokerEnv = await brokerEnvOf(broker, name);
  const starters: SagaStarter[] = [];
  return {
    dir,
    name,
    dist,
    orchestratorDb,
    participantDb,
    brokerEnv,
    async newStarter() {
      const starter = await openStarter(store, dir, orchestratorDb.env);
      starters.push(starter);
      return starter;
    },
    async effects() {
      const rows = await participantDb.query<{ seq: number | string; saga_id: string; step: string; kind: Effect['kind'] }>('SELECT seq, saga_id, step, kind FROM effects ORDER BY seq');
      return rows.map((r) => ({ seq: Number(r.seq), sagaId: r.saga_id, step: r.step, kind: r.kind }));
    },
    async finalSagas() {
      const rows = await orchestratorDb.query<{ saga_id: string; status: string; failure: string | null }>(`SELECT saga_id, status, failure FROM ${quote(store, `${name}_sagas`)}`);
      return rows.map((r) => ({ sagaId: r.saga_id, status: r.status, failure: r.failure }));
    },
    async sentCommands() {
      const rows = await orchestratorDb.query<{ payload: unknown }>(`SELECT payload FROM ${quote(store, `${name}_outbox`)}`);
      return rows.map((r) => {
        const c = (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as SentCommand;
        return { sagaId: c.sagaId, step: c.step, kind: c.kind, attempt: c.attempt };
      });
    },
    async stepRecords() {
      const rows = await participantDb.query<{ message_id: string }>(`SELECT message_id FROM ${quote(store, `${name}_inbox`)} WHERE consumer = '${name}-participant'`);
      return rows.map((r) => r.message_id);
    },
    async close() {
      await Promise.all(starters.map((s) => s.close().catch(() => undefined)));
      await cleanBroker(broker, name, brokerEnv).catch(() => undefined);
      await orchestratorDb.close();
      await participantDb.close();
      removeProject(dir);
    },
  };
}

function quote(store: Store, table: string): string {
  return store === 'mysql' ? `\`${table}\`` : `"${table}"`;
}

/** A database of its own for one role: PostgreSQL / MariaDB database, or a SQLite file. */
export async function openRoleDatabase(store: Store, dbName: string, projectDir: string): Promise<RoleDatabase> {
  if (store === 'postgres') {
    const admin = new PgPool({ connectionString: SERVICES.postgres.url });
    await admin.query(`CREATE DATABASE "${dbName}"`);
    const url = SERVICES.postgres.url.replace(/\/test$/, `/${dbName}`);
    const pool = new PgPool({ connectionString: url });
    // DROP DATABASE ... WITH (FORCE) ends connections that are still closing: not a test failure.
    pool.on('error', () => undefined);
    return {
      env: { DATABASE_URL: url },
      async migrate(files, extra) {
        for (const sql of files) await pool.query(sql);
        if (extra) await pool.query(extra);
      },
      async query<T>(sql: string) {
        return (await pool.query(sql)).rows as T[];
      },
      async close() {
        await pool.end();
        await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
        await admin.end();
      },
    };
  }
  if (store === 'mysql') {
    const admin = createPool({ uri: SERVICES.mariadb.url });
    await admin.query(`CREATE DATABASE \`${dbName}\``);
    const url = SERVICES.mariadb.url.replace(/\/test$/, `/${dbName}`);
    const pool = createPool({ uri: url, multipleStatements: true });
    return {
      env: { DATABASE_URL: url },
      async migrate(files, extra) {
        for (const sql of files) await pool.query(sql);
        if (extra) await pool.query(extra);
      },
      async query<T>(sql: string) {
        const [rows] = await pool.query<RowDataPacket[]>(sql);
        return rows as T[];
      },
      async close() {
        await pool.end();
        await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
        await admin.end();
      },
    };
  }
  const file = path.join(projectDir, `${dbName}.db`);
  const db = new Database(file, { timeout: 10_000 });
  db.pragma('journal_mode = WAL');
  return {
    env: { SAGA_SQLITE_PATH: file },
    async migrate(files, extra) {
      for (const sql of files) db.exec(sql);
      if (extra) db.exec(extra);
    },
    async query<T>(sql: string) {
      return db.prepare(sql).all() as T[];
    },
    async close() {
      if (db.open) db.close();
    },
  };
}

type StartOnPg = { startSaga(tx: import('pg').PoolClient, id: string, payload: unknown): Promise<boolean> };
type StartOnMySql = { startSaga(tx: import('mysql2/promise').PoolConnection, id: string, payload: unknown): Promise<boolean> };
type StartOnSqlite = { startSaga(tx: Database.Database, id: string, payload: unknown): boolean };

/** The generated orchestrator, loaded in-process, starting sagas in its own transactions. */
async function openStarter(store: Store, dir: string, env: Record<string, string>): Promise<SagaStarter> {
  const { SagaOrchestrator } = (await import(path.join(dir, SAGA_OUT, 'saga-orchestrator.ts'))) as { SagaOrchestrator: new (db: unknown) => unknown };
  if (store === 'postgres') {
    const pool = new PgPool({ connectionString: env.DATABASE_URL });
    pool.on('error', () => undefined);
    const orchestrator = new SagaOrchestrator(pool) as StartOnPg;
    return {
      async start(sagaId, payload) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const started = await orchestrator.startSaga(client, sagaId, payload);
          await client.query('COMMIT');
          return started;
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        } finally {
          client.release();
        }
      },
      close: () => pool.end(),
    };
  }
  if (store === 'mysql') {
    const pool = createPool({ uri: env.DATABASE_URL });
    const orchestrator = new SagaOrchestrator(pool) as StartOnMySql;
    return {
      async start(sagaId, payload) {
        const connection = await pool.getConnection();
        try {
          await connection.beginTransaction();
          const started = await orchestrator.startSaga(connection, sagaId, payload);
          await connection.commit();
          return started;
        } catch (error) {
          await connection.rollback();
          throw error;
        } finally {
          connection.release();
        }
      },
      close: () => pool.end(),
    };
  }
  const db = new Database(env.SAGA_SQLITE_PATH, { timeout: 10_000 });
  const orchestrator = new SagaOrchestrator(db) as StartOnSqlite;
  return {
    async start(sagaId, payload) {
      return db.transaction(() => orchestrator.startSaga(db, sagaId, payload)).immediate();
    },
    async close() {
      db.close();
    },
  };
}

async function brokerEnvOf(broker: Broker, name: string): Promise<Record<string, string>> {
  if (broker === 'rabbitmq') return { AMQP_URL: SERVICES.rabbitmq.url, OUTBOX_EXCHANGE: `${name}.events` };
  if (broker === 'nats') return { NATS_URL: SERVICES.nats.url, OUTBOX_SUBJECT_PREFIX: name };
  throw new Error(`no local server for ${broker}`);
}

/** Removes what the saga declared on the broker: queues (with dead letters) and exchange, or streams. */
async function cleanBroker(broker: Broker, name: string, env: Record<string, string>): Promise<void> {
  if (broker === 'rabbitmq') {
    const connection = await amqpConnect(SERVICES.rabbitmq.url);
    const channel = await connection.createChannel();
    for (const queue of [`${name}_commands`, `${name}_replies`, `${name}_commands.dead`, `${name}_replies.dead`]) await channel.deleteQueue(queue);
    await channel.deleteExchange(env.OUTBOX_EXCHANGE);
    await connection.close();
    return;
  }
  const nc = await natsConnect({ servers: SERVICES.nats.url });
  const jsm = await nc.jetstreamManager();
  for (const stream of [`${name}_commands`, `${name}_replies`]) await jsm.streams.delete(stream).catch(() => undefined);
  await nc.drain();
}
