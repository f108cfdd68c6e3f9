/**
 * The program behind `--types` (engine/type-aware.ts): built from the tsconfig with the compiler
 * API, it answers questions about the analysed files and hands the analyzer its own tree of each
 * file, so a file is parsed once. These tests pin what that sharing must not change: answers,
 * files outside the tsconfig, a file whose text changed (`--fix`), and a tsconfig that is broken.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createAnalyzer, TypeAwareOrigins } from '@eos/analyzer';
import { ts } from 'ts-morph';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../../..');
const made: string[] = [];
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** A project in a temporary folder, with the workspace's node_modules (real amqplib typings). */
function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-type-aware-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

const TSCONFIG = JSON.stringify({ compilerOptions: { strict: true, module: 'node16', moduleResolution: 'node16', target: 'es2022', types: ['node'], noEmit: true }, include: ['src'] });
const CHANNEL = "import amqp from 'amqplib';\nexport async function openChannel() {\n  const c = await amqp.connect('amqp://localhost');\n  return c.createChannel();\n}\n";
/** `ch` comes from the project's own module: only the checker knows it is an amqplib Channel. */
const CONSUMER = "import { openChannel } from './channel';\nexport async function run(msg: any) {\n  const ch = await openChannel();\n  ch.ack(msg);\n}\n";
const REPLAY = "import { openChannel } from '../src/channel';\nexport async function replay(msg: any) {\n  const ch = await openChannel();\n  ch.ack(msg);\n}\n";
const AMQP_CHANNEL = { module: 'amqplib', chain: [':Channel'] };

/** The receiver of the file's `.ack(...)` call. */
function ackReceiver(sourceFile: ts.SourceFile): ts.Expression {
  let found: ts.Expression | undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'ack') found ??= node.expression.expression;
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  if (!found) throw new Error(`no .ack() in ${sourceFile.fileName}`);
  return found;
}

/** Nodes whose parent pointer is not the node they were reached from (the rules walk upwards). */
function orphans(sourceFile: ts.SourceFile): number {
  let count = 0;
  const visit = (node: ts.Node): void => {
    ts.forEachChild(node, (child) => {
      if (child.parent !== node) count++;
      visit(child);
    });
  };
  visit(sourceFile);
  return count;
}

describe('TypeAwareOrigins', () => {
  it('answers for a tree parsed before the program existed, then hands out the program\'s own tree', () => {
    const dir = project({ 'tsconfig.json': TSCONFIG, 'src/channel.ts': CHANNEL, 'src/consumer.ts': CONSUMER });
    const file = path.join(dir, 'src/consumer.ts');
    const origins = new TypeAwareOrigins(path.join(dir, 'tsconfig.json'), [file]);
    // No question yet, so no program: each parse is a fresh one.
    const early = origins.parse(file, CONSUMER);
    expect(origins.parse(file, CONSUMER)).not.toBe(early);
    expect(origins.originOf(early, ackReceiver(early))).toEqual(AMQP_CHANNEL);
    const own = origins.parse(file, CONSUMER);
    expect(origins.parse(file, CONSUMER)).toBe(own);
    expect(own).not.toBe(early);
    expect(orphans(own)).toBe(0);
    expect(origins.originOf(own, ackReceiver(own))).toEqual(AMQP_CHANNEL);
    expect(origins.failure).toBeUndefined();
  });

  it('gives no answer for a text the program does not hold (a file --fix rewrote)', () => {
    const dir = project({ 'tsconfig.json': TSCONFIG, 'src/channel.ts': CHANNEL, 'src/consumer.ts': CONSUMER });
    const file = path.join(dir, 'src/consumer.ts');
    const origins = new TypeAwareOrigins(path.join(dir, 'tsconfig.json'), [file]);
    const own = origins.parse(file, CONSUMER);
    expect(origins.originOf(own, ackReceiver(own))).toEqual(AMQP_CHANNEL);
    const rewritten = `// eos fixed this file\n${CONSUMER}`;
    const fresh = origins.parse(file, rewritten);
    expect(fresh.text).toBe(rewritten);
    expect(origins.originOf(fresh, ackReceiver(fresh))).toBeUndefined();
  });

  it('adds analysed files the tsconfig leaves out, given up front or asked about later', () => {
    const dir = project({ 'tsconfig.json': TSCONFIG, 'src/channel.ts': CHANNEL, 'src/consumer.ts': CONSUMER, 'scripts/replay.ts': REPLAY });
    const replay = path.join(dir, 'scripts/replay.ts');
    const consumer = path.join(dir, 'src/consumer.ts');
    const upFront = new TypeAwareOrigins(path.join(dir, 'tsconfig.json'), [replay]);
    const early = upFront.parse(replay, REPLAY);
    expect(upFront.originOf(early, ackReceiver(early))).toEqual(AMQP_CHANNEL);
    expect(upFront.parse(replay, REPLAY)).toBe(upFront.parse(replay, REPLAY));
    // The editor names no files: the program is rebuilt once for the stray file, and keeps its trees.
    const onDemand = new TypeAwareOrigins(path.join(dir, 'tsconfig.json'));
    const first = onDemand.parse(consumer, CONSUMER);
    expect(onDemand.originOf(first, ackReceiver(first))).toEqual(AMQP_CHANNEL);
    const own = onDemand.parse(consumer, CONSUMER);
    const stray = onDemand.parse(replay, REPLAY);
    expect(onDemand.originOf(stray, ackReceiver(stray))).toEqual(AMQP_CHANNEL);
    expect(onDemand.parse(consumer, CONSUMER)).toBe(own);
    expect(onDemand.originOf(own, ackReceiver(own))).toEqual(AMQP_CHANNEL);
  });

  it('uses default compiler options without a tsconfig', () => {
    const dir = project({ 'src/channel.ts': CHANNEL, 'src/consumer.ts': CONSUMER });
    const file = path.join(dir, 'src/consumer.ts');
    const origins = new TypeAwareOrigins(undefined, [file]);
    const tree = origins.parse(file, CONSUMER);
    expect(origins.originOf(tree, ackReceiver(tree))).toEqual(AMQP_CHANNEL);
    expect(origins.failure).toBeUndefined();
  });

  it('reads the JSDoc types of JavaScript files (TypeScript files are parsed without JSDoc)', () => {
    const js = "/** @param {import('amqplib').Channel} ch */\nexport function run(ch, msg) {\n  ch.ack(msg);\n}\n";
    const dir = project({ 'src/consumer.js': js });
    const file = path.join(dir, 'src/consumer.js');
    const origins = new TypeAwareOrigins(undefined, [file]);
    const early = origins.parse(file, js);
    expect(origins.originOf(early, ackReceiver(early))).toEqual(AMQP_CHANNEL);
    const own = origins.parse(file, js);
    expect(own).not.toBe(early);
    expect(origins.originOf(own, ackReceiver(own))).toEqual(AMQP_CHANNEL);
  });

  it('reports a malformed tsconfig as its failure and still parses', () => {
    const dir = project({ 'tsconfig.json': '{ "compilerOptions": { "strict": tru', 'src/consumer.ts': CONSUMER });
    const file = path.join(dir, 'src/consumer.ts');
    const origins = new TypeAwareOrigins(path.join(dir, 'tsconfig.json'), [file]);
    const tree = origins.parse(file, CONSUMER);
    expect(origins.originOf(tree, ackReceiver(tree))).toBeUndefined();
    expect(origins.failure).toMatch(/tsconfig\.json: /);
    expect(origins.parse(file, CONSUMER).text).toBe(CONSUMER);
  });

  it('lets an --types analyzer walk the program\'s tree once the program exists', () => {
    const dir = project({ 'tsconfig.json': TSCONFIG, 'src/channel.ts': CHANNEL, 'src/consumer.ts': CONSUMER });
    const file = path.join(dir, 'src/consumer.ts');
    const seen: ts.SourceFile[] = [];
    const { analyzer, typeAware } = createAnalyzer(
      {
        types: true,
        rules: [
          {
            meta: { id: 'test-tree', description: 'test', defaultSeverity: 'error', fixable: 'none', requiresTypes: true, brokers: [], consequence: 'message-lost' },
            messages: { found: 'origin {{origin}}' },
            triggers: /\.ack\(/,
            create: (context) => {
              seen.push(context.sourceFile);
              const origin = context.facts.originOf(ackReceiver(context.sourceFile));
              context.report({ node: ackReceiver(context.sourceFile), messageId: 'found', data: { origin: origin ? `${origin.module} ${origin.chain.join('.')}` : 'unknown' } });
              return {};
            },
          },
        ],
      },
      dir,
      [file],
    );
    const messages = [analyzer.analyzeText(file, CONSUMER), analyzer.analyzeText(file, CONSUMER)].map((a) => a.findings.map((f) => f.message));
    expect(messages).toEqual([['origin amqplib :Channel'], ['origin amqplib :Channel']]);
    // The first file was parsed before the first question; the second analysis walks the program's tree.
    expect(seen[1]).toBe(typeAware?.parse(file, CONSUMER));
  });
});
