/** The pre-filter's first test: one union of every rule's triggers that never misses a file any of them matches. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allRules } from '../src/rules';
import { leadingLiteral, topLevelAlternatives, unionOf } from '../src/engine/trigger-union';
import { FIXTURES, fixtureFiles } from './fixture-runner';

const EXAMPLES = path.resolve(__dirname, '../../../examples');

describe('trigger union', () => {
  const triggers = [/eos-ignore/, ...allRules.map((r) => r.triggers), ...allRules.flatMap((r) => (r.typeAwareTriggers ? [r.typeAwareTriggers] : []))];
  const union = unionOf(triggers);

  it('matches every fixture and example file that any rule trigger matches, and each of their alternatives', () => {
    const texts = [...fixtureFiles(FIXTURES), ...fixtureFiles(EXAMPLES)].map((f) => fs.readFileSync(f, 'utf8'));
    expect(texts.length).toBeGreaterThan(100);
    for (const text of texts) if (triggers.some((t) => t.test(text))) expect(union.test(text)).toBe(true);
    // Each alternative on its own, as text that matches it: the union must match that text too.
    const samples = ['consumed_events', 'handled_messages', 'idempotency_key', 'IdempotencyKey', 'sendToQueue(', 'channel.nack(', 'INSERT INTO x', 'x.exists(', "import { a } from './a'", 'msgId ', 'Worker', 'eos-ignore'];
    for (const sample of samples) {
      expect(triggers.some((t) => t.test(sample)), sample).toBe(true);
      expect(union.test(sample), sample).toBe(true);
    }
  });

  it('keeps each alternative once and drops literals that contain a kept one', () => {
    const u = unionOf([/consume|eachMessage|sqs-consumer/, /eachMessage|consumed|handled_?(messages?|events?)/, /handled/i]);
    expect(topLevelAlternatives(u.source).sort()).toEqual(['consume', 'eachMessage', 'handled'].sort());
    expect(u.flags).toBe('i');
    const total = triggers.reduce((n, t) => n + topLevelAlternatives(t.source).length, 0);
    expect(topLevelAlternatives(union.source).length).toBeLessThan(total);
  });

  it('reads the literal start of an alternative, stopping at anything optional or not literal', () => {
    expect(leadingLiteral('handled_?(messages?|events?)')).toBe('handled');
    expect(leadingLiteral('sendToQueue\\(')).toBe('sendToQueue(');
    expect(leadingLiteral('\\bnack\\(')).toBe('');
    expect(leadingLiteral('retr(y|ies)')).toBe('retr');
    expect(leadingLiteral('ab+c')).toBe('ab');
    expect(leadingLiteral('x{0,2}y')).toBe('');
  });

  it('refuses a pattern whose numbered backreference would shift', () => {
    expect(() => unionOf([/(a)\1/, /b/])).toThrow(/backreference/);
  });
});
