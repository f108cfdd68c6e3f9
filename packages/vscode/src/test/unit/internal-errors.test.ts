/**
 * A rule that throws must not become a silent absence of diagnostics in the editor: the analysis
 * the language server runs reports it in `internalErrors`, and the server turns those into a
 * status/warning line naming the rule and saying its findings are missing (`internalErrorsProblem`).
 * The rule is made to throw here by giving the analyzer a broken copy of a built-in rule.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Analyzer, allRules, type Rule } from '@eos/analyzer';
import { internalErrorsProblem } from '../../server/internal-errors';

const CONSUMER = [
  "import amqp from 'amqplib';",
  'export async function start(db: any) {',
  "  const ch = await (await amqp.connect('amqp://localhost')).createChannel();",
  "  await ch.consume('orders', async (msg) => {",
  '    if (!msg) return;',
  '    ch.ack(msg);',
  "    await db.query('INSERT INTO orders VALUES ($1)', [msg.content.toString()]);",
  '  });',
  '}',
  '',
].join('\n');

function brokenCopyOf(id: string): Rule {
  const rule = allRules.find((r) => r.meta.id === id);
  assert.ok(rule, `rule ${id} exists`);
  return { ...rule, triggers: /./, admits: undefined, create: () => ({ end() { throw new RangeError('planted failure'); } }) } as unknown as Rule;
}

describe('internal errors in the language server', () => {
  const file = path.join(path.sep, 'project', 'src', 'consumer.ts');

  it('names the rule that threw and says its findings are missing; the other rules still report', () => {
    const rules = allRules.map((r) => (r.meta.id === 'missing-dedup' ? brokenCopyOf('missing-dedup') : r));
    const analysis = new Analyzer({ rules }).analyzeText(file, CONSUMER);
    assert.deepEqual(analysis.internalErrors?.map((e) => e.ruleId), ['missing-dedup']);
    assert.match(analysis.internalErrors?.[0].message ?? '', /planted failure/);
    assert.ok(analysis.findings.some((f) => f.ruleId === 'ack-before-process'), 'the working rule still reports');
    assert.equal(
      internalErrorsProblem(file, analysis.internalErrors),
      'internal error in eos: the findings of rule missing-dedup for consumer.ts are missing (see the eos output; please report it)',
    );
  });

  it('lists every rule that threw, and the whole file when the failure was outside any rule', () => {
    const errors = [
      { file, message: 'a', internal: true as const, ruleId: 'dual-write' },
      { file, message: 'b', internal: true as const, ruleId: 'unconfirmed-ack' },
    ];
    assert.match(internalErrorsProblem(file, errors) ?? '', /rules dual-write, unconfirmed-ack for consumer\.ts are missing/);
    assert.match(internalErrorsProblem(file, [{ file, message: 'c', internal: true }]) ?? '', /the findings of consumer\.ts are missing/);
  });

  it('says nothing for a clean analysis', () => {
    const analysis = new Analyzer({ rules: allRules }).analyzeText(file, CONSUMER);
    assert.equal(analysis.internalErrors, undefined);
    assert.equal(internalErrorsProblem(file, analysis.internalErrors), undefined);
  });
});
