/** The pre-filter's view of imported files (`EvidenceIndex`): what `reaches` sees, and what it records. */
import { describe, expect, it } from 'vitest';
import { EvidenceIndex } from '../src/engine/prefilter';
import { ProjectIndex } from '../src/engine/project-index';

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

describe('the pre-filter as plain data (for another thread)', () => {
  it('decides every fixture and example file the same after a round trip through its spec', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const { allRules } = await import('../src/rules');
    const { Analyzer } = await import('../src/engine/analyzer');
    const { Prefilter } = await import('../src/engine/prefilter');
    const { FIXTURES, fixtureFiles } = await import('./fixture-runner');
    const files = [...fixtureFiles(FIXTURES), ...fixtureFiles(path.resolve(__dirname, '../../../examples'))];
    for (const typeAware of [false, true]) {
      const analyzer = new Analyzer({ rules: allRules, originFallback: typeAware ? () => undefined : undefined });
      const rules = analyzer.prefilterRules();
      const local = new Prefilter(rules, new ProjectIndex({ readFile: (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : undefined) }, () => undefined), typeAware);
      const spec = JSON.parse(JSON.stringify(Prefilter.spec(rules, typeAware)));
      const remote = Prefilter.fromSpec(spec, new ProjectIndex({ readFile: (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : undefined) }, () => undefined));
      let admitted = 0;
      for (const file of files) {
        const text = fs.readFileSync(file, 'utf8');
        const decision = local.decide(file, text);
        expect(remote.decide(file, text), file).toEqual(decision);
        if (decision.parse) admitted++;
      }
      expect(admitted).toBeGreaterThan(files.length / 2);
    }
  });
});
