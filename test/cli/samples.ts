/**
 * Sample inputs for the end-to-end suites, taken from the analyzer's own annotated fixtures so the
 * suites exercise whatever rules are registered (and keep doing so as rules are added).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Analyzer, allRules, type Finding } from '@eos/analyzer';
import { ROOT } from './helpers';

export const FIXTURES = path.join(ROOT, 'packages/analyzer/test/fixtures');

/** Fixture source files (not `.fixed.`), sorted, recursively. */
export function fixtureFiles(dir = FIXTURES): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...fixtureFiles(full));
    else if (/\.[cm]?[jt]sx?$/.test(entry.name) && !/\.fixed\.\w+$/.test(entry.name) && !/\.d\.ts$/.test(entry.name)) out.push(full);
  }
  return out.sort();
}

export interface Sample {
  /** The fixture file the sample came from. */
  source: string;
  text: string;
  /** Findings of the registered rules when the file is analysed on its own. */
  findings: Finding[];
}

/**
 * The first fixture that, analysed on its own (no neighbours to import), yields findings of the
 * registered rules without suppression problems. Throws when none does: then the suites cannot
 * test anything real, which must not pass silently.
 */
export function sampleWithFindings(accept: (f: Finding[]) => boolean = () => true): Sample {
  for (const source of fixtureFiles()) {
    const text = fs.readFileSync(source, 'utf8');
    if (/from '\.\.?\//.test(text) || /require\('\.\.?\//.test(text)) continue;
    const isolated = path.join('/virtual', path.basename(source));
    const findings = new Analyzer({ rules: allRules }).analyzeText(isolated, text).findings;
    if (findings.length > 0 && findings.every((f) => f.file === isolated) && !findings.some((f) => f.ruleId.endsWith('-suppression')) && accept(findings)) {
      return { source, text, findings };
    }
  }
  throw new Error(`no analyzer fixture yields findings of the registered rules (${allRules.map((r) => r.meta.id).join(', ') || 'none registered'})`);
}

/**
 * A consumer that acks before its work, with exactly one safe fix: `--fix` moves the ack (and the
 * comment above it) below the save. Its comment holds non-ASCII text a fix must keep byte for byte.
 */
export const FIXABLE_CONSUMER = `import amqp from 'amqplib';

export async function start(url: string): Promise<void> {
  const channel = await (await amqp.connect(url)).createChannel();
  await channel.consume('orders', async (msg) => {
    if (!msg) return;
    // Ack first: a crash before the save loses the order (é, ü: kept byte for byte).
    channel.ack(msg);
    await save(msg.content);
  });
}

declare function save(body: Buffer): Promise<void>;
`;

/** FIXABLE_CONSUMER after `--fix`. */
export const FIXED_CONSUMER = FIXABLE_CONSUMER.replace(
  '    // Ack first: a crash before the save loses the order (é, ü: kept byte for byte).\n    channel.ack(msg);\n    await save(msg.content);\n',
  '    await save(msg.content);\n    // Ack first: a crash before the save loses the order (é, ü: kept byte for byte).\n    channel.ack(msg);\n',
);
