/** The kafkajs idempotence suggestion of publish-without-dedup-id: offered, never applied by --fix, and well-formed. */
import { describe, expect, it } from 'vitest';
import { Analyzer, allRules, applyEdits } from '@eos/analyzer';

function suggest(source: string): string[] {
  const analyzer = new Analyzer({ rules: allRules.filter((r) => r.meta.id === 'publish-without-dedup-id') });
  const findings = analyzer.analyzeText('/virtual/producer.ts', source).findings.filter((f) => f.ruleId === 'publish-without-dedup-id');
  return findings.flatMap((f) => {
    expect(f.fix).toBeUndefined();
    return (f.suggestions ?? []).map((s) => {
      expect(s.safety).toBe('unsafe');
      return applyEdits(source, s.edits);
    });
  });
}

const HEAD = "import { Kafka } from 'kafkajs';\nconst kafka = new Kafka({ brokers: ['b:9092'] });\n";

describe('publish-without-dedup-id kafkajs suggestion', () => {
  it('adds the options object when there is none', () => {
    expect(suggest(`${HEAD}export const p = kafka.producer();\n`)).toEqual([
      `${HEAD}export const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });\n`,
    ]);
  });

  it('appends to existing options and keeps an explicit maxInFlightRequests', () => {
    expect(suggest(`${HEAD}export const p = kafka.producer({ allowAutoTopicCreation: false });\n`)).toEqual([
      `${HEAD}export const p = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });\n`,
    ]);
    expect(suggest(`${HEAD}export const p = kafka.producer({ maxInFlightRequests: 1 });\n`)).toEqual([
      `${HEAD}export const p = kafka.producer({ maxInFlightRequests: 1, idempotent: true });\n`,
    ]);
  });

  it('reports nothing for idempotent, transactional or externally built options', () => {
    expect(suggest(`${HEAD}export const p = kafka.producer({ idempotent: true });\n`)).toEqual([]);
    expect(suggest(`${HEAD}export const p = kafka.producer({ transactionalId: 'tx' });\n`)).toEqual([]);
    expect(suggest(`${HEAD}const opts = loadOptions();\nexport const p = kafka.producer(opts);\n`)).toEqual([]);
  });
});
