#!/usr/bin/env node
/**
 * Writes a synthetic TypeScript monorepo, the scaling probe of `npm run bench` (time and peak RSS
 * as a tree grows; the headline figures come from real code): a fixed seed gives the same tree on
 * every machine. The mix mirrors a services monorepo: most files are domain code, utilities, HTTP
 * handlers and tests that never touch a broker; about one in ten consumes or publishes messages,
 * some of those with the bugs eos reports. Average file length (~110 lines) matches the real
 * corpus the targets were measured on (10.4k files, 1.18M lines).
 *
 * `--deps <node_modules dir>` links the corpus's `node_modules` to that folder (the repo's own has
 * real typings for pg, kafkajs, amqplib and @aws-sdk/client-sqs) and lets the tsconfig see the
 * Node typings, so `eos audit --types` builds a program with real dependencies, as on a real
 * project. Without it the imports resolve to nothing and the checker has little to do. The source
 * files are the same either way.
 *
 * Usage: node bench/generate-monorepo.mjs <out-dir> [--files 10000] [--seed 42] [--deps <node_modules dir>]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
};
const flag = (name, fallback) => {
  const value = option(name);
  return value === undefined ? fallback : Number(value);
};
// Option values are not the out-dir, whatever they look like.
const outDir = args.find((a, i) => !a.startsWith('--') && (i === 0 || !args[i - 1].startsWith('--')));
if (!outDir) {
  console.error('usage: generate-monorepo.mjs <out-dir> [--files N] [--seed S] [--deps <node_modules dir>]');
  process.exit(2);
}
const FILES = flag('files', 10_000);
const SEED = flag('seed', 42);
const DEPS = option('deps') === undefined ? undefined : path.resolve(option('deps'));
if (DEPS !== undefined && !fs.existsSync(path.join(DEPS, '@types', 'node'))) {
  console.error(`--deps ${DEPS}: not a node_modules folder with @types/node`);
  process.exit(2);
}
const FILES_PER_PACKAGE = 200;

/** mulberry32: small, fast, deterministic. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(SEED);
const pick = (list) => list[Math.floor(random() * list.length)];
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));

const NOUNS = ['order', 'invoice', 'customer', 'payment', 'shipment', 'account', 'ledger', 'cart', 'product', 'refund', 'user', 'session', 'report', 'coupon', 'stock'];
const VERBS = ['load', 'save', 'build', 'compute', 'validate', 'format', 'merge', 'split', 'resolve', 'apply', 'render', 'score'];
/** Nouns that have declared input/result types in every generated file. */
const TYPED = NOUNS.slice(0, 3);
const cap = (s) => s[0].toUpperCase() + s.slice(1);
const ident = () => `${pick(VERBS)}${cap(pick(NOUNS))}${int(1, 99)}`;

function domainFunction() {
  const name = ident();
  const noun = pick(TYPED);
  const lines = [
    `/** ${cap(pick(VERBS))}s a ${noun} record for the ${pick(NOUNS)} view. */`,
    `export function ${name}(input: ${cap(noun)}Input, options: Options = {}): ${cap(noun)}Result {`,
    `  const started = Date.now();`,
    `  const items = input.items.filter((item) => item.quantity > ${int(0, 3)});`,
    `  let total = 0;`,
    `  for (const item of items) {`,
    `    if (item.price < 0) throw new Error('negative price in ' + item.sku);`,
    `    total += item.price * item.quantity * (options.discount ?? 1);`,
    `  }`,
    `  const tags = new Set(items.map((i) => i.sku.slice(0, ${int(2, 5)})));`,
    `  return { id: input.id, total: Math.round(total * 100) / 100, tags: [...tags], ms: Date.now() - started };`,
    `}`,
    '',
  ];
  return lines;
}

function domainClass() {
  const noun = cap(pick(TYPED));
  return [
    `export class ${noun}Service${int(1, 999)} {`,
    `  private readonly byId = new Map<string, ${noun}Input>();`,
    `  constructor(private readonly clock: () => number = Date.now) {}`,
    '',
    `  add(value: ${noun}Input): void {`,
    `    if (this.byId.has(value.id)) return;`,
    `    this.byId.set(value.id, value);`,
    `  }`,
    '',
    `  find(id: string): ${noun}Input | undefined {`,
    `    return this.byId.get(id);`,
    `  }`,
    '',
    `  summary(): string {`,
    `    const count = this.byId.size;`,
    `    return \`\${count} at \${new Date(this.clock()).toISOString()}\`;`,
    `  }`,
    `}`,
    '',
  ];
}

function header(imports) {
  return [
    ...imports,
    `import type { Options } from '../shared/options';`,
    '',
    ...TYPED.flatMap((n) => [
      `interface ${cap(n)}Input { id: string; items: Array<{ sku: string; price: number; quantity: number }> }`,
      `interface ${cap(n)}Result { id: string; total: number; tags: string[]; ms: number }`,
    ]),
    '',
  ];
}

function plainFile() {
  const body = header([`import { ${pick(['readFile', 'stat'])} } from 'node:fs/promises';`]);
  while (body.length < int(80, 140)) body.push(...(random() < 0.7 ? domainFunction() : domainClass()));
  return body.join('\n');
}

function httpFile() {
  const body = header([`import axios from 'axios';`, `import { Pool } from 'pg';`]);
  body.push(
    `const pool = new Pool();`,
    `export async function handle${cap(pick(NOUNS))}(id: string) {`,
    `  const { rows } = await pool.query('SELECT * FROM orders WHERE id = $1', [id]);`,
    `  const res = await axios.get('http://inventory.internal/items/' + id);`,
    `  return { row: rows[0], stock: res.data };`,
    `}`,
    '',
  );
  while (body.length < int(80, 140)) body.push(...domainFunction());
  return body.join('\n');
}

/** Broker code; `buggy` decides whether the hazard is present. */
function brokerFile() {
  const kind = pick(['amqp', 'kafka', 'sqs', 'publisher']);
  const buggy = random() < 0.3;
  const body = [];
  if (kind === 'amqp') {
    body.push(
      `import amqp from 'amqplib';`,
      `import { Pool } from 'pg';`,
      `const pool = new Pool();`,
      `export async function start(url: string) {`,
      `  const conn = await amqp.connect(url);`,
      `  const channel = await conn.createChannel();`,
      `  await channel.prefetch(10);`,
      `  await channel.consume('orders', async (msg) => {`,
      `    if (!msg) return;`,
      ...(buggy
        ? [`    channel.ack(msg);`, `    await pool.query('UPDATE orders SET status = $1 WHERE id = $2', ['paid', msg.properties.messageId]);`]
        : [`    await pool.query('UPDATE orders SET status = $1 WHERE id = $2', ['paid', msg.properties.messageId]);`, `    channel.ack(msg);`]),
      `  });`,
      `}`,
    );
  } else if (kind === 'kafka') {
    body.push(
      `import { Kafka } from 'kafkajs';`,
      `import { Pool } from 'pg';`,
      `const pool = new Pool();`,
      `const kafka = new Kafka({ brokers: ['localhost:9092'] });`,
      `export async function run() {`,
      `  const consumer = kafka.consumer({ groupId: 'billing' });`,
      `  await consumer.connect();`,
      `  await consumer.subscribe({ topic: 'orders' });`,
      `  await consumer.run({`,
      `    eachMessage: async ({ message }) => {`,
      buggy
        ? `      pool.query('UPDATE orders SET status = $1 WHERE id = $2', ['seen', String(message.key)]);`
        : `      await pool.query('UPDATE orders SET status = $1 WHERE id = $2', ['seen', String(message.key)]);`,
      `    },`,
      `  });`,
      `}`,
    );
  } else if (kind === 'sqs') {
    body.push(
      `import { SQSClient, ReceiveMessageCommand, DeleteMessageCommand } from '@aws-sdk/client-sqs';`,
      `const sqs = new SQSClient({});`,
      `const QueueUrl = process.env.QUEUE_URL;`,
      `export async function poll(work: (body: string) => Promise<void>) {`,
      `  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }));`,
      `  for (const m of Messages) {`,
      ...(buggy
        ? [`    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));`, `    await work(m.Body ?? '');`]
        : [`    await work(m.Body ?? '');`, `    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));`]),
      `  }`,
      `}`,
    );
  } else {
    body.push(
      `import { Kafka } from 'kafkajs';`,
      `import { Pool } from 'pg';`,
      `const pool = new Pool();`,
      `const producer = new Kafka({ brokers: ['localhost:9092'] }).producer({ idempotent: true });`,
      `export async function createOrder(id: string, total: number) {`,
      ...(buggy
        ? [`  await pool.query('INSERT INTO orders (id, total) VALUES ($1, $2)', [id, total]);`, `  await producer.send({ topic: 'orders', messages: [{ key: id, value: JSON.stringify({ id, total }) }] });`]
        : [
            `  const client = await pool.connect();`,
            `  try {`,
            `    await client.query('BEGIN');`,
            `    await client.query('INSERT INTO orders (id, total) VALUES ($1, $2)', [id, total]);`,
            `    await client.query('INSERT INTO outbox (id, aggregate_id, type, payload) VALUES (gen_random_uuid(), $1, $2, $3)', [id, 'OrderCreated', JSON.stringify({ id, total })]);`,
            `    await client.query('COMMIT');`,
            `  } finally {`,
            `    client.release();`,
            `  }`,
          ]),
      `}`,
    );
  }
  // Imports first, then the shared types, then the broker code and ordinary domain functions.
  const importLines = body.filter((l) => l.startsWith('import '));
  const rest = body.filter((l) => !l.startsWith('import '));
  const out = [...header(importLines), ...rest, ''];
  while (out.length < int(80, 130)) out.push(...domainFunction());
  return out.join('\n');
}

function write(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/** Without real dependencies nothing is typed but the corpus; with them, Node's typings are in scope. */
const COMPILER_OPTIONS = { strict: false, noEmit: true, target: 'ES2022', module: 'node16', skipLibCheck: true, types: DEPS === undefined ? [] : ['node'] };

fs.rmSync(outDir, { recursive: true, force: true });
const packages = Math.ceil(FILES / FILES_PER_PACKAGE);
let written = 0;
let lines = 0;
for (let p = 0; p < packages && written < FILES; p++) {
  const pkg = path.join(outDir, 'packages', `pkg-${String(p).padStart(3, '0')}`);
  write(path.join(pkg, 'src', 'shared', 'options.ts'), 'export interface Options { discount?: number }\n');
  written++;
  for (let f = 1; f < FILES_PER_PACKAGE && written < FILES; f++, written++) {
    const r = random();
    const text = r < 0.1 ? brokerFile() : r < 0.2 ? httpFile() : plainFile();
    lines += text.split('\n').length;
    const dir = pick(['domain', 'handlers', 'lib', 'services', 'util']);
    write(path.join(pkg, 'src', dir, `${ident()}-${f}.ts`), text);
  }
  write(path.join(pkg, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...COMPILER_OPTIONS }, include: ['src'] }, null, 2));
}
write(path.join(outDir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...COMPILER_OPTIONS }, include: ['packages/*/src'] }, null, 2));
write(path.join(outDir, 'package.json'), JSON.stringify({ name: 'synthetic-monorepo', private: true }, null, 2));
if (DEPS !== undefined) fs.symlinkSync(DEPS, path.join(outDir, 'node_modules'), 'dir');
console.log(JSON.stringify({ outDir, files: written, lines, seed: SEED, ...(DEPS === undefined ? {} : { deps: DEPS }) }));
