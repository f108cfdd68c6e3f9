/** missing-dedup on consumers that settle first: the message says the duplicate follows from fixing the ack. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyzer, allRules } from '@eos/analyzer';

const FILE = path.join(__dirname, 'fixtures/missing-dedup/ack-first.ts');

function messagesAt(line: number): string[] {
  const analyzer = new Analyzer({ rules: allRules.filter((r) => r.meta.id === 'missing-dedup') });
  return analyzer.analyzeText(FILE, fs.readFileSync(FILE, 'utf8')).findings.filter((f) => f.line === line).map((f) => f.message);
}

describe('missing-dedup after an early settle', () => {
  it('names the ack that comes first and says the duplicate follows from moving it', () => {
    const [message] = messagesAt(21);
    expect(message).toContain('after the message is already settled (`channel.ack(msg)`)');
    expect(message).toContain('Once the settle moves after the work');
    expect(message).toContain('effect doubled');
  });

  it('names noAck as the early settle', () => {
    expect(messagesAt(27)[0]).toContain('after the message is already settled (`noAck: true`)');
  });

  it('uses the plain message when the ack only leaves early on another path', () => {
    const [message] = messagesAt(49);
    expect(message).not.toContain('already settled');
    expect(message).toContain('with nothing that recognises a repeated message');
  });
});
