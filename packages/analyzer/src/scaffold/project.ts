import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AnswerValue, DetectKind } from './template';

/** What the scaffold engine knows about the user's project. */
export interface ProjectInfo {
  /** Directory of the nearest package.json at or above cwd, or cwd itself. Files never leave it. */
  root: string;
  /** Whether a package.json was found. */
  hasPackageJson: boolean;
  /** dependencies + devDependencies + peerDependencies names. */
  dependencies: ReadonlySet<string>;
  /** `"type": "module"` in package.json. */
  esm: boolean;
  /** tsconfig.json beside package.json. */
  typescript: boolean;
}

/** Client package → store answer, in order of preference when several are installed. */
const STORE_CLIENTS: ReadonlyArray<readonly [string, string]> = [
  ['pg', 'postgres'],
  ['mysql2', 'mysql'],
  ['better-sqlite3', 'sqlite'],
  ['ioredis', 'redis'],
];

/** Client package → broker answer, in order of preference. */
const BROKER_CLIENTS: ReadonlyArray<readonly [string, string]> = [
  ['kafkajs', 'kafka'],
  ['@aws-sdk/client-sqs', 'sqs'],
  ['amqplib', 'rabbitmq'],
  ['@google-cloud/pubsub', 'pubsub'],
  ['nats', 'nats'],
];

/** Finds the project around `cwd` and reads what the defaults are derived from. Never throws. */
export function detectProject(cwd: string): ProjectInfo {
  const start = path.resolve(cwd);
  let dir = start;
  for (;;) {
    const pkgFile = path.join(dir, 'package.json');
    if (fs.existsSync(pkgFile)) return readProject(dir, pkgFile);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return { root: start, hasPackageJson: false, dependencies: new Set(), esm: false, typescript: fs.existsSync(path.join(start, 'tsconfig.json')) };
}

function readProject(root: string, pkgFile: string): ProjectInfo {
  let pkg: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null) pkg = parsed as Record<string, unknown>;
  } catch {
    // An unreadable package.json only costs us the detected defaults.
  }
  const deps = new Set<string>();
  for (const key of ['dependencies', 'devDependencies', 'peerDependencies']) {
    const block = pkg[key];
    if (typeof block === 'object' && block !== null) for (const name of Object.keys(block)) deps.add(name);
  }
  return {
    root,
    hasPackageJson: true,
    dependencies: deps,
    esm: pkg.type === 'module',
    typescript: fs.existsSync(path.join(root, 'tsconfig.json')),
  };
}

/**
 * The default a project suggests for a variable, or undefined when it suggests none (then the
 * template's literal default applies). Only values in `choices` count.
 */
export function detectedDefault(kind: DetectKind, project: ProjectInfo, choices?: readonly string[]): AnswerValue | undefined {
  const allowed = (v: string): boolean => !choices || choices.includes(v);
  switch (kind) {
    case 'language':
      return project.typescript ? 'ts' : project.hasPackageJson ? 'js' : undefined;
    case 'module':
      return project.esm ? 'esm' : project.hasPackageJson ? 'cjs' : undefined;
    case 'store':
      return STORE_CLIENTS.find(([pkg, v]) => project.dependencies.has(pkg) && allowed(v))?.[1];
    case 'broker':
      return BROKER_CLIENTS.find(([pkg, v]) => project.dependencies.has(pkg) && allowed(v))?.[1];
  }
}

/** An eos outbox found in the project: the folder `eos scaffold outbox --out` wrote. */
export interface FoundOutbox {
  /** Absolute folder. */
  dir: string;
  /** Relative to the project root, forward slashes. */
  relative: string;
  broker: string;
}

/** What an outbox publisher imports → the broker it publishes to. */
const PUBLISHER_CLIENTS: ReadonlyArray<readonly [string, string]> = [
  ['amqplib', 'rabbitmq'],
  ['nats', 'nats'],
  ['kafkajs', 'kafka'],
  ['@aws-sdk/client-sqs', 'sqs'],
  ['@google-cloud/pubsub', 'pubsub'],
];

/** Folders never searched for an outbox: dependencies, build output, VCS data. */
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', 'build', 'out', 'coverage']);
/** The search stops after this many folders, so a huge project cannot stall a scaffold. */
const MAX_FOLDERS_SEARCHED = 5_000;

/**
 * The broker of the eos outbox in `dir` (a folder holding outbox-relay and outbox-publisher, .ts or
 * .js), read from the client package its publisher imports; undefined when `dir` holds none.
 */
export function outboxBrokerIn(dir: string): string | undefined {
  for (const ext of ['ts', 'js']) {
    const publisher = path.join(dir, `outbox-publisher.${ext}`);
    if (!fs.existsSync(path.join(dir, `outbox-relay.${ext}`)) || !fs.existsSync(publisher)) continue;
    let text: string;
    try {
      text = fs.readFileSync(publisher, 'utf8');
    } catch {
      continue;
    }
    const found = PUBLISHER_CLIENTS.find(([pkg]) => new RegExp(`(?:from|require\\()\\s*['"]${pkg.replace(/[/.]/g, '\\$&')}['"]`).test(text));
    if (found) return found[1];
  }
  return undefined;
}

/** Every eos outbox under the project root (hidden folders, dependencies and build output skipped). */
export function findOutboxes(root: string): FoundOutbox[] {
  const found: FoundOutbox[] = [];
  const queue = [root];
  let searched = 0;
  while (queue.length > 0 && searched < MAX_FOLDERS_SEARCHED) {
    const dir = queue.shift() as string;
    searched += 1;
    const broker = outboxBrokerIn(dir);
    if (broker) found.push({ dir, relative: path.relative(root, dir).split(path.sep).join('/') || '.', broker });
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.isDirectory() && !e.name.startsWith('.') && !SKIPPED_FOLDERS.has(e.name)) queue.push(path.join(dir, e.name));
    }
  }
  return found.sort((a, b) => a.relative.localeCompare(b.relative));
}
