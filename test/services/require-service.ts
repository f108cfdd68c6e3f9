/**
 * The one gate for service-backed tests (PostgreSQL, MariaDB, Redis, RabbitMQ, NATS).
 *
 * In CI (`process.env.CI` set) a service that does not answer makes the test file FAIL, naming the
 * service: a green CI run must mean the real-server tests ran. Locally they are skipped with a
 * one-line notice so a laptop without RabbitMQ can still run `npm test`. Embedded SQLite needs no
 * gate and always runs.
 *
 * Usage (top-level await is fine in vitest test files):
 *
 *   const hasPostgres = await requireService('postgres');
 *   describe.skipIf(!hasPostgres)('dedup on postgres', () => { ... SERVICES.postgres.url ... });
 */
import * as net from 'node:net';

export interface ServiceInfo {
  /** Human name used in the failure / skip notice. */
  readonly label: string;
  readonly host: string;
  readonly port: number;
  /** Connection string for the client library (where the client takes one). */
  readonly url: string;
}

const HOST = '127.0.0.1';

/** The machine's local services (see .ci/start-services.sh). */
export const SERVICES = {
  postgres: { label: 'PostgreSQL', host: HOST, port: 5432, url: `postgres://postgres@${HOST}:5432/test` },
  mariadb: { label: 'MariaDB', host: HOST, port: 3306, url: `mysql://root@${HOST}:3306/test` },
  redis: { label: 'Redis', host: HOST, port: 6379, url: `redis://${HOST}:6379` },
  rabbitmq: { label: 'RabbitMQ', host: HOST, port: 5672, url: `amqp://guest:guest@${HOST}:5672` },
  nats: { label: 'NATS JetStream', host: HOST, port: 4222, url: `nats://${HOST}:4222` },
} as const satisfies Record<string, ServiceInfo>;

export type ServiceName = keyof typeof SERVICES;

/** How long a TCP connect may take before the service counts as down. */
const CONNECT_TIMEOUT_MS = 1_500;

const probes = new Map<string, Promise<boolean>>();

/** Whether something accepts TCP connections on the service's port. */
function answers(info: ServiceInfo): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: info.host, port: info.port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Resolves true when the service answers. When it does not: throws in CI (the test file fails
 * with the service's name), otherwise prints one notice line and resolves false (skip).
 * `info` overrides where the service is looked for (the gate's own test uses a closed port).
 */
export async function requireService(name: ServiceName, info: ServiceInfo = SERVICES[name]): Promise<boolean> {
  const key = `${name}@${info.host}:${info.port}`;
  let probe = probes.get(key);
  if (!probe) {
    probe = answers(info);
    probes.set(key, probe);
  }
  if (await probe) return true;
  const where = `${info.host}:${info.port}`;
  if (process.env.CI) {
    throw new Error(
      `${info.label} does not answer on ${where}; CI is set, so its tests fail instead of skipping (start it: bash .ci/start-services.sh)`,
    );
  }
  console.warn(`[skip] ${info.label} does not answer on ${where}: its tests are skipped (CI would fail them)`);
  return false;
}
