/** Constant folding of durations and the redelivery horizons read from broker settings. */
import { describe, expect, it } from 'vitest';
import { ts } from 'ts-morph';
import { FileFacts } from '../src/facts/file-facts';
import { DurationFolder, formatMs, parseMsString } from '../src/facts/durations';
import { redeliveryHorizonsOf } from '../src/facts/redelivery-horizon';
import { parseSource } from '../src/engine/parse';

function factsOf(code: string): FileFacts {
  const sf = parseSource('/virtual/file.ts', code);
  const facts = new FileFacts(sf);
  const visit = (n: ts.Node): void => {
    facts.observe(n);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return facts;
}

/** Folds the initializer of the last `const probe = …` in `code`. */
function fold(code: string): number | undefined {
  const facts = factsOf(code);
  const probe = facts.sourceFile.statements
    .filter(ts.isVariableStatement)
    .flatMap((s) => s.declarationList.declarations)
    .filter((d) => d.name.getText() === 'probe')
    .pop();
  return new DurationFolder(facts).number(probe?.initializer)?.value;
}

describe('DurationFolder', () => {
  it.each([
    ['const probe = 60 * 1000;', 60_000],
    ['const probe = 7 * 24 * 3600;', 604_800],
    ['const probe = 1_800_000 / 2 + 1;', 900_001],
    ["const probe = '30';", 30],
    ['const HOUR = 3600; const probe = 2 * HOUR;', 7200],
    ['const CONFIG = { dedup: { ttlSeconds: 90 } }; const probe = CONFIG.dedup.ttlSeconds;', 90],
    ["const CONFIG = { 'ttl-ms': 5000 }; const probe = CONFIG['ttl-ms'];", 5000],
    ['enum Ttl { Short = 10 } const probe = Ttl.Short;', 10],
    ["import { nanos } from 'nats'; const probe = nanos(30_000);", 30_000 * 1e6],
    ["import ms from 'ms'; const probe = ms('2h');", 7_200_000],
    ['const probe = Number(45);', 45],
  ])('%s → %d', (code, want) => {
    expect(fold(code)).toBe(want);
  });

  it.each([
    'const probe = Number(process.env.TTL);',
    'const probe = Number(process.env.TTL) || 60;',
    'const probe = ttlFromConfig();',
    "const probe = 'soon';",
    'let x = 1; const probe = x * y;',
    'let base = 10; base = 20; const probe = base;',
  ])('stays unknown for %s', (code) => {
    expect(fold(code)).toBeUndefined();
  });

  it('does not loop on self-referencing constants', () => {
    expect(fold('const a = b; const b = a; const probe = a;')).toBeUndefined();
  });
});

describe('parseMsString / formatMs', () => {
  it('reads ms-style strings', () => {
    expect(parseMsString('90s')).toBe(90_000);
    expect(parseMsString('2 hours')).toBe(7_200_000);
    expect(parseMsString('1d')).toBe(86_400_000);
    expect(parseMsString('250')).toBe(250);
    expect(parseMsString('fortnight')).toBeUndefined();
  });
  it('formats durations for messages', () => {
    expect(formatMs(90_000)).toBe('1.5 min');
    expect(formatMs(7_200_000)).toBe('2 h');
    expect(formatMs(300)).toBe('300 ms');
  });
});

describe('redeliveryHorizonsOf', () => {
  const horizons = (code: string) => redeliveryHorizonsOf(factsOf(code)).map((h) => ({ broker: h.broker, ms: h.ms }));

  it('multiplies the SQS visibility timeout by maxReceiveCount from a redrive policy string', () => {
    expect(horizons(`
      import { CreateQueueCommand } from '@aws-sdk/client-sqs';
      new CreateQueueCommand({ QueueName: 'q', Attributes: { VisibilityTimeout: '60', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn', maxReceiveCount: '5' }) } });
    `)).toEqual([{ broker: 'sqs', ms: 300_000 }]);
  });

  it('uses the visibility timeout alone when no receive count is visible', () => {
    expect(horizons(`const c = Consumer.create({ queueUrl: 'u', visibilityTimeout: 45, handleMessage: async () => {} });`)).toEqual([{ broker: 'sqs', ms: 45_000 }]);
  });

  it('reads JetStream ack_wait (nanoseconds) × max_deliver, and the backoff schedule when given', () => {
    expect(horizons(`import { nanos } from 'nats'; jsm.consumers.add('S', { ack_wait: nanos(30_000), max_deliver: 4 });`)).toEqual([{ broker: 'nats', ms: 120_000 }]);
    expect(horizons(`import { nanos } from 'nats'; jsm.consumers.add('S', { ack_wait: nanos(30_000), max_deliver: 4, backoff: [nanos(1000), nanos(10_000)] });`))
      .toEqual([{ broker: 'nats', ms: 1000 + 10_000 + 10_000 }]);
  });

  it('sums BullMQ fixed and exponential backoff over the retries', () => {
    expect(horizons(`queue.add('j', d, { attempts: 4, backoff: { type: 'exponential', delay: 1000 } });`)).toEqual([{ broker: 'bullmq', ms: 7000 }]);
    expect(horizons(`queue.add('j', d, { attempts: 4, backoff: 1000 });`)).toEqual([{ broker: 'bullmq', ms: 3000 }]);
  });

  it('uses Pub/Sub dead-letter attempts, then retention, then the 7-day default of a created subscription', () => {
    const head = "import { PubSub } from '@google-cloud/pubsub';";
    expect(horizons(`${head} topic.createSubscription('s', { ackDeadlineSeconds: 60, deadLetterPolicy: { deadLetterTopic: 't', maxDeliveryAttempts: 5 } });`))
      .toEqual([{ broker: 'pubsub', ms: 300_000 }]);
    expect(horizons(`${head} topic.createSubscription('s', { messageRetentionDuration: { seconds: 3600 } });`)).toEqual([{ broker: 'pubsub', ms: 3_600_000 }]);
    expect(horizons(`${head} topic.createSubscription('s');`)).toEqual([{ broker: 'pubsub', ms: 7 * 86_400_000 }]);
  });

  it('sums a retry schedule array, in seconds when its name says so', () => {
    expect(horizons('const RETRY_DELAYS_MS = [1000, 2000];')).toEqual([{ broker: undefined, ms: 3000 }]);
    expect(horizons('const RETRY_BACKOFF_SECONDS = [10, 20];')).toEqual([{ broker: undefined, ms: 30_000 }]);
  });

  it('finds nothing when the settings are not constants', () => {
    expect(horizons('Consumer.create({ visibilityTimeout: Number(process.env.VT) });')).toEqual([]);
  });
});
