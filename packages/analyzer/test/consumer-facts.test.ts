/**
 * The consumer facts API (`consumersOf`, `settleCallsOf`) and the flow utilities, on small
 * in-memory sources. The fixtures under fixtures/ack-before-process cover the rule end to end;
 * these pin down what other rules may rely on.
 */
import { describe, expect, it } from 'vitest';
import { ts } from 'ts-morph';
import { Analyzer } from '@eos/analyzer';
import { consumersOf, settleCallsOf } from '../src/facts/consumers';
import { FileFacts } from '../src/facts/file-facts';
import { canReach, catchRethrows, completesBefore, isAwaited, runsOnEveryPathBefore } from '../src/facts/flow';
import { parseSource } from '../src/engine/parse';

/** Facts of `files['/app/main.ts']`, with the other files readable through the project index. */
function load(files: Record<string, string>, main = '/app/main.ts') {
  const analyzer = new Analyzer({ rules: [], host: { readFile: (f) => files[f] } });
  const sf = parseSource(main, files[main]);
  const facts = new FileFacts(sf);
  const visit = (n: ts.Node): void => {
    facts.observe(n);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  analyzer.project.remember(facts);
  return { facts, project: analyzer.project, sf };
}

function summary(files: Record<string, string>) {
  const { facts, project } = load(files);
  return consumersOf(facts, project).map((c) => ({
    broker: c.broker,
    library: c.library,
    settlement: c.settlement,
    kind: c.kind,
    settles: settleCallsOf(c, facts).map((s) => (s.requeue === undefined ? s.kind : `${s.kind}:${s.requeue ? 'requeue' : 'drop'}`)),
  }));
}

describe('consumersOf / settleCallsOf', () => {
  it('reads amqplib consumers, noAck, the reply-to source and nack/reject requeue flags', () => {
    const { facts, project } = load({
      '/app/main.ts': `
        import amqp from 'amqplib';
        export async function start() {
          const ch = await (await amqp.connect('amqp://x')).createChannel();
          await ch.consume('orders', async (msg) => {
            if (!msg) return;
            try { await work(msg); ch.ack(msg); } catch { ch.nack(msg, false, false); ch.reject(msg); }
          });
          await ch.consume('amq.rabbitmq.reply-to', (m) => undefined, { noAck: true });
        }
        async function work(m: unknown) {}
      `,
    });
    const [orders, replies] = consumersOf(facts, project);
    expect(orders).toMatchObject({ broker: 'rabbitmq', library: 'amqplib', settlement: 'manual', messageNames: ['msg'] });
    expect(settleCallsOf(orders, facts).map((s) => [s.kind, s.requeue])).toEqual([['ack', undefined], ['nack', false], ['reject', true]]);
    expect(replies).toMatchObject({ settlement: 'on-receive', source: 'amq.rabbitmq.reply-to' });
  });

  it('tells kafkajs auto-commit from manual commit, and eachBatch payload settles', () => {
    expect(summary({
      '/app/main.ts': `
        import { Kafka } from 'kafkajs';
        const kafka = new Kafka({ brokers: [] });
        const c = kafka.consumer({ groupId: 'g' });
        c.run({ eachMessage: async ({ message }) => { await save(message); } });
        c.run({ autoCommit: false, eachMessage: async ({ topic, partition, message }) => {
          await c.commitOffsets([{ topic, partition, offset: message.offset }]);
        } });
        c.run({ eachBatch: async ({ batch, resolveOffset, heartbeat: beat }) => {
          for (const m of batch.messages) { await save(m); resolveOffset(m.offset); await beat(); }
        } });
        async function save(m: unknown) {}
      `,
    })).toEqual([
      { broker: 'kafka', library: 'kafkajs', settlement: 'on-resolve', kind: 'message', settles: [] },
      { broker: 'kafka', library: 'kafkajs', settlement: 'manual', kind: 'message', settles: ['commit'] },
      { broker: 'kafka', library: 'kafkajs', settlement: 'on-resolve', kind: 'batch', settles: ['resolve-offset', 'heartbeat'] },
    ]);
  });

  it('scopes SQS polling loops per message and recognises deletes through a helper', () => {
    const { facts, project } = load({
      '/app/main.ts': `
        import { SQSClient, ReceiveMessageCommand, DeleteMessageCommand, ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
        const client = new SQSClient({});
        export async function poll() {
          const { Messages } = await client.send(new ReceiveMessageCommand({ QueueUrl: 'q' }));
          for (const m of Messages ?? []) {
            await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: 'q', ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }));
            await remove(m.ReceiptHandle);
          }
        }
        async function remove(handle: string | undefined) {
          await client.send(new DeleteMessageCommand({ QueueUrl: 'q', ReceiptHandle: handle }));
        }
      `,
    });
    const consumers = consumersOf(facts, project);
    const perMessage = consumers.find((c) => c.kind === 'message')!;
    expect(perMessage.messageNames).toContain('m');
    expect(perMessage.scope && ts.isBlock(perMessage.scope)).toBe(true);
    expect(settleCallsOf(perMessage, facts).map((s) => s.kind)).toEqual(['nack', 'delete']);
    expect(consumers.some((c) => c.kind === 'batch')).toBe(true);
  });

  it('recognises sqs-consumer, Pub/Sub, JetStream, NestJS and BullMQ handlers', () => {
    expect(summary({
      '/app/main.ts': `
        import { Consumer } from 'sqs-consumer';
        import { PubSub } from '@google-cloud/pubsub';
        import { connect } from 'nats';
        import { Worker } from 'bullmq';
        import { Ctx, EventPattern, RmqContext } from '@nestjs/microservices';
        Consumer.create({ queueUrl: 'q', handleMessage: async (m) => m });
        new PubSub().subscription('s').on('message', (m) => { m.modAck(30); m.ack(); });
        export async function js() {
          const nc = await connect();
          const c = await nc.jetstream().consumers.get('S', 'c');
          for await (const m of await c.consume()) { m.working(); m.nak(); m.term(); m.ackAck(); }
          for await (const m of nc.subscribe('core.subject')) { m.respond(); }
        }
        new Worker('q', async (job) => job.data);
        class C {
          @EventPattern('e') async on(data: unknown, @Ctx() context: RmqContext) {
            context.getChannelRef().ack(context.getMessage());
          }
        }
      `,
    })).toEqual([
      { broker: 'sqs', library: 'sqs-consumer', settlement: 'on-resolve', kind: 'message', settles: [] },
      { broker: 'pubsub', library: '@google-cloud/pubsub', settlement: 'manual', kind: 'message', settles: ['extend', 'ack'] },
      { broker: 'nats', library: 'nats', settlement: 'manual', kind: 'message', settles: ['extend', 'nack:requeue', 'term:drop', 'ack'] },
      { broker: 'bullmq', library: 'bullmq', settlement: 'on-resolve', kind: 'message', settles: [] },
      { broker: 'rabbitmq', library: '@nestjs/microservices', settlement: 'manual', kind: 'message', settles: ['ack'] },
    ]);
  });

  it('reads NestJS Kafka handlers: on-resolve, manual commits and heartbeats through the context', () => {
    expect(summary({
      '/app/main.ts': `
        import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
        class C {
          @EventPattern('t') async on(data: unknown, @Ctx() ctx: KafkaContext) {
            await ctx.getHeartbeat()();
            await ctx.getConsumer().commitOffsets([{ topic: ctx.getTopic(), partition: ctx.getPartition(), offset: '1' }]);
          }
        }
      `,
    })).toEqual([{ broker: 'kafka', library: '@nestjs/microservices', settlement: 'on-resolve', kind: 'message', settles: ['heartbeat', 'commit'] }]);
  });

  it('reads Lambda SQS handlers per record, only when typed from aws-lambda', () => {
    const { facts, project } = load({
      '/app/main.ts': `
        import type { SQSEvent } from 'aws-lambda';
        export const handler = async (event: SQSEvent) => { for (const record of event.Records) { await save(record.body); } };
        export const other = async (event: { Records: unknown[] }) => { for (const r of event.Records) await save(r); };
        async function save(x: unknown) {}
      `,
    });
    const consumers = consumersOf(facts, project);
    expect(consumers.map((c) => [c.library, c.settlement, c.messageNames])).toEqual([['aws-lambda', 'on-resolve', ['record']]]);
  });

  it('follows a handler registered in one file and defined in another, through a re-export', () => {
    const { facts, project } = load({
      '/app/main.ts': `
        import { Kafka } from 'kafkajs';
        import { onOrder } from './handlers';
        new Kafka({ brokers: [] }).consumer({ groupId: 'g' }).run({ eachMessage: onOrder });
      `,
      '/app/handlers/index.ts': `export { onOrder } from './orders';`,
      '/app/handlers/orders.ts': `export async function onOrder({ message }: any) { await save(message); }\nasync function save(m: unknown) {}`,
    });
    const [consumer] = consumersOf(facts, project);
    expect(consumer.handler?.getSourceFile().fileName).toBe('/app/handlers/orders.ts');
    expect(consumer.messageNames).toEqual(['message']);
  });

  it('never throws on odd input and finds nothing in a file without consumers', () => {
    expect(summary({ '/app/main.ts': `channel.consume(); x.run(); y.on('message'); new Worker();` })).toEqual([]);
  });
});

describe('flow', () => {
  function calls(code: string) {
    const sf = parseSource('/f.ts', code);
    const out = new Map<string, ts.CallExpression>();
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n) && ts.isIdentifier(n.expression)) out.set(n.expression.text, n);
      ts.forEachChild(n, visit);
    };
    visit(sf);
    return out;
  }

  it('canReach: sequence, exclusive branches, early exits, try into catch, other functions', () => {
    const c = calls(`
      async function h() {
        a();
        if (x) { b(); return; } else { c(); }
        d();
        try { e(); } catch { f(); }
        const g2 = () => g();
        return h2();
      }
    `);
    const get = (n: string) => c.get(n)!;
    expect(canReach(get('a'), get('d'))).toBe(true);
    expect(canReach(get('b'), get('d'))).toBe(false);
    expect(canReach(get('b'), get('c'))).toBe(false);
    expect(canReach(get('c'), get('d'))).toBe(true);
    expect(canReach(get('e'), get('f'))).toBe(true);
    expect(canReach(get('d'), get('a'))).toBe(false);
    expect(canReach(get('a'), get('g'))).toBe(false);
  });

  it('isAwaited: await, return, then-chains, Promise.all, a variable awaited later', () => {
    const c = calls(`
      async function h() {
        await a();
        b();
        await c().then(() => 1);
        await Promise.all([d(), e()]);
        const p = f();
        await p;
        void g();
        return h2();
      }
    `);
    const awaited = ['a', 'b', 'c', 'd', 'f', 'g', 'h2'].map((n) => [n, isAwaited(c.get(n)!)]);
    expect(awaited).toEqual([['a', true], ['b', false], ['c', true], ['d', true], ['f', true], ['g', false], ['h2', true]]);
  });

  it('runsOnEveryPathBefore / completesBefore: unconditional and awaited', () => {
    const c = calls(`
      async function h() {
        await a();
        if (x) await b();
        c();
        x && d();
        try { await e(); } catch { f(); }
        z();
      }
    `);
    const get = (n: string) => c.get(n)!;
    expect(['a', 'b', 'c', 'd', 'e', 'f'].map((n) => [n, runsOnEveryPathBefore(get(n), get('z'))])).toEqual([
      ['a', true], ['b', false], ['c', true], ['d', false], ['e', true], ['f', false],
    ]);
    expect(completesBefore(get('a'), get('z'))).toBe(true);
    expect(completesBefore(get('c'), get('z'))).toBe(false);
    expect(completesBefore(get('c'), get('z'), false)).toBe(true);
  });

  it('catchRethrows: throw on every completing path, or return Promise.reject', () => {
    const clauses: ts.CatchClause[] = [];
    const sf = parseSource('/f.ts', `
      try {} catch (e) { log(e); throw e; }
      try {} catch (e) { log(e); }
      try {} catch (e) { if (x) throw e; }
      try {} catch (e) { return Promise.reject(e); }
    `);
    const visit = (n: ts.Node): void => {
      if (ts.isCatchClause(n)) clauses.push(n);
      ts.forEachChild(n, visit);
    };
    visit(sf);
    expect(clauses.map(catchRethrows)).toEqual([true, false, false, true]);
  });
});
