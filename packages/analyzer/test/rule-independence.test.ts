/**
 * A rule's findings must not depend on which other rules run on the file: the pre-filter runs
 * only the rules a file can concern, so a dependence would let it change results. The way it
 * could happen: a rule asks where a value comes from during the walk, before the source that
 * says so (an assignment further down) has been seen.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ts } from 'ts-morph';
import { Analyzer } from '../src/engine/analyzer';
import { parseSource } from '../src/engine/parse';
import { FileFacts } from '../src/facts/file-facts';
import { allRules } from '../src/rules';
import { FIXTURES, fixtureFiles } from './fixture-runner';

describe('rule independence', () => {
  it('gives each rule the same findings alone as among all the rules, on every fixture and example', () => {
    const files = [...fixtureFiles(FIXTURES), ...fixtureFiles(path.resolve(__dirname, '../../../examples'))];
    const all = new Analyzer({ rules: allRules, prefilter: false });
    const alone = new Map(allRules.map((r) => [r.meta.id, new Analyzer({ rules: [r], prefilter: false })]));
    const key = (f: { ruleId: string; file: string; start: number; message: string }) => `${f.file}@${f.start} ${f.ruleId}: ${f.message}`;
    let compared = 0;
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      const together = all.analyzeText(file, text).findings;
      for (const rule of allRules) {
        const own = alone.get(rule.meta.id)!.analyzeText(file, text).findings.filter((f) => f.ruleId === rule.meta.id);
        expect(own.map(key), `${rule.meta.id} on ${file}`).toEqual(together.filter((f) => f.ruleId === rule.meta.id).map(key));
        compared += own.length;
      }
    }
    expect(compared).toBeGreaterThan(200);
  });

  it('does not keep "no origin" for a value asked about before the source further down is seen', () => {
    const text = `import * as amqp from 'amqplib';
export class Publisher {
  private channel: any;
  async publish(body: string) {
    this.channel.sendToQueue('orders', Buffer.from(body));
  }
  async start() {
    const connection = await amqp.connect('amqp://localhost');
    this.channel = await connection.createChannel();
  }
}
`;
    const sourceFile = parseSource('/p/publisher.ts', text);
    const facts = new FileFacts(sourceFile);
    let receiver: ts.Expression | undefined;
    let midWalk: unknown = 'not asked';
    const visit = (node: ts.Node): void => {
      facts.observe(node);
      // A rule's visitor at the call, as publish-without-dedup-id's is: the assignment is not seen yet.
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'sendToQueue') {
        receiver = node.expression.expression;
        midWalk = facts.originOf(receiver);
      }
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
    expect(midWalk).toBeUndefined();
    expect(facts.originOf(receiver!)?.module).toBe('amqplib');
  });
});

describe('origins asked during the walk', () => {
  /** Walks `text` as the engine does, asking `ask` at each node after observing it. */
  function walk(text: string, ask: (node: ts.Node, facts: FileFacts) => void, fallback?: (e: ts.Expression) => undefined): FileFacts {
    const sourceFile = parseSource('/p/file.ts', text);
    const facts = new FileFacts(sourceFile, fallback);
    const visit = (node: ts.Node): void => {
      facts.observe(node);
      ask(node, facts);
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
    return facts;
  }

  it('does not keep "no origin" for a value read from another one that gains its source later', () => {
    const text = `import * as amqp from 'amqplib';
export class Publisher {
  private channel: any;
  async publish(body: string) {
    const ch = this.channel;
    ch.sendToQueue('orders', Buffer.from(body));
  }
  async start() {
    const connection = await amqp.connect('amqp://localhost');
    this.channel = await connection.createChannel();
  }
}
`;
    let receiver: ts.Expression | undefined;
    let midWalk: unknown = 'not asked';
    const facts = walk(text, (node, f) => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'sendToQueue') {
        receiver = node.expression.expression;
        midWalk = f.originOf(receiver);
      }
    });
    expect(midWalk).toBeUndefined();
    // `ch` was read from `this.channel`, which the assignment in start() gave a source since.
    expect(facts.originOf(receiver!)).toEqual({ module: 'amqplib', chain: ['connect()', 'createChannel()'] });
  });

  it('reuses "no origin" while nothing it was read from has changed, and only then', () => {
    // Counted through the fallback, which is asked each time an expression is worked out anew.
    const asked: string[] = [];
    const fallback = (e: ts.Expression): undefined => {
      asked.push(e.getText());
      return undefined;
    };
    const text = `function handle(row: unknown) {
  const id = row;
  save(id);
  save(id);
  const other = 1;
  save(id);
  const row2 = row;
  row = load();
  save(id);
}
`;
    const calls: ts.CallExpression[] = [];
    const answers: Array<{ before: number; after: number }> = [];
    walk(
      text,
      (node, f) => {
        if (!ts.isCallExpression(node) || node.expression.getText() !== 'save') return;
        calls.push(node);
        const before = asked.length;
        f.originOf(node.arguments[0]);
        answers.push({ before, after: asked.length });
      },
      fallback,
    );
    // Each `id` is a new node and asked anew; what `id` was read from, `row` in its initialiser,
    // is worked out at the first call, reused at the second and at the third (after an unrelated
    // declaration), and worked out again at the fourth: `row` has gained a source since.
    const rowAsks = answers.map((a) => asked.slice(a.before, a.after).filter((t) => t === 'row').length);
    expect(rowAsks).toEqual([1, 0, 0, 1]);
  });
});
