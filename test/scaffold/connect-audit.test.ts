/**
 * The connector configs eos scaffolds pass its own audit: every `eos scaffold sink` combination
 * and the Debezium config of `eos scaffold outbox --relay cdc`, checked by `auditPaths` over the
 * generated tree as `eos audit` would walk it. Each is then broken the way a user might break it,
 * to prove the audit did read the generated file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditPaths } from '@eos/analyzer';
import { makeProject, scaffold } from './helpers';

const CONNECT_RULES = ['connect-sink-not-idempotent', 'outbox-router-mismatch'];

function audit(dir: string): ReturnType<typeof auditPaths> {
  return auditPaths([dir], { cwd: dir, gitignore: false });
}

/** Rewrites one config value of a REST-form connector file (or removes it with `undefined`). */
function edit(file: string, key: string, value: string | undefined): void {
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { config: Record<string, string> };
  if (value === undefined) delete json.config[key];
  else json.config[key] = value;
  fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}

describe('scaffolded sink connector configs', () => {
  for (const connector of ['confluent', 'debezium'] as const) {
    for (const store of ['postgres', 'mysql'] as const) {
      for (const keySource of ['record_key', 'record_value'] as const) {
        it(`${connector} × ${store} × ${keySource}: audits clean; with insert.mode insert it does not`, async () => {
          const dir = makeProject(`connect-audit-sink-${connector}-${store}-${keySource}`);
          const plan = await scaffold(dir, 'sink', { connector, store, topic: 'orders', table: 'orders', key: 'id', keySource, deletes: keySource === 'record_key', out: 'connect' });
          const config = plan.files.find((f) => f.path.endsWith('-sink-connector.json'))!.absolutePath;
          const clean = audit(dir);
          expect(clean.configs).toEqual([config]);
          expect(clean.findings.filter((f) => CONNECT_RULES.includes(f.ruleId))).toEqual([]);
          expect(clean.errors).toEqual([]);

          edit(config, 'insert.mode', 'insert');
          const broken = audit(dir).findings.filter((f) => CONNECT_RULES.includes(f.ruleId));
          const line = fs.readFileSync(config, 'utf8').split('\n').findIndex((l) => l.includes('"insert.mode"')) + 1;
          expect(broken.map((f) => `${path.basename(f.file)}:${f.line}:${f.ruleId}`)).toEqual([`orders-sink-connector.json:${line}:connect-sink-not-idempotent`]);
        });
      }
    }
  }
});

describe('scaffolded outbox CDC connector configs', () => {
  for (const store of ['postgres', 'mysql'] as const) {
    it(`${store}: audits clean; with Debezium's default event key it does not`, async () => {
      const dir = makeProject(`connect-audit-outbox-${store}`);
      const plan = await scaffold(dir, 'outbox', { store, broker: 'kafka', relay: 'cdc', out: 'outbox', language: 'ts', table: 'outbox' });
      const config = plan.files.find((f) => f.path.endsWith('-connector.json'))!.absolutePath;
      const clean = audit(dir);
      expect(clean.configs).toEqual([config]);
      expect(clean.findings.filter((f) => CONNECT_RULES.includes(f.ruleId))).toEqual([]);

      // Only the migration next to the config tells that this router reads an eos table now.
      edit(config, 'transforms.outbox.table.field.event.key', undefined);
      edit(config, 'transforms.outbox.table.fields.additional.placement', undefined);
      edit(config, 'transforms.outbox.route.by.field', undefined);
      const broken = audit(dir).findings.filter((f) => CONNECT_RULES.includes(f.ruleId));
      const typeLine = fs.readFileSync(config, 'utf8').split('\n').findIndex((l) => l.includes('"transforms.outbox.type"')) + 1;
      expect(broken.map((f) => `${f.line}:${f.ruleId}:${/column `(\w+)`/.exec(f.message)?.[1]}`)).toEqual([
        `${typeLine}:outbox-router-mismatch:aggregateid`,
        `${typeLine}:outbox-router-mismatch:aggregatetype`,
      ]);
    });
  }
});

describe('the outbox columns the rule knows', () => {
  it('are the columns of every outbox migration template', async () => {
    const { EOS_OUTBOX_COLUMNS } = await import('../../packages/analyzer/src/connect/outbox-table');
    const dir = path.resolve(__dirname, '../../templates/outbox/sql');
    for (const file of fs.readdirSync(dir)) {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      const body = /CREATE TABLE IF NOT EXISTS \{\{sqlIdent table\}\} \(([\s\S]*?)\n\)[^;]*;/.exec(text)?.[1] ?? '';
      const columns = body.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('--') && !/^(PRIMARY|UNIQUE|KEY|INDEX|CONSTRAINT)\b/.test(l)).map((l) => l.split(/\s+/)[0]);
      expect([...columns].sort(), file).toEqual([...EOS_OUTBOX_COLUMNS].sort());
    }
  });
});
