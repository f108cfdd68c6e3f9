/**
 * Which functions the consumer facts take for Temporal activities (facts/consumers/temporal.ts):
 * each registration shape of the TypeScript SDK, and the near-misses that are not activities.
 */
import { describe, expect, it } from 'vitest';
import { ts } from 'ts-morph';
import { Analyzer } from '@eos/analyzer';
import { consumersOf } from '../src/facts/consumers';
import { FileFacts } from '../src/facts/file-facts';
import { parseSource } from '../src/engine/parse';

/** Names of the activities found in `files['/app/main.ts']`, with their message names. */
function activities(files: Record<string, string>): string[] {
  const analyzer = new Analyzer({ rules: [], host: { readFile: (f) => files[f] } });
  const sf = parseSource('/app/main.ts', files['/app/main.ts']);
  const facts = new FileFacts(sf);
  const visit = (n: ts.Node): void => {
    facts.observe(n);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  analyzer.project.remember(facts);
  return consumersOf(facts, analyzer.project).filter((c) => c.broker === 'temporal').map((c) => {
    const fn = c.handler!;
    const holder = fn.parent;
    const name = fn.name && ts.isIdentifier(fn.name) ? fn.name.text : (ts.isVariableDeclaration(holder) || ts.isPropertyAssignment(holder)) && ts.isIdentifier(holder.name) ? holder.name.text : '?';
    return `${name}(${c.messageNames.join(',')}) ${c.library} ${c.settlement}`;
  });
}

const ACTIVITIES = `
  import { Context } from '@temporalio/activity';
  export async function charge(orderId: string) {}
  export const refund = async ({ paymentId }: { paymentId: string }) => {};
  async function helper() {}
  export { helper };
  export type Money = number;
`;

describe('Temporal activities', () => {
  it('Worker.create with an imported namespace: every exported function of the module', () => {
    expect(activities({
      '/app/main.ts': `import { Worker } from '@temporalio/worker'; import * as acts from './activities';
        Worker.create({ taskQueue: 'q', activities: acts });`,
      '/app/activities.ts': ACTIVITIES,
    })).toEqual([
      'charge(orderId,Context) @temporalio/worker on-resolve',
      'refund(paymentId,Context) @temporalio/worker on-resolve',
      'helper(Context) @temporalio/worker on-resolve',
    ]);
  });

  it('Worker.create with an object literal (shorthand, methods, spreads, a const) and with a factory', () => {
    expect(activities({
      '/app/main.ts': `import { Worker } from '@temporalio/worker'; import * as more from './activities'; import { make } from './factory';
        async function local(a: string) {}
        const base = { local, async inline(b: number) {} };
        Worker.create({ taskQueue: 'q', activities: { ...base, ...more } });
        Worker.create({ taskQueue: 'q2', activities: make(db) });`,
      '/app/activities.ts': ACTIVITIES,
      '/app/factory.ts': 'export function make(db: unknown) { return { async fromFactory(x: string) {}, named: async (y: string) => {} }; }',
    })).toEqual([
      'local(a) @temporalio/worker on-resolve',
      'inline(b) @temporalio/worker on-resolve',
      'charge(orderId,Context) @temporalio/worker on-resolve',
      'refund(paymentId,Context) @temporalio/worker on-resolve',
      'helper(Context) @temporalio/worker on-resolve',
      'fromFactory(x) @temporalio/worker on-resolve',
      'named(y) @temporalio/worker on-resolve',
    ]);
  });

  it('proxyActivities<typeof ns>() and proxyActivities<ReturnType<typeof factory>>() in a workflow', () => {
    expect(activities({
      '/app/main.ts': `import { proxyActivities } from '@temporalio/workflow';
        import type * as acts from './activities'; import type { make } from './factory';
        const a = proxyActivities<typeof acts>({ startToCloseTimeout: '1m' });
        const b = proxyActivities<ReturnType<typeof make>>({ startToCloseTimeout: '1m' });`,
      '/app/activities.ts': ACTIVITIES,
      '/app/factory.ts': 'export const make = (db: unknown) => ({ async fromFactory(x: string) {} });',
    })).toEqual([
      'charge(orderId,Context) @temporalio/workflow on-resolve',
      'refund(paymentId,Context) @temporalio/workflow on-resolve',
      'helper(Context) @temporalio/workflow on-resolve',
      'fromFactory(x) @temporalio/workflow on-resolve',
    ]);
  });

  it('a module that imports @temporalio/activity: its exported functions, not a factory, not a private helper', () => {
    expect(activities({
      '/app/main.ts': `import { activityInfo } from '@temporalio/activity';
        export async function ship(id: string) { const key = activityInfo().activityId; }
        export function createActivities(db: unknown) { return { async other() {} }; }
        async function privateHelper() {}`,
    })).toEqual(['ship(id,activityInfo) @temporalio/activity on-resolve']);
  });

  it('not activities: a Worker from another library, a workflow-side function, a package namespace', () => {
    expect(activities({
      '/app/main.ts': `import { Worker } from 'bullmq'; import { proxyActivities } from '@temporalio/workflow'; import * as pkg from 'some-activities';
        export async function myWorkflow() {}
        const w = new Worker('q', async () => {});
        const a = proxyActivities<typeof pkg>({});`,
    })).toEqual([]);
  });
});
