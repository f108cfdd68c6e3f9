/**
 * `eos audit --format sarif` validated against the official OASIS SARIF 2.1.0 schema
 * (schemas/sarif-schema-2.1.0.json, see schemas/README.md for its source).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { allRules } from '@eos/analyzer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, eos, tree } from './helpers';
import { sampleWithFindings, type Sample } from './samples';

/**
 * The schema is written in draft-04, which ajv 8 does not load as such. Its only draft-04-specific
 * keyword is `id` (draft-06+ `$id`); it uses no boolean exclusiveMinimum/Maximum. So renaming `id`
 * and dropping `$schema` gives the same constraints under ajv's default draft.
 * The three formats it uses are checked by real parsers rather than ignored.
 */
function sarifValidator() {
  const schema = JSON.parse(fs.readFileSync(path.join(__dirname, 'schemas/sarif-schema-2.1.0.json'), 'utf8')) as Record<string, unknown>;
  schema.$id = schema.id;
  delete schema.id;
  delete schema.$schema;
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat('uri', (s: string) => {
    try {
      return new URL(s).protocol.length > 1;
    } catch {
      return false;
    }
  });
  ajv.addFormat('uri-reference', (s: string) => {
    try {
      new URL(s, 'file:///base/');
      return !/\s/.test(s);
    } catch {
      return false;
    }
  });
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d{2}-\d{2}T/.test(s));
  return ajv.compile(schema);
}

let sample: Sample;
let fixable: Sample;
const made: string[] = [];
beforeAll(async () => {
  await ensureBuilt();
  sample = sampleWithFindings();
  fixable = sampleWithFindings((fs) => fs.some((f) => f.fix !== undefined));
});
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

const sarifOf = async (files: Record<string, string | Buffer>) => {
  const dir = tree(files);
  made.push(dir);
  const r = await eos(['audit', '--format', 'sarif'], dir);
  return { ...r, dir, log: JSON.parse(r.stdout) };
};

describe('sarif format', () => {
  const validate = sarifValidator();

  it('the validator rejects what the schema forbids (so a pass means something)', () => {
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: {} } }] })).toBe(false);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'fatal' }] }] })).toBe(false);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x', informationUri: 'not a uri' } } }] })).toBe(false);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [] }] })).toBe(true);
  });

  it('is valid SARIF 2.1.0 with rule metadata, regions, fixes and input errors', async () => {
    const { log, status } = await sarifOf({
      [`src/${path.basename(sample.source)}`]: sample.text,
      [`src/fix/${path.basename(fixable.source)}`]: fixable.text,
      'src/my file.ts': 'export const spaces = "in the name";\n',
      'src/binary.ts': Buffer.from([0, 1, 2]),
    });
    const valid = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(status).toBe(1);

    const run = log.runs[0];
    expect(run.tool.driver.name).toBe('eos');
    const ids = run.tool.driver.rules.map((r: { id: string }) => r.id);
    for (const rule of allRules) expect(ids).toContain(rule.meta.id);
    for (const d of run.tool.driver.rules) {
      // Each rule carries its doc page shipped with eos; no web address while the docs are unpublished.
      const title = d.id.endsWith('-suppression') ? 'Suppressions: `unused-suppression`, `invalid-suppression`' : d.id;
      expect(d.help.markdown.startsWith(`# ${title}\n`)).toBe(true);
      expect(d.help.text.startsWith(`${title}\n`)).toBe(true);
      expect(d.help.markdown).not.toMatch(/\]\([a-z0-9-]+\.md\)/);
      expect(d.helpUri).toBeUndefined();
      expect(d.shortDescription.text.length).toBeGreaterThan(0);
      expect(['error', 'warning', 'note']).toContain(d.defaultConfiguration.level);
    }

    const results = run.results as Array<{ ruleId: string; ruleIndex: number; level: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region: { startLine: number } } }>; fixes?: unknown[] }>;
    expect(results.length).toBe(sample.findings.length + fixable.findings.length);
    for (const r of results) expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
    const first = results.find((r) => r.locations[0].physicalLocation.artifactLocation.uri === `src/${path.basename(sample.source)}`);
    expect(first?.locations[0].physicalLocation.artifactLocation.uriBaseId).toBe('%SRCROOT%');
    expect(first?.locations[0].physicalLocation.region.startLine).toBe(sample.findings[0].line);
    expect(results.some((r) => (r.fixes?.length ?? 0) > 0)).toBe(true);

    const notes = run.invocations[0].toolExecutionNotifications;
    expect(notes).toHaveLength(1);
    expect(notes[0].locations[0].physicalLocation.artifactLocation.uri).toBe('src/binary.ts');
  });

  it('--output writes the log to a file (creating folders) and keeps stdout empty', async () => {
    const dir = tree({ [`src/${path.basename(sample.source)}`]: sample.text });
    made.push(dir);
    const r = await eos(['audit', '--format', 'sarif', '--output', 'reports/eos.sarif'], dir);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(sample.findings.some((f) => f.severity !== 'info') ? 1 : 0);
    expect(validate(JSON.parse(fs.readFileSync(path.join(dir, 'reports/eos.sarif'), 'utf8')))).toBe(true);
  });

  it('is valid when there is nothing to report', async () => {
    const { log, status } = await sarifOf({ 'a.ts': 'export const a = 1;\n' });
    expect(validate(log)).toBe(true);
    expect(log.runs[0].results).toEqual([]);
    expect(status).toBe(0);
  });
});
