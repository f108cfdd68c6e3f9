/**
 * ack-before-process through the summary "swallows the failure of its work"
 * (facts/summaries/swallows.ts): the finding names the path from the handler to the `catch` or
 * the logged failed response, and gives one related location per step. The fixtures of
 * fixtures/ack-before-process/swallowed-in-callee check where findings land; this checks what
 * they say.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyzer, allRules, type Finding } from '@eos/analyzer';
import { FIXTURES } from './fixture-runner';

const DIR = path.join(FIXTURES, 'ack-before-process', 'swallowed-in-callee');

function findingsOf(file: string, others: string[]): Finding[] {
  const files = [file, ...others].map((f) => path.join(DIR, f));
  const analyzer = new Analyzer({ rules: allRules, projectFiles: files });
  const target = files[0];
  return analyzer.analyzeText(target, fs.readFileSync(target, 'utf8')).findings.filter((f) => f.ruleId === 'ack-before-process');
}

/** 1-based line of an offset in a file. */
function lineOf(file: string, offset: number): number {
  return fs.readFileSync(file, 'utf8').slice(0, offset).split('\n').length;
}

describe('a failure swallowed in an awaited function', () => {
  it('shows the path to a failed response that is only logged, two calls down in another file', () => {
    const f = findingsOf('jobs.ts', ['partner-client.ts', 'mailer.ts']).find((x) => x.message.includes('PartnerClient.post'));
    expect(f?.message).toContain('`PartnerClient.post` only logs a failed response of `HTTP POST https://partner.example.org? via fetch`');
    expect(f?.message).toContain('`anonymous function` → `PartnerClient.notifyPartner` → `PartnerClient.post` → `fetch` (./partner-client.ts:13)');
    expect(f?.message).toContain('BullMQ marks the job completed and never retries it; the failed job is lost (message lost). Fix: ');
    const where = (f?.related ?? []).map((r) => `${path.basename(r.file)}:${lineOf(r.file, r.start)}: ${r.message}`);
    expect(where).toEqual([
      'jobs.ts:40: the handler awaits `partner.notifyPartner(…)`, which returns normally after the failure',
      'partner-client.ts:3: step 1 of the path: `PartnerClient.notifyPartner`, called at line 40',
      'partner-client.ts:12: step 2 of the path: `PartnerClient.post`, called at ./partner-client.ts:4',
      'partner-client.ts:13: the effect at the end of the path: HTTP POST https://partner.example.org? via fetch',
      'partner-client.ts:14: the failed response is only logged here',
    ]);
  });

  it('names the settle call that runs next under manual commits, and the catch that drops the failure', () => {
    const [f] = findingsOf('billing-consumer.ts', ['payments.ts', '../app.ts']);
    expect(f.message).toContain('a `catch` in `chargeOrder` swallows the failure of');
    expect(f.message).toContain('`consumer.commitOffsets(…)` runs next');
    expect(f.related?.at(-1)?.message).toBe('the failure is caught here and dropped');
    expect(path.basename(f.related!.at(-1)!.file)).toBe('payments.ts');
  });
});
