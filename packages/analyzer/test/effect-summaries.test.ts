/**
 * Effect summaries across the project (facts/summaries): the class index read from text, calls
 * resolved through interfaces, abstract classes and DI tokens, and the path a finding shows.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyzer, allRules, type Finding } from '@eos/analyzer';
import { ClassHierarchy } from '../src/facts/summaries/class-index';
import { FIXTURES } from './fixture-runner';

/** Analyses an in-memory project (file name → text) as a run over those files would. */
function analyse(files: Record<string, string>, projectFiles: boolean = true): Finding[] {
  const root = path.resolve('/virtual/project');
  const abs = new Map(Object.entries(files).map(([name, text]) => [path.join(root, name), text]));
  const analyzer = new Analyzer({
    rules: allRules,
    host: { readFile: (f) => abs.get(path.resolve(f)) },
    projectFiles: projectFiles ? [...abs.keys()] : undefined,
  });
  return [...abs].flatMap(([file, text]) => analyzer.analyzeText(file, text).findings);
}

const BUS = `
export interface Bus { publish(topic: string, body: string): Promise<void>; }
`;
const KAFKA_BUS = `
import { Kafka } from 'kafkajs';
import type { Bus } from './bus';
const producer = new Kafka({ clientId: 'x', brokers: ['k:9092'] }).producer({ idempotent: true, maxInFlightRequests: 1 });
export class KafkaBus implements Bus {
  async publish(topic: string, body: string) { await producer.send({ topic, messages: [{ value: body }] }); }
}
`;
const MEMORY_BUS = `
import { EventEmitter } from 'node:events';
import type { Bus } from './bus';
export class MemoryBus implements Bus {
  private readonly emitter = new EventEmitter();
  async publish(topic: string, body: string) { this.emitter.emit(topic, body); }
}
`;
const USE_CASE = `
import { PrismaClient } from '@prisma/client';
import type { Bus } from './bus';
export class Register {
  constructor(private readonly prisma: PrismaClient, private readonly bus: Bus) {}
  async run(id: string) {
    await this.prisma.user.create({ data: { id } });
    await this.bus.publish('user.registered', id);
  }
}
`;

describe('class index (text only)', () => {
  const files: Record<string, string> = {
    '/p/a.ts': 'export interface Port<T> { send(x: T): void }\nexport interface LoudPort extends Port<string> {}\n',
    '/p/b.ts': 'export abstract class Base<T extends { id: string }> implements LoudPort { abstract send(x: string): void }\n',
    '/p/c.ts': 'export class Impl extends Base<{ id: string }> { send() {} }\nclass Other extends ns.Port<number> implements Foo, Bar {}\n',
    '/p/m.ts': "@Module({ providers: [{ provide: 'PORT', useClass: Impl }, { provide: TOKENS.Clock, useFactory: () => new SystemClock() }] })\nexport class M {}\nbind<Port>(TYPES.Port).to(Impl);\n",
  };
  const index = new ClassHierarchy(Object.keys(files), (f) => files[f]);

  it('finds every class below an interface, through interfaces and abstract classes, nearest first', () => {
    expect(index.subtypesOf('Port').map((r) => r.name)).toEqual(['LoudPort', 'Other', 'Base', 'Impl']);
    expect(index.subtypesOf('Base')).toEqual([{ file: '/p/c.ts', name: 'Impl' }]);
    expect(index.subtypesOf('Impl')).toEqual([]);
  });

  it('knows which names are interfaces or abstract classes, and where names are declared', () => {
    expect(index.isAbstract('Port')).toBe(true);
    expect(index.isAbstract('Base')).toBe(true);
    expect(index.isAbstract('Impl')).toBe(false);
    expect(index.filesDeclaring('Impl')).toEqual(['/p/c.ts']);
  });

  it('reads the classes providers bind to tokens: useClass, useFactory with new, inversify bind().to()', () => {
    expect(index.providersOf("'PORT'")).toEqual(['Impl']);
    expect(index.providersOf('TOKENS.Clock')).toEqual(['SystemClock']);
    expect(index.providersOf('TYPES.Port')).toEqual(['Impl']);
    expect(index.providersOf('Nothing')).toEqual([]);
  });
});

describe('calls through interfaces', () => {
  it('follows an interface-typed field to every implementing class, and reports through the one that publishes', () => {
    const findings = analyse({ 'bus.ts': BUS, 'kafka-bus.ts': KAFKA_BUS, 'memory-bus.ts': MEMORY_BUS, 'register.ts': USE_CASE }).filter((f) => f.ruleId === 'dual-write');
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(path.basename(f.file)).toBe('register.ts');
    expect(f.line).toBe(8);
    expect(f.message).toContain('`Register.run` → `Bus.publish → KafkaBus.publish` → `producer.send` (./kafka-bus.ts:6)');
    const steps = (f.related ?? []).filter((r) => path.basename(r.file) === 'kafka-bus.ts').map((r) => r.message);
    expect(steps).toEqual(['step 1 of the path: `Bus.publish → KafkaBus.publish`, called at line 8', 'the effect at the end of the path: producer.send']);
  });

  it('stays quiet when the only implementation keeps the event in the process', () => {
    const findings = analyse({ 'bus.ts': BUS, 'memory-bus.ts': MEMORY_BUS, 'register.ts': USE_CASE });
    expect(findings.filter((f) => f.ruleId === 'dual-write')).toEqual([]);
  });

  it('without a file list (an editor), scans the folder of the nearest package.json', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-summaries-'));
    try {
      fs.writeFileSync(path.join(dir, 'package.json'), '{}');
      fs.mkdirSync(path.join(dir, 'src', 'infra'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'src', 'bus.ts'), BUS);
      fs.writeFileSync(path.join(dir, 'src', 'infra', 'kafka-bus.ts'), KAFKA_BUS.replace("'./bus'", "'../bus'"));
      fs.writeFileSync(path.join(dir, 'src', 'register.ts'), USE_CASE);
      const file = path.join(dir, 'src', 'register.ts');
      const findings = new Analyzer({ rules: allRules }).analyzeText(file, USE_CASE).findings.filter((f) => f.ruleId === 'dual-write');
      expect(findings.map((f) => f.line)).toEqual([8]);
      expect(findings[0].related?.some((r) => r.file === path.join(dir, 'src', 'infra', 'kafka-bus.ts'))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('records the implementing class\'s file as a dependency of the result (for --cache), also when the answer was remembered', () => {
    const root = path.resolve('/virtual/cached');
    const files = new Map([['bus.ts', BUS], ['kafka-bus.ts', KAFKA_BUS], ['memory-bus.ts', MEMORY_BUS], ['register.ts', USE_CASE], ['again.ts', USE_CASE.replace('class Register', 'class Again')]]
      .map(([n, t]) => [path.join(root, n), t]));
    const analyzer = new Analyzer({ rules: allRules, host: { readFile: (f) => files.get(path.resolve(f)) }, projectFiles: [...files.keys()] });
    for (const name of ['register.ts', 'again.ts']) {
      const file = path.join(root, name);
      const { reads } = analyzer.project.track(() => analyzer.analyzeText(file, files.get(file) as string));
      expect([...reads.keys()].map((f) => path.basename(f)), name).toEqual(expect.arrayContaining(['bus.ts', 'kafka-bus.ts', 'memory-bus.ts']));
    }
  });

  it('ends on calls that go round in a cycle, and still finds the effect on the way', () => {
    const a = `
import { PrismaClient } from '@prisma/client';
import type { Pong } from './pong';
export interface Ping { ping(n: number): Promise<void>; }
export class PingImpl implements Ping {
  constructor(private readonly pong: Pong, private readonly prisma: PrismaClient) {}
  async ping(n: number) {
    await this.prisma.hit.create({ data: { n } });
    await this.pong.pong(n);
  }
}
`;
    const b = `
import { Kafka } from 'kafkajs';
import type { Ping } from './ping';
const producer = new Kafka({ clientId: 'x', brokers: ['k:9092'] }).producer({ idempotent: true, maxInFlightRequests: 1 });
export interface Pong { pong(n: number): Promise<void>; }
export class PongImpl implements Pong {
  constructor(private readonly other: Ping) {}
  async pong(n: number) {
    await producer.send({ topic: 't', messages: [{ value: String(n) }] });
    await this.other.ping(n - 1);
  }
}
`;
    const findings = analyse({ 'ping.ts': a, 'pong.ts': b }).filter((f) => f.ruleId === 'dual-write');
    // Each side publishes or writes and then calls the other: both are reported, once each.
    expect(findings.map((f) => `${path.basename(f.file)}:${f.line}`).sort()).toEqual(['ping.ts:9', 'pong.ts:9']);
  });
});

describe('the path in findings of the annotated fixtures', () => {
  it('names each step and the file and line of the effect, and gives one related location per step', () => {
    const dir = path.join(FIXTURES, 'dual-write', 'layers');
    const files = ['domain/event-bus.ts', 'domain/order-repository.ts', 'domain/index.ts', 'infra/rabbit-event-bus.ts', 'infra/memory-audit-trail.ts', 'infra/prisma-order-repository.ts', 'application/create-order.ts']
      .map((f) => path.join(dir, f));
    const analyzer = new Analyzer({ rules: allRules, projectFiles: files });
    const useCase = path.join(dir, 'application/create-order.ts');
    const [f] = analyzer.analyzeText(useCase, fs.readFileSync(useCase, 'utf8')).findings.filter((x) => x.ruleId === 'dual-write');
    expect(f.message).toContain('`CreateOrder.run` → `EventBus.publish → RabbitEventBus.publish` → `channel.publish` (../infra/rabbit-event-bus.ts:10)');
    expect(f.message).toContain('`CreateOrder.run` → `OrderRepository.save → PrismaOrderRepository.save` → `prisma.order.create` (../infra/prisma-order-repository.ts:12)');
    const where = (f.related ?? []).map((r) => `${path.relative(dir, r.file)}: ${r.message}`);
    expect(where).toEqual([
      'application/create-order.ts: the database write: prisma order.create',
      'infra/rabbit-event-bus.ts: step 1 of the path: `EventBus.publish → RabbitEventBus.publish`, called at line 14',
      'infra/rabbit-event-bus.ts: the effect at the end of the path: channel.publish',
      'infra/prisma-order-repository.ts: step 1 of the path: `OrderRepository.save → PrismaOrderRepository.save`, called at line 12',
      'infra/prisma-order-repository.ts: the effect at the end of the path: prisma order.create',
    ]);
  });
});
