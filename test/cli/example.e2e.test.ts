/**
 * The README quick start: `npx eos audit examples/orders-service` from the repository root finds
 * the sample service's bugs and leaves its correct code clean.
 */
import * as path from 'node:path';
import { allRules } from '@eos/analyzer';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditJson, ensureBuilt, eos, ROOT } from './helpers';

const SRC = 'examples/orders-service/src';
/** The bugs planted in the sample, by file (see examples/orders-service/README.md). */
const PLANTED: Array<[file: string, ruleId: string]> = [
  ['consumers/payment-consumer.ts', 'ack-before-process'],
  ['consumers/shipment-consumer.ts', 'ack-before-process'],
  ['consumers/refund-consumer.ts', 'missing-dedup'],
  ['api/create-order.ts', 'dual-write'],
];
const CLEAN = ['consumers/inventory-consumer.ts', 'outbox/create-order-outbox.ts', 'consumers/order-status-consumer.ts', 'lib/db.ts'];
const registered = (id: string) => allRules.some((r) => r.meta.id === id);

describe('quick start: eos audit examples/orders-service', () => {
  let report: Awaited<ReturnType<typeof auditJson>>;
  beforeAll(async () => {
    await ensureBuilt();
    report = await auditJson(['examples/orders-service'], ROOT);
  });

  it.each(PLANTED)('finds the planted bug in %s (%s)', (file, ruleId) => {
    if (!registered(ruleId)) throw new Error(`rule ${ruleId} is not registered`);
    expect(report.report.findings.filter((f) => f.file === `${SRC}/${file}` && f.ruleId === ruleId)).not.toEqual([]);
  });

  it.each(CLEAN)('leaves the correct code in %s clean', (file) => {
    expect(report.report.findings.filter((f) => f.file === `${SRC}/${file}`)).toEqual([]);
  });

  it('exits 1, reads every file, and prints findings with code frames in the default format', async () => {
    expect(report.status).toBe(1);
    expect(report.report.errors).toEqual([]);
    expect(report.report.stats.files).toBe(8);
    const stylish = await eos(['audit', 'examples/orders-service'], ROOT);
    expect(stylish.stdout).toContain(`${SRC}/consumers/payment-consumer.ts`);
    expect(stylish.stdout).toMatch(/> +\d+ \| +channel\.ack\(msg\);/);
  });

  it('--fix --dry-run shows the safe fix of the ack-first consumer and writes nothing', async () => {
    const r = await eos(['audit', '--fix', '--dry-run', path.join(SRC, 'consumers/payment-consumer.ts')], ROOT);
    expect(r.stdout).toContain(`--- a/${SRC}/consumers/payment-consumer.ts`);
    expect(r.stdout).toMatch(/^-\s+channel\.ack\(msg\);$/m);
    expect(r.stdout).toMatch(/^\+\s+channel\.ack\(msg\);$/m);
  });
});
