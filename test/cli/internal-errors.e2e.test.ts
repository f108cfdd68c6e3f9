/**
 * A bug in a rule (it throws) surfaces as an internal error: named on stderr with the rule, the
 * file and the first stack frame, listed in the JSON `errors` and as a SARIF notification with
 * `executionSuccessful: false`; the other rules' findings are kept and the exit code is 2.
 *
 * The built binary is run with a preloaded module (test-only, through NODE_OPTIONS) that makes one
 * built-in rule throw: the product has no switch for it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, eos, ROOT, tree } from './helpers';
import { FIXABLE_CONSUMER } from './samples';

const made: string[] = [];
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});
beforeAll(async () => {
  await ensureBuilt();
});

/** The rule made to throw, and a rule that finds something in FIXABLE_CONSUMER. */
const BROKEN = 'missing-dedup';
const WORKING = 'ack-before-process';

function sampleWithBrokenRule(): { dir: string; env: Record<string, string> } {
  const rules = path.join(ROOT, 'packages/analyzer/dist/rules/index.js');
  const dir = tree({
    'src/consumer.ts': FIXABLE_CONSUMER,
    // Outside src/: not audited.
    'preload/break-rule.cjs': [
      `const { allRules } = require(${JSON.stringify(rules)});`,
      `const rule = allRules.find((r) => r.meta.id === ${JSON.stringify(BROKEN)});`,
      `rule.triggers = /./;`,
      `delete rule.admits;`,
      `rule.create = () => ({ end() { throw new RangeError('planted failure'); } });`,
      '',
    ].join('\n'),
  });
  made.push(dir);
  return { dir, env: { NODE_OPTIONS: `--require ${path.join(dir, 'preload/break-rule.cjs')}` } };
}

describe('a rule that throws', () => {
  it('is reported on stderr naming the rule, the file and the first frame; the run goes on and exits 2', async () => {
    const { dir, env } = sampleWithBrokenRule();
    const r = await eos(['audit', 'src', '--format', 'json'], dir, env);
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^eos: src/consumer\\.ts: internal error in rule ${BROKEN}: planted failure \\(at .*break-rule\\.cjs:\\d+:\\d+\\)\\); this rule's findings for this file are missing \\(please report it\\)$`),
    );
    const report = JSON.parse(r.stdout) as { findings: Array<{ ruleId: string }>; errors: Array<Record<string, unknown>> };
    expect(report.findings.map((f) => f.ruleId)).toContain(WORKING);
    expect(report.findings.map((f) => f.ruleId)).not.toContain(BROKEN);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatchObject({ file: 'src/consumer.ts', internal: true, ruleId: BROKEN });
    expect(report.errors[0].frame).toMatch(/break-rule\.cjs:\d+:\d+/);
  });

  it('makes the SARIF run unsuccessful, with a notification associated with the rule', async () => {
    const { dir, env } = sampleWithBrokenRule();
    const r = await eos(['audit', 'src', '--format', 'sarif'], dir, env);
    expect(r.status).toBe(2);
    const log = JSON.parse(r.stdout);
    const [run] = log.runs;
    const [invocation] = run.invocations;
    expect(invocation.executionSuccessful).toBe(false);
    expect(invocation.toolExecutionNotifications).toHaveLength(1);
    const [note] = invocation.toolExecutionNotifications;
    expect(note.level).toBe('error');
    expect(note.message.text).toMatch(`internal error in rule ${BROKEN}: planted failure`);
    expect(note.associatedRule.id).toBe(BROKEN);
    expect(run.tool.driver.rules[note.associatedRule.index].id).toBe(BROKEN);
    expect(run.results.map((x: { ruleId: string }) => x.ruleId)).toContain(WORKING);
  });

  it('without the planted failure the same run succeeds (exit 1 for the findings, no error)', async () => {
    const { dir } = sampleWithBrokenRule();
    const r = await eos(['audit', 'src', '--format', 'sarif'], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).runs[0].invocations[0].executionSuccessful).toBe(true);
  });
});
