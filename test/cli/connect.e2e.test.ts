/**
 * `eos audit` over Kafka Connect connector configs, end to end through the built binary: findings
 * carry the config file's line and column in every output format, other JSON files are passed
 * over, a broken connector file is an input error naming it, and `eos explain` knows the rules.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { auditJson, ensureBuilt, eos, tree } from './helpers';

beforeAll(async () => {
  await ensureBuilt();
});

const SINK = `{
  "name": "orders-jdbc-sink",
  "config": {
    "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
    "topics": "orders",
    "insert.mode": "insert"
  }
}
`;
// Line 6, column 20: the value "insert" (with its quotes) of insert.mode.
const AT = { line: 6, column: 20, endLine: 6, endColumn: 28 };

const PROPERTIES = 'name=orders\nconnector.class=io.debezium.connector.jdbc.JdbcSinkConnector\ninsert.mode=upsert\n';

function project(): string {
  return tree({
    'connect/orders-sink.json': SINK,
    'connect/orders.properties': PROPERTIES,
    // Not connector configs: never reported, never errors, whatever they hold.
    'package.json': '{ "name": "shop", "version": "1.0.0" }\n',
    'tsconfig.json': '{ /* comments are fine here */ "compilerOptions": {} }\n',
    'data/broken.json': '{ not json at all',
    'data/prices.properties': 'eur=1\nusd=1.1\n',
    'src/a.ts': 'export const a = 1;\n',
  });
}

describe('connector configs in eos audit', () => {
  it('JSON: the finding is at the setting, and nothing else is reported', async () => {
    const { report, status } = await auditJson([], project());
    expect(status).toBe(1);
    expect(report.errors ?? []).toEqual([]);
    expect(report.findings.map((f) => [f.file, f.ruleId, f.line, f.column, f.endLine, f.endColumn])).toEqual([
      ['connect/orders-sink.json', 'connect-sink-not-idempotent', AT.line, AT.column, AT.endLine, AT.endColumn],
      ['connect/orders.properties', 'connect-sink-not-idempotent', 3, 13, 3, 19],
    ]);
    expect(report.findings[0].message).toMatch(/INSERTs each one a second time.*effect doubled.*Fix: set `insert.mode` to `upsert`/);
    expect(report.findings[1].message).toMatch(/Debezium's JDBC sink upserts with `primary.key.mode` `none`/);
  });

  it('stylish shows the line, column and the config line itself', async () => {
    const r = await eos(['audit', 'connect/orders-sink.json'], project());
    expect(r.stdout).toContain('connect/orders-sink.json');
    expect(r.stdout).toMatch(new RegExp(`${AT.line}:${AT.column}\\s+error\\s+Confluent's JDBC sink`));
    expect(r.stdout).toContain('"insert.mode": "insert"');
  });

  it('GitHub annotations carry the position', async () => {
    const r = await eos(['audit', '--format', 'github', 'connect/orders-sink.json'], project());
    expect(r.stdout).toContain(`::error file=connect/orders-sink.json,line=${AT.line},col=${AT.column},endLine=${AT.endLine},endColumn=${AT.endColumn},title=eos connect-sink-not-idempotent::`);
  });

  it('SARIF has the region and the rule in the driver', async () => {
    const r = await eos(['audit', '--format', 'sarif', 'connect/orders-sink.json'], project());
    const sarif = JSON.parse(r.stdout) as { runs: Array<{ results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: Record<string, number> } }> }>; tool: { driver: { rules: Array<{ id: string }> } } }> };
    const [result] = sarif.runs[0].results;
    expect(result.ruleId).toBe('connect-sink-not-idempotent');
    expect(result.locations[0].physicalLocation.artifactLocation.uri).toBe('connect/orders-sink.json');
    expect(result.locations[0].physicalLocation.region).toMatchObject({ startLine: AT.line, startColumn: AT.column, endLine: AT.endLine, endColumn: AT.endColumn });
    expect(sarif.runs[0].tool.driver.rules.map((x) => x.id)).toEqual(expect.arrayContaining(['connect-sink-not-idempotent', 'outbox-router-mismatch']));
  });

  it('a connector file that does not parse is an input error naming it and the place; the rest is still audited', async () => {
    const dir = tree({ 'connect/bad.json': '{\n  "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",\n  "insert.mode": "insert",\n}\n', 'connect/orders-sink.json': SINK });
    const { report, status } = await auditJson([], dir);
    expect(status).toBe(1);
    expect(report.errors).toEqual([{ file: 'connect/bad.json', message: expect.stringMatching(/not valid JSON \(expected a property name in double quotes at line 4, column 1\)/) as string }]);
    expect(report.findings.map((f) => f.file)).toEqual(['connect/orders-sink.json']);
  });

  it('a configured severity applies, and off turns the rule off', async () => {
    const dir = tree({ 'connect/orders-sink.json': SINK, 'eos.config.json': JSON.stringify({ rules: { 'connect-sink-not-idempotent': 'off' } }) });
    const { report, status } = await auditJson([], dir);
    expect(report.findings).toEqual([]);
    expect(status).toBe(0);
  });

  it('eos explain prints the rule docs', async () => {
    for (const id of ['connect-sink-not-idempotent', 'outbox-router-mismatch']) {
      const r = await eos(['explain', id], tree({}));
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(id);
      expect(r.stdout).toMatch(/Debezium/);
    }
  });
});
