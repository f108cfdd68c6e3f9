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
