/**
 * `eos scaffold sink`: every connector × store × key source × deletes combination writes a
 * connector config that validates against the connector's documented keys and types (the JSON
 * Schemas in sink-schemas/, written from Confluent's and Debezium's docs and sources), the table
 * with that primary key, and the page on exactly-once. The schemas are strict enough to catch the
 * usual mistakes: the other connector's key names, a source-only setting, a mistyped class.
 * The writes themselves are replayed against real databases in test/services/sink-upsert.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { ScaffoldError } from '@eos/analyzer';
import { makeProject, scaffold } from './helpers';

const SCHEMAS = path.join(__dirname, 'sink-schemas');
type Connector = 'confluent' | 'debezium';

let validate: Record<Connector, ValidateFunction>;

beforeAll(() => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const load = (file: string): ValidateFunction => ajv.compile(JSON.parse(fs.readFileSync(path.join(SCHEMAS, file), 'utf8')) as object);
  validate = { confluent: load('confluent-jdbc-sink.schema.json'), debezium: load('debezium-jdbc-sink.schema.json') };
});

const errorsOf = (connector: Connector, config: unknown): string[] => {
  const check = validate[connector];
  return check(config) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
};

interface Written {
  config: { name: string; config: Record<string, string> };
  ddl: string;
  readme: string;
}

async function write(given: Record<string, unknown>): Promise<Written> {
  const dir = makeProject(`sink-${Object.values(given).join('-').replace(/[^a-z0-9-]/gi, '_')}`);
  const plan = await scaffold(dir, 'sink', { out: 'connect', ...given });
  const read = (suffix: string): string => {
    const file = plan.files.find((f) => f.path.endsWith(suffix));
    if (!file) throw new Error(`no ${suffix} in ${plan.files.map((f) => f.path).join(', ')}`);
    return fs.readFileSync(file.absolutePath, 'utf8');
  };
  return { config: JSON.parse(read('-sink-connector.json')) as Written['config'], ddl: read('.sql'), readme: read('-sink.md') };
}

describe('generated connector configs', () => {
  for (const connector of ['confluent', 'debezium'] as const) {
    for (const store of ['postgres', 'mysql'] as const) {
      for (const [keySource, deletes] of [['record_key', true], ['record_key', false], ['record_value', false]] as const) {
        it(`${connector} × ${store}, key from ${keySource}${deletes ? ', deletes' : ''}: valid, upsert by the key`, async () => {
          const { config, ddl } = await write({ connector, store, topic: 'shop.orders', table: 'orders', key: 'tenant_id,id', keySource, deletes });
          expect(errorsOf(connector, config)).toEqual([]);
          const c = config.config;
          expect(c['insert.mode']).toBe('upsert');
          expect(c[connector === 'confluent' ? 'pk.mode' : 'primary.key.mode']).toBe(keySource);
          expect(c[connector === 'confluent' ? 'pk.fields' : 'primary.key.fields']).toBe('tenant_id,id');
          expect(c['delete.enabled']).toBe(String(deletes));
          expect(c['errors.deadletterqueue.topic.name']).toBe('shop.orders-dlq');
          expect(c['connection.url']).toMatch(store === 'postgres' ? /^jdbc:postgresql:/ : /^jdbc:mysql:/);
          const q = store === 'postgres' ? '"' : '`';
          expect(ddl).toContain(`CREATE TABLE IF NOT EXISTS ${q}orders${q}`);
          expect(ddl).toContain(`PRIMARY KEY (${q}tenant_id${q}, ${q}id${q})`);
          // Each connector's keys are its own: the other schema refuses them.
          expect(errorsOf(connector === 'confluent' ? 'debezium' : 'confluent', config).length).toBeGreaterThan(0);
        });
      }
    }
  }

  it('says what is and is not exactly-once, per connector', async () => {
    const confluent = await write({ connector: 'confluent', store: 'mysql', topic: 'orders', table: 'orders', key: 'id', deletes: true });
    expect(confluent.readme).toContain('KIP-618 is not for sinks');
    expect(confluent.readme).toContain('ON DUPLICATE KEY UPDATE` fires on any unique index');
    expect(confluent.readme).toContain('`max.retries` times');
    expect(confluent.readme).toContain('`delete.retention.ms`');
    const debezium = await write({ connector: 'debezium', store: 'postgres', topic: 'orders', table: 'orders', key: 'id' });
    expect(debezium.readme).toContain('stops the task');
    expect(debezium.readme).not.toContain('any unique index');
    expect(debezium.readme).toContain('are not applied: `delete.enabled` is `false`');
  });

  it('refuses deletes with the key in the record value, naming the flags', async () => {
    const err = await write({ connector: 'confluent', store: 'postgres', topic: 'orders', key: 'id', keySource: 'record_value', deletes: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ScaffoldError);
    expect((err as ScaffoldError).exitCode).toBe(2);
    expect((err as ScaffoldError).message).toContain('--deletes needs --key-source record_key');
  });

  it('refuses a topic that Kafka would refuse', async () => {
    await expect(write({ connector: 'confluent', store: 'postgres', topic: 'orders/eu', key: 'id' })).rejects.toThrow(/--topic "orders\/eu": .*Kafka topic name/);
  });
});

describe('the schemas catch what articles get wrong', () => {
  const base = (connector: Connector): Record<string, string> =>
    connector === 'confluent'
      ? { 'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector', 'connection.url': 'jdbc:postgresql://db/app', topics: 'orders', 'insert.mode': 'upsert', 'pk.mode': 'record_value', 'pk.fields': 'id' }
      : { 'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector', 'connection.url': 'jdbc:postgresql://db/app', topics: 'orders', 'insert.mode': 'upsert', 'primary.key.mode': 'record_value', 'primary.key.fields': 'id' };

  it("the founding article's sink: a mistyped transform class and a source-only exactly-once setting", () => {
    const article = { name: 'x', config: { ...base('confluent'), transforms: 'insertIdempotenceKey', 'transforms.insertIdempotenceKey.type': 'org.apache.kafka.connect.transformes.ValueToKey', 'transforms.insertIdempotenceKey.fields': 'id', 'exactly.once.support': 'required' } };
    const errors = errorsOf('confluent', article).join('\n');
    expect(errors).toContain('transforms.insertIdempotenceKey.type');
    expect(errors).toContain('exactly.once.support');
    const corrected = { name: 'x', config: { ...article.config, 'transforms.insertIdempotenceKey.type': 'org.apache.kafka.connect.transforms.ValueToKey' } };
    delete (corrected.config as Record<string, string>)['exactly.once.support'];
    expect(errorsOf('confluent', corrected)).toEqual([]);
  });

  it('deletes need the key from the record key (Confluent); upsert needs a key (both)', () => {
    expect(errorsOf('confluent', { name: 'x', config: { ...base('confluent'), 'delete.enabled': 'true' } }).join('\n')).toContain('pk.mode');
    expect(errorsOf('confluent', { name: 'x', config: { ...base('confluent'), 'pk.mode': 'none' } }).join('\n')).toContain('pk.mode');
    const withoutKey = { ...base('debezium') };
    delete withoutKey['primary.key.mode'];
    expect(errorsOf('debezium', { name: 'x', config: withoutKey }).join('\n')).toContain('primary.key.mode');
  });

  it('values are strings of the documented type', () => {
    expect(errorsOf('confluent', { name: 'x', config: { ...base('confluent'), 'batch.size': 'many' } }).join('\n')).toContain('batch.size');
    expect(errorsOf('confluent', { name: 'x', config: { ...base('confluent'), 'insert.mode': 'merge' } }).join('\n')).toContain('insert.mode');
    expect(errorsOf('debezium', { name: 'x', config: { ...base('debezium'), 'schema.evolution': 'auto' } }).join('\n')).toContain('schema.evolution');
    expect(errorsOf('debezium', { name: 'x', config: { ...base('debezium'), 'delete.enabled': 'yes' } }).join('\n')).toContain('delete.enabled');
  });
});
