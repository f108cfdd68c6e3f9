/**
 * Deep syntax trees (issue 12, items 1 and 2): a long `"a" + "a" + …` is a chain of binary
 * expressions as deep as it has terms. Walking it must not overflow the call stack, a failure
 * inside the facts must surface as an internal error (never as a consumer that vanishes), and
 * code nested deeper than the TypeScript parser can follow is "cannot parse", not a bug in eos.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Analyzer, allRules, auditPaths } from '@eos/analyzer';
import { amqp } from '../src/facts/consumers/amqp';

const REGISTER = `import * as amqp from 'amqplib';
import { onOrder } from './handler';

export async function start(): Promise<void> {
  const connection = await amqp.connect('amqp://localhost');
  const channel = await connection.createChannel();
  await channel.consume('orders', (msg) => onOrder(channel, msg));
}
`;

/** A handler that acknowledges before its work, after a `terms`-term string concatenation. */
function handlerWithLongExpression(terms: number): string {
  return `import type { Channel, ConsumeMessage } from 'amqplib';

export const banner = ${Array(terms).fill('"a"').join(' + ')};

export async function onOrder(channel: Channel, msg: ConsumeMessage | null): Promise<void> {
  if (!msg) return;
  channel.ack(msg);
  await fetch('https://example.com/charge', { method: 'POST', body: msg.content });
}
`;
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-deep-'));
  fs.mkdirSync(path.join(dir, 'src'));
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(rel: string, text: string): void {
  fs.writeFileSync(path.join(dir, rel), text);
}

const found = (r: ReturnType<typeof auditPaths>) => r.findings.map((f) => `${path.relative(dir, f.file)}:${f.line}:${f.ruleId}`);

describe('deep syntax trees', () => {
  it.each([2_000, 20_000])('issue 12 item 1: a handler imported from a file holding a %i-term "a" + "a" + … is still found', (terms) => {
    write('src/register.ts', REGISTER);
    write('src/handler.ts', handlerWithLongExpression(terms));
    const result = auditPaths(['src/register.ts'], { cwd: dir });
    expect(result.internalErrors).toEqual([]);
    expect(result.errors).toEqual([]);
    // The charge after the early ack is missing-dedup's too (it follows from fixing the ack).
    expect(found(result)).toEqual(['src/handler.ts:7:ack-before-process', 'src/handler.ts:8:missing-dedup']);
  });

  it('issue 12 item 2: the file being analysed may hold a 20,000-term expression: analysed, no internal error', () => {
    write('src/handler.ts', `import * as amqp from 'amqplib';\n${handlerWithLongExpression(20_000)}\nexport async function start(ch: amqp.Channel) { await ch.consume('q', (m) => onOrder(ch, m)); }\n`);
    const result = auditPaths(['src/handler.ts'], { cwd: dir });
    expect(result.internalErrors).toEqual([]);
    expect(result.errors).toEqual([]);
    expect(found(result)).toEqual(['src/handler.ts:8:ack-before-process', 'src/handler.ts:9:missing-dedup']);
  });

  // Where the parser's stack runs out depends on how V8 compiled it (near 1,000 parentheses cold,
  // more once optimised): 1,000 may or may not parse, 10,000 never does. Neither is a bug in eos.
  it.each([1_000, 10_000])('issue 12 item 2: %i nested parentheses are analysed or "cannot parse" (named, an input error), never an internal error', (depth) => {
    write('src/paren.ts', `import * as amqp from 'amqplib';\nexport const x = ${'('.repeat(depth)}1${')'.repeat(depth)};\n`);
    const result = auditPaths(['src/paren.ts'], { cwd: dir });
    expect(result.internalErrors).toEqual([]);
    const tooDeep = { file: path.join(dir, 'src/paren.ts'), message: expect.stringMatching(/^cannot parse: the code nests deeper than the TypeScript parser can follow .*; file skipped$/) };
    if (depth === 10_000 || result.errors.length > 0) expect(result.errors).toEqual([tooDeep]);
    expect(result.stats.parsed).toBe(1);
  });

  it('issue 12 item 1: an imported handler file nested too deep to parse leaves the rest of the run intact', () => {
    write('src/register.ts', REGISTER);
    write('src/handler.ts', `${handlerWithLongExpression(3)}\nexport const x = ${'('.repeat(10_000)}1${')'.repeat(10_000)};\n`);
    write('src/other.ts', `import * as amqp from 'amqplib';\n${handlerWithLongExpression(3)}\nexport async function go(ch: amqp.Channel) { await ch.consume('q', (m) => onOrder(ch, m)); }\n`);
    const result = auditPaths(['src'], { cwd: dir });
    expect(result.internalErrors).toEqual([]);
    expect(found(result)).toContain('src/other.ts:8:ack-before-process');
    expect(result.errors.map((e) => path.relative(dir, e.file))).toEqual(['src/handler.ts']);
  });

  // One handler per broker shape, each with a long expression inside the handler itself, where the
  // rules' and facts' own walks (consumer scopes, long work, effects, horizons) go.
  const INSIDE: Record<string, (expr: string) => string> = {
    amqplib: (e) => `import * as amqp from "amqplib";\nexport async function start(channel: amqp.Channel) {\n  await channel.consume("q", async (msg) => {\n    if (!msg) return;\n    const banner = ${e};\n    channel.ack(msg);\n    await fetch("https://example.com/charge", { method: "POST", body: banner });\n  });\n}\n`,
    kafkajs: (e) => `import { Kafka } from "kafkajs";\nconst k = new Kafka({ brokers: [] });\nconst c = k.consumer({ groupId: "g" });\nexport async function run(db: any, redis: any, producer: any) {\n  await c.run({ eachMessage: async ({ message }) => {\n    const s = ${e};\n    if (await redis.get(message.key)) return;\n    await db.query("insert into t values ($1)", [s]);\n    await producer.send({ topic: "t", messages: [{ value: s }] });\n    await redis.set(message.key, 1);\n  } });\n}\n`,
    sqs: (e) => `import { SQSClient, ReceiveMessageCommand, DeleteMessageCommand } from "@aws-sdk/client-sqs";\nconst sqs = new SQSClient({});\nexport async function poll(db: any) {\n  const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: "u", VisibilityTimeout: 5 }));\n  for (const m of r.Messages ?? []) {\n    const s = ${e};\n    await sqs.send(new DeleteMessageCommand({ QueueUrl: "u", ReceiptHandle: m.ReceiptHandle }));\n    await db.insert(s);\n  }\n}\n`,
  };

  it.each(Object.keys(INSIDE))('issue 12 item 1: a 20,000-term expression inside a %s handler changes no finding and fails no rule', (shape) => {
    const analyse = (terms: number) => {
      const r = new Analyzer({ rules: allRules, prefilter: false }).analyzeText(`/virtual/${shape}.ts`, INSIDE[shape](Array(terms).fill('"a"').join(' + ')));
      return { internal: (r.internalErrors ?? []).map((e) => e.message), findings: r.findings.map((f) => `${f.line}:${f.column}:${f.ruleId}`) };
    };
    const short = analyse(3);
    expect(short.internal).toEqual([]);
    expect(short.findings.length).toBeGreaterThan(0);
    expect(analyse(20_000)).toEqual(short);
  });

  it('issue 12 item 1: a consumer recognizer that throws is an internal error naming the file, never a consumer that silently vanishes', () => {
    write('src/register.ts', REGISTER);
    write('src/handler.ts', handlerWithLongExpression(3));
    vi.spyOn(amqp, 'find').mockImplementation(() => {
      throw new Error('recognizer bug');
    });
    const result = auditPaths(['src/register.ts'], { cwd: dir });
    expect(result.findings).toEqual([]);
    // Each rule that reads the consumers fails on its own (rules run isolated), naming the file.
    expect(result.internalErrors.map((e) => e.ruleId)).toContain('ack-before-process');
    for (const e of result.internalErrors) expect(e).toMatchObject({ file: path.join(dir, 'src/register.ts'), internal: true, message: expect.stringContaining('recognizer bug') });
  });
});
