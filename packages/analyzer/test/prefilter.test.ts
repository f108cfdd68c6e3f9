/** The pre-filter's view of imported files (`EvidenceIndex`): what `reaches` sees, and what it records. */
import { describe, expect, it } from 'vitest';
import { EvidenceIndex, Prefilter } from '../src/engine/prefilter';
import { allRules } from '../src/rules';
import { ProjectIndex } from '../src/facts/project/project-index';

/** An in-memory tree: path → text. */
function indexOf(files: Record<string, string>): { evidence: EvidenceIndex; project: ProjectIndex; reads: string[] } {
  const reads: string[] = [];
  const project = new ProjectIndex({ readFile: (f) => (reads.push(f), files[f]) }, () => undefined);
  return { evidence: new EvidenceIndex(project), project, reads };
}

const SEND = /\bsend\(/;

describe('pre-filter evidence through imports', () => {
  // a → b → c → a (a cycle), d → b, e alone; only c sends.
  const tree = {
    '/p/a.ts': "import { b } from './b';\nexport const a = () => b();\n",
    '/p/b.ts': "import { c } from './c.js';\nexport const b = () => c();\n",
    '/p/c.ts': "import { a } from './a';\nexport const c = () => producer.send({});\n",
    '/p/d.ts': "export * from './b';\n",
    '/p/e.ts': "const m = require('./lib');\n",
    '/p/lib/index.ts': 'export const nothing = 1;\n',
  };
  const view = (evidence: EvidenceIndex, file: keyof typeof tree, text: string = tree[file]) => evidence.view(file, text, false);

  it('finds a match any number of imports away, through cycles, re-exports and index files', () => {
    const { evidence } = indexOf(tree);
    expect(view(evidence, '/p/d.ts').reaches(SEND)).toBe(true);
    expect(view(evidence, '/p/a.ts').reaches(SEND)).toBe(true);
    expect(view(evidence, '/p/e.ts').reaches(SEND)).toBe(false);
    expect(view(evidence, '/p/e.ts').reaches(/nothing/)).toBe(true);
  });

  it('gives the same answers whatever order the files are asked in (remembered answers stay right)', () => {
    const files = Object.keys(tree) as Array<keyof typeof tree>;
    const fresh = files.map((f) => [f, view(indexOf(tree).evidence, f).reaches(SEND), view(indexOf(tree).evidence, f).reaches(/\bb\(\)/)]);
    for (const order of [files, [...files].reverse(), ['/p/c.ts', '/p/e.ts', '/p/a.ts', '/p/d.ts', '/p/b.ts', '/p/lib/index.ts'] as const]) {
      const { evidence } = indexOf(tree);
      const answers = Object.fromEntries(order.map((f) => [f, [view(evidence, f).reaches(SEND), view(evidence, f).reaches(/\bb\(\)/)]]));
      expect(fresh.map(([f, ...rest]) => [f, ...answers[f as string]])).toEqual(fresh);
    }
  });

  it("judges the analysed file by the text given, not the one on disk", () => {
    const { evidence } = indexOf(tree);
    expect(view(evidence, '/p/e.ts', 'producer.send(x);').reaches(SEND)).toBe(true);
    expect(view(evidence, '/p/c.ts', 'export const c = 1;').reaches(SEND)).toBe(false);
  });

  it('records every file an answer depends on while the project index tracks reads (the cache)', () => {
    const { evidence, project } = indexOf(tree);
    // Learn the answers untracked first, as an earlier file of the run would.
    view(evidence, '/p/a.ts').reaches(/nowhere/);
    const { reads } = project.track(() => view(evidence, '/p/d.ts').reaches(/nowhere/));
    expect([...reads.keys()].filter((f) => reads.get(f) !== null).sort()).toEqual(['/p/a.ts', '/p/b.ts', '/p/c.ts']);
  });
});

describe('recording a dependency without its text (ProjectIndex.record)', () => {
  it('records each file once per tracked analysis, as a read would, and reads it again in the next one', () => {
    const files: Record<string, string> = { '/r/a.ts': 'export const a = 1;\n' };
    const reads: string[] = [];
    const project = new ProjectIndex({ readFile: (f) => (reads.push(f), files[f]) }, () => undefined);
    const first = project.track(() => [project.record('/r/a.ts'), project.record('/r/a.ts'), project.record('/r/gone.ts'), project.record('/r/gone.ts')]);
    expect(first.result).toEqual([true, true, false, false]);
    expect([...first.reads]).toEqual([['/r/a.ts', files['/r/a.ts']], ['/r/gone.ts', null]]);
    expect(reads).toEqual(['/r/a.ts', '/r/gone.ts']);
    // A new analysis records its own dependencies: the file is read for it (it may have changed since).
    const second = project.track(() => project.record('/r/a.ts'));
    expect([...second.reads.keys()]).toEqual(['/r/a.ts']);
    expect(reads).toEqual(['/r/a.ts', '/r/gone.ts', '/r/a.ts']);
  });
});

describe('pre-filter reads', () => {
  it('reads each imported file once when the patterns are known up front, whatever is asked of it', () => {
    const files: Record<string, string> = {
      '/q/a.ts': "import { b } from './b';\n",
      '/q/b.ts': 'export const b = () => producer.send({});\n',
    };
    const reads: string[] = [];
    const project = new ProjectIndex({ readFile: (f) => (reads.push(f), files[f]) }, () => undefined);
    const other = /nowhere/;
    const evidence = new EvidenceIndex(project, [SEND, other]);
    const view = evidence.view('/q/a.ts', files['/q/a.ts'], undefined);
    expect(view.reaches(SEND)).toBe(true);
    expect(view.reaches(other)).toBe(false);
    // One probe to resolve './b', one read for its imports and both patterns.
    expect(reads.filter((f) => f === '/q/b.ts')).toHaveLength(2);
  });
});

describe("dual-write's admission: the outgoing side by imports and the names classifiers accept", () => {
  const dualWrite = allRules.find((r) => r.meta.id === 'dual-write')!;
  const decide = (text: string, types?: { packages?: ReadonlySet<string> }) => {
    const files: Record<string, string> = { '/r/service.ts': text };
    const project = new ProjectIndex({ readFile: (f) => files[f] }, () => undefined);
    return new Prefilter([{ id: 'dual-write', triggers: dualWrite.triggers, admits: dualWrite.admits }], project, types).decide('/r/service.ts', text).rules;
  };
  const WRITE = 'await this.orderRepository.save(order);\n';

  it('skips a file whose only "outgoing" calls are generic methods of no outgoing package', () => {
    expect(decide(`${WRITE}this.items.add(order);\nthis.client.fetch<Order>('/orders');\nthis.emitOrderEvent(order);\n`)).toEqual([]);
  });

  it('admits the same calls when the file imports a broker or HTTP package, or names a publisher', () => {
    expect(decide(`import { Queue } from 'bullmq';\n${WRITE}this.queue.add('order', order);\n`)).toEqual(['dual-write']);
    expect(decide(`import { HttpService } from '@nestjs/axios';\n${WRITE}this.http.post(url, order);\n`)).toEqual(['dual-write']);
    expect(decide(`${WRITE}await this.eventPublisher.emit(order);\n`)).toEqual(['dual-write']);
    expect(decide(`${WRITE}await fetch(url, { method: 'POST' });\n`)).toEqual(['dual-write']);
    expect(decide(`${WRITE}await this.mailer.sendWelcomeMail(user);\n`)).toEqual(['dual-write']);
    // A sentence ending a comment is no member access: the plain call on the next line counts.
    expect(decide(`${WRITE}// The customer is billable from now on.\nemitBillingEvent({ type: 'deleted' });\n`)).toEqual(['dual-write']);
  });

  it('admits generic calls with --types when the checker holds an outgoing package, and not otherwise', () => {
    const text = `${WRITE}this.client.add(order);\n`;
    expect(decide(text, { packages: new Set(['bullmq']) })).toEqual(['dual-write']);
    expect(decide(text, { packages: new Set(['lodash']) })).toEqual([]);
  });
});

describe("unstable-dedup-key's admission: a Redis client shows in the file's own text", () => {
  const rule = allRules.find((r) => r.meta.id === 'unstable-dedup-key')!;
  // The client module is imported, but the receiver is named `client`: no Redis call of this file
  // can be recognised (isRedisCall reads the receiver's origin or its own name), so there is
  // nothing to find whatever the imported file says.
  const files: Record<string, string> = {
    '/r/clients.ts': "import Redis from 'ioredis';\nexport const client = new Redis();\n",
    '/r/seen.ts': "import { client } from './clients';\nexport async function seen(id: string) {\n  return client.set(`seen:${id}`, '1');\n}\n",
  };
  const decide = (file: string, text: string) => {
    const project = new ProjectIndex({ readFile: (f) => files[f] ?? (f === file ? text : undefined) }, () => undefined);
    return new Prefilter([{ id: rule.meta.id, triggers: rule.triggers, admits: rule.admits }], project, undefined).decide(file, text).rules;
  };

  it('skips a file whose Redis client is only in a file it imports', () => {
    expect(decide('/r/seen.ts', files['/r/seen.ts'])).toEqual([]);
  });

  it('admits it when the receiver reads as a Redis client or a cache/store, or the file imports a Redis module', () => {
    expect(decide('/r/a.ts', files['/r/seen.ts'].replace(/client\b/g, 'redis'))).toEqual(['unstable-dedup-key']);
    expect(decide('/r/b.ts', files['/r/seen.ts'].replace(/client\b/g, 'cache'))).toEqual(['unstable-dedup-key']);
    expect(decide('/r/c.ts', "import Redis from 'ioredis';\nconst c = new Redis();\nexport const seen = (id: string) => c.set(`seen:${id}`, '1');\n")).toEqual(['unstable-dedup-key']);
  });
});

describe('the pre-filter as plain data (for another thread)', () => {
  it('gives the findings of the analyzer\'s own pre-filter on every fixture and example, after a round trip through its spec', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const { allRules } = await import('../src/rules');
    const { Analyzer } = await import('../src/engine/analyzer');
    const { Prefilter } = await import('../src/engine/prefilter');
    const { FIXTURES, fixtureFiles } = await import('./fixture-runner');
    const files = [...fixtureFiles(FIXTURES), ...fixtureFiles(path.resolve(__dirname, '../../../examples'))];
    const disk = new ProjectIndex({ readFile: (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : undefined) }, () => undefined);
    // Syntactic; type-aware with and without Redis typings in the program; type-aware, packages unknown.
    for (const packages of [undefined, new Set(['ioredis', 'pg']), new Set(['pg']), 'unknown'] as const) {
      const typeAware = packages !== undefined;
      const options = { rules: allRules, originFallback: typeAware ? () => undefined : undefined, typePackages: packages instanceof Set ? () => packages : undefined };
      const own = new Analyzer(options);
      const fed = new Analyzer(options);
      const remote = Prefilter.fromSpec(JSON.parse(JSON.stringify(own.prefilterSpec())), disk);
      let parsed = 0;
      for (const file of files) {
        const text = fs.readFileSync(file, 'utf8');
        const expected = own.analyzeText(file, text);
        const actual = fed.analyzeText(file, text, remote.decide(file, text));
        expect(actual.parsed, file).toBe(expected.parsed);
        expect(actual.findings.map((f) => `${f.ruleId}@${f.start}`), file).toEqual(expected.findings.map((f) => `${f.ruleId}@${f.start}`));
        if (expected.parsed) parsed++;
      }
      expect(parsed).toBeGreaterThan(files.length / 2);
    }
    // Eight analyses of every fixture: over a minute on a loaded 2-core machine.
  }, 240_000);
});

describe('type-aware admissions', () => {
  // A check-then-set on a Map: a dedup key on a Redis client, if the checker could say the Map is one.
  const text = "const byId = new Map<string, number>();\nexport function remember(id: string) {\n  if (byId.get(id)) return;\n  byId.set(id, 1);\n}\n";
  const decide = async (packages: ReadonlySet<string> | undefined, typeAware: boolean) => {
    const { allRules } = await import('../src/rules');
    const { Analyzer } = await import('../src/engine/analyzer');
    const analyzer = new Analyzer({ rules: allRules, originFallback: typeAware ? () => undefined : undefined, typePackages: packages && (() => packages) });
    return analyzer.analyzeText('/p/remember.ts', text).parsed;
  };

  it('parses a file whose Redis client only the checker could see, when the program holds Redis typings or they are unknown', async () => {
    expect(await decide(new Set(['ioredis', 'pg']), true)).toBe(true);
    expect(await decide(new Set(['@upstash/redis']), true)).toBe(true);
    expect(await decide(undefined, true)).toBe(true);
  });

  it('skips it when no Redis package is in the program, and in a syntactic run', async () => {
    expect(await decide(new Set(['pg', 'kafkajs']), true)).toBe(false);
    expect(await decide(undefined, false)).toBe(false);
  });
});

