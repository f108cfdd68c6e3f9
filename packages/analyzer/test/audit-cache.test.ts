/** `auditPaths` with a cache file (`eos audit --cache`): reuse, invalidation, robustness. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditPaths, inShard, type AuditOptions, type AuditResult, type Shard } from '@eos/analyzer';
import { analyzerFingerprint, buildIdentity } from '../src/audit/cache';

const EXAMPLES = path.resolve(__dirname, '../../../examples');

/** A small project: a consumer registering a handler imported from another file, which imports a store. */
const PROJECT: Record<string, string> = {
  'src/register.ts': `import * as amqp from 'amqplib';
import { onOrder } from './handler';

export async function start(): Promise<void> {
  const connection = await amqp.connect('amqp://localhost');
  const channel = await connection.createChannel();
  await channel.consume('orders', (msg) => onOrder(channel, msg));
}
`,
  'src/handler.ts': `import type { Channel, ConsumeMessage } from 'amqplib';
import { saveOrder } from './store';

export async function onOrder(channel: Channel, msg: ConsumeMessage | null): Promise<void> {
  if (!msg) return;
  channel.ack(msg);
  await saveOrder(msg.content.toString());
}
`,
  'src/store.ts': `export async function saveOrder(body: string): Promise<void> {
  console.log(body.length);
}
`,
  'src/payments.ts': `import * as amqp from 'amqplib';

export async function startPayments(): Promise<void> {
  const connection = await amqp.connect('amqp://localhost');
  const channel = await connection.createChannel();
  await channel.consume('payments', async (msg) => {
    if (!msg) return;
    channel.ack(msg);
    await fetch('https://example.com/charge', { method: 'POST', body: msg.content });
  });
}
`,
  'src/util.ts': `export function add(a: number, b: number): number {
  return a + b;
}
`,
};

let dir: string;
let cacheFile: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-cache-'));
  cacheFile = path.join(dir, '.eos-cache.json');
  for (const [rel, text] of Object.entries(PROJECT)) write(rel, text);
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
}

function run(options: AuditOptions = {}, root = dir): AuditResult {
  return auditPaths(['.'], { cwd: root, cacheFile, ...options });
}

/** Findings as comparable lines, without the absolute temp path. */
function summary(result: AuditResult, root = dir): string[] {
  return result.findings.map((f) => `${path.relative(root, f.file)}:${f.line}:${f.column}:${f.ruleId}:${f.severity}:${f.message}`);
}

describe('eos audit --cache', () => {
  it('answers an unchanged rerun entirely from the cache, with the findings of a cold run', () => {
    const cold = run();
    expect(cold.stats.cached).toBe(0);
    expect(summary(cold)).toEqual(expect.arrayContaining([expect.stringMatching(/^src\/handler\.ts:6:.*ack-before-process/), expect.stringMatching(/^src\/payments\.ts:8:.*ack-before-process/)]));
    const warm = run();
    expect(warm.stats).toMatchObject({ files: 5, cached: 5, parsed: 0 });
    expect(warm.findings).toEqual(cold.findings);
    expect(summary(auditPaths(['.'], { cwd: dir }))).toEqual(summary(warm));
  });

  it('gives the findings of a cold run on the sample projects under examples/', () => {
    const copy = path.join(dir, 'examples');
    fs.cpSync(EXAMPLES, copy, { recursive: true });
    const uncached = auditPaths(['.'], { cwd: copy });
    expect(uncached.findings.length).toBeGreaterThan(0);
    run({}, copy);
    const warm = run({}, copy);
    expect(warm.stats.cached).toBe(warm.stats.files);
    expect(summary(warm, copy)).toEqual(summary(uncached, copy));
  });

  it('re-analyses only the edited file when nothing else read it', () => {
    run();
    write('src/payments.ts', PROJECT['src/payments.ts'].replace('example.com', 'payments.example.com'));
    const after = run();
    expect(after.stats.cached).toBe(4);
    expect(after.stats.parsed).toBe(1);
  });

  it('re-analyses a file the pre-filter skipped when a file it imports gains what it lacked', () => {
    // checkout.ts names neither a write nor a send: what its callees do (two files down for the
    // send) decides whether it can hold a dual write.
    write('src/checkout.ts', `import { saveOrder } from './store';
import { notify } from './notify';

export async function checkout(body: string): Promise<void> {
  await saveOrder(body);
  await notify(body);
}
`);
    write('src/store.ts', "import { Pool } from 'pg';\nconst pool = new Pool();\nexport async function saveOrder(body: string): Promise<void> {\n  await pool.query('INSERT INTO orders (body) VALUES ($1)', [body]);\n}\n");
    write('src/notify.ts', "import { deliver } from './mailer';\nexport async function notify(body: string): Promise<void> {\n  await deliver(body);\n}\n");
    write('src/mailer.ts', 'export async function deliver(body: string): Promise<void> {\n  console.log(body);\n}\n');
    // Analysed before checkout.ts, it makes the pre-filter learn that notify.ts and mailer.ts send
    // nothing; checkout.ts must still record them as what its result depends on.
    write('src/alerts.ts', `import { Pool } from 'pg';
import { notify } from './notify';
const pool = new Pool();
export const alert = (text: string) => notify(text);
export async function logAlert(text: string): Promise<void> {
  await pool.query('INSERT INTO alerts (text) VALUES ($1)', [text]);
}
`);
    const cold = run();
    expect(summary(cold).some((s) => s.startsWith('src/checkout.ts:'))).toBe(false);
    write('src/mailer.ts', "import { Kafka } from 'kafkajs';\nconst producer = new Kafka({ brokers: ['kafka:9092'] }).producer({ idempotent: true });\nexport async function deliver(body: string): Promise<void> {\n  await producer.send({ topic: 'mails', messages: [{ value: body }] });\n}\n");
    const after = run();
    expect(summary(after)).toEqual(expect.arrayContaining([expect.stringMatching(/^src\/checkout\.ts:6:.*dual-write/)]));
    expect(summary(after)).toEqual(summary(auditPaths(['.'], { cwd: dir })));
  });

  it('re-analyses an edited handler and the file that registers it (dependency stamps)', () => {
    const cold = run();
    expect(summary(cold).some((s) => s.startsWith('src/handler.ts:6:'))).toBe(true);
    // The fix: ack after the work.
    write('src/handler.ts', PROJECT['src/handler.ts'].replace('  channel.ack(msg);\n  await saveOrder(msg.content.toString());', '  await saveOrder(msg.content.toString());\n  channel.ack(msg);'));
    const after = run();
    // handler.ts and register.ts (whose analysis read handler.ts); the other three come from the cache.
    expect(after.stats.cached).toBe(3);
    expect(summary(after).some((s) => s.startsWith('src/handler.ts:'))).toBe(false);
    expect(summary(after)).toEqual(summary(auditPaths(['.'], { cwd: dir })));
  });

  it('keeps apart the stamps of a shared import taken before and after it changed (results kept from another shard)', () => {
    // Two shards: handler.ts and a file registering it in one, register.ts (which registers it too)
    // in the other. Once the handler changes and only its shard runs, the handler's row takes its
    // new stamp while register.ts's result still rests on the old one.
    const shard = (rel: string): Shard => ({ index: inShard(rel, { index: 1, count: 2 }) ? 1 : 2, count: 2 });
    const beside = 'abcdefghijklmnop'.split('').map((x) => `src/register-${x}.ts`).find((rel) => shard(rel).index === shard('src/handler.ts').index)!;
    expect(shard('src/register.ts').index).not.toBe(shard('src/handler.ts').index);
    write(beside, PROJECT['src/register.ts'].replace("'orders'", "'orders-again'"));
    const cold = run();
    expect(summary(cold).some((s) => s.startsWith('src/handler.ts:6:'))).toBe(true);
    write('src/handler.ts', PROJECT['src/handler.ts'].replace('  channel.ack(msg);\n  await saveOrder(msg.content.toString());', '  await saveOrder(msg.content.toString());\n  channel.ack(msg);'));
    run({ shard: shard('src/handler.ts') });
    const after = run();
    expect(summary(after).some((s) => s.startsWith('src/handler.ts:6:'))).toBe(false);
    expect(summary(after)).toEqual(summary(auditPaths(['.'], { cwd: dir })));
  });

  it('re-analyses a NestJS controller when the bootstrap that names its transport changes', () => {
    write('svc/src/main.ts', `import { NestFactory } from '@nestjs/core';
import { Transport } from '@nestjs/microservices';
import { AppModule } from './app.module';
export async function bootstrap(): Promise<void> {
  const app = await NestFactory.createMicroservice(AppModule, { transport: Transport.KAFKA });
  await app.listen();
}
`);
    write('svc/src/mail.controller.ts', `import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import * as nodemailer from 'nodemailer';
const transport = nodemailer.createTransport({});
@Controller()
export class MailController {
  @EventPattern('user.registered')
  async onRegistered(@Payload() user: { email: string }) {
    await transport.sendMail({ to: user.email });
  }
}
`);
    const cold = run();
    expect(summary(cold).some((s) => /^svc\/src\/mail\.controller\.ts:9:.*missing-dedup/.test(s))).toBe(true);
    // A TCP transport never redelivers: the controller's finding must go, though the controller did not change.
    write('svc/src/main.ts', fs.readFileSync(path.join(dir, 'svc/src/main.ts'), 'utf8').replace('Transport.KAFKA', 'Transport.TCP'));
    const after = run();
    expect(summary(after).some((s) => s.startsWith('svc/src/mail.controller.ts:'))).toBe(false);
    expect(summary(after)).toEqual(summary(auditPaths(['.'], { cwd: dir })));
  });

  it('re-analyses every file whose analysis read an edited file further down the import chain', () => {
    run();
    write('src/store.ts', `${PROJECT['src/store.ts']}\nexport const STORE = 'orders';\n`);
    // store.ts itself, handler.ts (imports it) and register.ts (followed the handler into it).
    expect(run().stats.cached).toBe(2);
  });

  it('trusts the content hash when only the mtime changed (a fresh CI checkout)', () => {
    run();
    const later = new Date(Date.now() + 60_000);
    for (const rel of Object.keys(PROJECT)) fs.utimesSync(path.join(dir, rel), later, later);
    expect(run().stats.cached).toBe(5);
  });

  it('discards a corrupt cache file with a notice, not an error, and rewrites it', () => {
    const cold = run();
    fs.writeFileSync(cacheFile, '{"format": 1, "key": "abc", "entr');
    const after = run();
    expect(after.cacheNotice).toMatch(/not valid JSON/);
    expect(after.stats.cached).toBe(0);
    expect(after.errors).toEqual([]);
    expect(after.findings).toEqual(cold.findings);
    expect(() => JSON.parse(fs.readFileSync(cacheFile, 'utf8'))).not.toThrow();
    expect(run().stats.cached).toBe(5);
  });

  it.each([
    ['format 1', { format: 1, key: 'whatever', entries: { 'src/util.ts': { stamp: { size: 1, mtimeMs: 1, hash: null }, deps: {}, result: { parsed: false, errors: [], findings: [] } } } }],
    ['format 2', { format: 2, key: 'whatever', entries: { 'src/util.ts': { s: [1, 1, null] } } }],
    ['format 3', { format: 3, key: 'whatever', files: ['src/util.ts'], sizes: [1], mtimes: [1], hashes: '0'.repeat(40), details: {} }],
    ['format 4 with columns of different lengths', { format: 4, key: 'whatever', files: ['src/util.ts', 'src/store.ts'], sizes: [1], mtimes: [1, 2], hashes: '', details: {}, depsOnly: [] }],
  ])('discards a cache file of another shape (%s) with a notice, and writes the current one', (_, content) => {
    fs.writeFileSync(cacheFile, JSON.stringify(content));
    const after = run();
    expect(after.cacheNotice).toMatch(/unknown cache format/);
    expect(after.stats.cached).toBe(0);
    expect(after.errors).toEqual([]);
    expect((JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { format: number }).format).toBe(4);
    expect(run().stats.cached).toBe(5);
  });

  it.each([
    ['a JSON array', '[]'],
    ['a package.json', '{\n  "name": "svc"\n}\n'],
    ['garbage', '\u0000garbage{'],
    ['an empty file', ''],
  ])('issue 12 item 8: neither reads nor replaces a cache file that is not an eos cache (%s): the run reports it', (_, content) => {
    const cold = run();
    fs.writeFileSync(cacheFile, content);
    const after = run();
    expect(after.findings).toEqual(cold.findings);
    expect(after.stats.cached).toBe(0);
    expect(after.errors).toEqual([{ file: cacheFile, message: expect.stringMatching(/^cannot write the cache: it exists and is not an eos cache file; eos will not write its cache there/) }]);
    expect(fs.readFileSync(cacheFile, 'utf8')).toBe(content);
  });

  it('issue 12 item 5: a lowered maxFileSize skips a file even when the cache holds its findings', () => {
    const cold = run();
    expect(summary(cold).some((l) => l.startsWith('src/payments.ts:'))).toBe(true);
    const size = fs.statSync(path.join(dir, 'src/payments.ts')).size;
    const lowered = run({ maxFileSize: size - 1 });
    expect(summary(lowered).filter((l) => l.startsWith('src/payments.ts:'))).toEqual([]);
    expect(lowered.errors.map((e) => path.relative(dir, e.file))).toContain('src/payments.ts');
    expect(lowered.errors.find((e) => e.file.endsWith('payments.ts'))?.message).toMatch(/over the .* limit; file skipped/);
    // And raised again, the file is analysed again (from a fresh cache), not reported as skipped.
    const raised = run();
    expect(summary(raised)).toEqual(summary(cold));
    expect(raised.errors).toEqual([]);
  });

  it('issue 12 (smaller): a cache file too large to read is not read: a notice says so at once, and the run starts afresh', () => {
    const cold = run();
    // Sparse: 600 MB on paper, nothing on disk. It begins as an eos cache, so it may be replaced.
    fs.writeFileSync(cacheFile, '{"format":3,"key":"x"');
    fs.truncateSync(cacheFile, 600 * 1024 * 1024);
    const after = run();
    expect(after.cacheNotice).toBe('cache file is 600.0 MB, over the 256.0 MB eos reads');
    expect(after.findings).toEqual(cold.findings);
    expect(after.errors).toEqual([]);
    expect(fs.statSync(cacheFile).size).toBeLessThan(1024 * 1024);
    expect(run().stats.cached).toBe(5);
  });

  it('analyses again, without an error, a file whose entry in the cache file is malformed', () => {
    const cold = run();
    const content = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { files: string[]; details: Record<number, unknown> };
    const handler = content.files.indexOf('src/handler.ts');
    const payments = content.files.indexOf('src/payments.ts');
    content.details[handler] = { r: { parsed: true, findings: 'not a list' } };
    content.details[payments] = { d: ['src/store.ts'] };
    fs.writeFileSync(cacheFile, JSON.stringify(content));
    const after = run();
    expect(after.errors).toEqual([]);
    expect(after.stats.cached).toBe(3);
    expect(after.findings).toEqual(cold.findings);
  });

  it('re-analyses a file whose import was missing when it was analysed, once that file appears', () => {
    // The handler module does not exist yet: the analysis probed for it and found nothing, which
    // the cache must remember as a stamp of an absent file.
    write('src/register.ts', PROJECT['src/register.ts'].replace("'./handler'", "'./later'"));
    const cold = run();
    expect(summary(cold).some((s) => s.startsWith('src/later.ts:'))).toBe(false);
    expect(run().stats.cached).toBe(5);
    write('src/later.ts', PROJECT['src/handler.ts']);
    const after = run();
    expect(summary(after)).toEqual(expect.arrayContaining([expect.stringMatching(/^src\/later\.ts:6:.*ack-before-process/)]));
    expect(summary(after)).toEqual(summary(auditPaths(['.'], { cwd: dir })));
    // register.ts depended on the absent file and is analysed again; util.ts and payments.ts were not.
    expect(after.stats.parsed).toBeGreaterThanOrEqual(2);
    expect(after.stats.cached).toBeLessThanOrEqual(4);
  });

  it('drops the cache when the rule configuration changes', () => {
    run();
    const off = run({ settings: { 'ack-before-process': { severity: 'off' } } });
    expect(off.cacheNotice).toMatch(/configuration changed/);
    expect(off.stats.cached).toBe(0);
    expect(off.findings.filter((f) => f.ruleId === 'ack-before-process')).toEqual([]);
    // And back: the cache now holds the "off" results, which must not leak into the default run.
    const back = run();
    expect(back.stats.cached).toBe(0);
    expect(back.findings.some((f) => f.ruleId === 'ack-before-process')).toBe(true);
  });

  it('drops the cache when the pre-filter or --types setting changes', () => {
    run();
    expect(run({ prefilter: false }).stats.cached).toBe(0);
    expect(run({ prefilter: false }).stats.cached).toBe(5);
    expect(run().stats.cached).toBe(0);
  });

  it('keeps one entry per file still in the run', () => {
    run();
    fs.rmSync(path.join(dir, 'src/util.ts'));
    run();
    const stored = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { files: string[]; sizes: number[] };
    expect(stored.files).toEqual(['src/handler.ts', 'src/payments.ts', 'src/register.ts', 'src/store.ts']);
    expect(stored.sizes).toHaveLength(4);
    expect(run().stats.cached).toBe(4);
    // Back again: its entry is written anew, beside the four kept from the file.
    write('src/util.ts', PROJECT['src/util.ts']);
    expect(run().stats).toMatchObject({ files: 5, cached: 4 });
    expect(run().stats).toMatchObject({ files: 5, cached: 5 });
  });

  it('reuses the build id the cache file remembers, and leaves the file alone on an unchanged rerun', () => {
    run();
    const written = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { build: { stamp: string; id: string } };
    expect(written.build).toEqual(buildIdentity());
    const before = fs.statSync(cacheFile);
    expect(run().stats.cached).toBe(5);
    expect(fs.statSync(cacheFile).mtimeMs).toBe(before.mtimeMs);
    // A remembered stamp that no longer matches (eos rebuilt from the same sources): the build is
    // fingerprinted again, gives the same id, the results stay, and the new stamp is written.
    fs.writeFileSync(cacheFile, JSON.stringify({ ...written, build: { stamp: 'from another install', id: written.build.id } }));
    const rebuilt = run();
    expect(rebuilt.stats.cached).toBe(5);
    expect(rebuilt.cacheNotice).toBeUndefined();
    expect((JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as typeof written).build).toEqual(written.build);
  });
});

describe('buildIdentity', () => {
  it('takes the remembered id only while every code file looks as it did', () => {
    const now = buildIdentity();
    expect(now.id).toBe(analyzerFingerprint());
    expect(buildIdentity({ stamp: now.stamp, id: 'remembered' }).id).toBe('remembered');
    expect(buildIdentity({ stamp: 'stale', id: 'remembered' }).id).toBe(now.id);
    expect(buildIdentity({ stamp: now.stamp }).id).toBe(now.id);
  });

  it('moves its stamp, not its id, when a code file is touched without being changed', () => {
    const before = buildIdentity();
    // Setting the same times again still moves the file's ctime, as any write would.
    const file = path.resolve(__dirname, '../src/audit/cache.ts');
    const { atime, mtime } = fs.statSync(file);
    fs.utimesSync(file, atime, mtime);
    const after = buildIdentity({ stamp: before.stamp, id: 'remembered' });
    expect(after.stamp).not.toBe(before.stamp);
    expect(after.id).toBe(before.id);
  });
});
