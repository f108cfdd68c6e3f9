import { CONNECTOR_CLASS } from '../connect/config-file';
import { NO_SOURCE, settingOf, type ConnectReport, type ConnectRule } from '../connect/connect-rule';

/**
 * The two JDBC sink connectors eos scaffolds, with the keys each spells differently. Keys and
 * defaults from Confluent's JdbcSinkConfig docs and Debezium's JDBC connector docs: `insert.mode`
 * defaults to `insert` in both; the key mode is `pk.mode` (Confluent) or `primary.key.mode`
 * (Debezium), default `none` in both.
 */
const SINKS: Readonly<Record<string, { label: string; pkMode: string; pkFields: string; otherPkMode: string }>> = {
  'io.confluent.connect.jdbc.JdbcSinkConnector': { label: "Confluent's JDBC sink", pkMode: 'pk.mode', pkFields: 'pk.fields', otherPkMode: 'primary.key.mode' },
  'io.debezium.connector.jdbc.JdbcSinkConnector': { label: "Debezium's JDBC sink", pkMode: 'primary.key.mode', pkFields: 'primary.key.fields', otherPkMode: 'pk.mode' },
};

export const connectSinkNotIdempotent: ConnectRule = {
  meta: {
    id: 'connect-sink-not-idempotent',
    description: 'A Kafka Connect JDBC sink (Confluent\'s or Debezium\'s) writes with plain INSERTs, or upserts without a key taken from the record, so a record delivered again after a task restart or rebalance adds a second row.',
    defaultSeverity: 'error',
    fixable: 'none',
    requiresTypes: false,
    brokers: ['kafka'],
    consequence: 'effect-doubled',
  },
  messages: {
    insert:
      '{{sink}} writes with `insert.mode` {{mode}}: a sink task commits its offsets only now and then, after the writes, so after a task restart, a rebalance or a worker crash it receives the records since the last commit again and INSERTs each one a second time: a duplicate row, or, where the table has a primary key, a duplicate-key error that stops the task (effect doubled). Fix: set `insert.mode` to `upsert` with `{{pkMode}}` `record_key` (or `record_value` with `{{pkFields}}`), so the write is keyed by the record and a replay rewrites the same row (`eos scaffold sink`).',
    noKey:
      '{{sink}} upserts with `{{pkMode}}` {{mode}}: without key columns there is nothing to upsert on, and the connector fails to write (Confluent\'s sink: "Write to table in UPSERT mode requires key field names to be known"), so no record reaches the table until the config changes, and switching to `insert` to get it going doubles rows on every redelivery (effect doubled). Fix: `{{pkMode}}` `record_key` (or `record_value` with `{{pkFields}}`), the columns of the table\'s primary key.',
    otherKeyName:
      '{{sink}} does not read `{{other}}` (the other JDBC sink\'s name for it), so its `{{pkMode}}` stays `none` and this upsert has no key columns: the connector fails to write and no record reaches the table until the config changes, and switching to `insert` to get it going doubles rows on every redelivery (effect doubled). Fix: rename it to `{{pkMode}}` (and `{{pkFields}}` for the fields).',
    kafkaKey:
      '{{sink}} upserts keyed by the Kafka coordinates (`{{pkMode}}` `kafka`: topic, partition, offset). A redelivered record rewrites its own row, but the same event produced twice (a producer retry without idempotence, a re-publish, a replay into a new topic) sits at another offset and becomes a second row, and every update of one entity adds a row instead of replacing it (effect doubled). Fix: key the table by the record: `{{pkMode}}` `record_key` (or `record_value` with `{{pkFields}}`).',
  },
  triggers: NO_SOURCE,
  create: () => ({}),
  checkConfig(config) {
    const cls = config.entries.get(CONNECTOR_CLASS)!;
    const sink = SINKS[cls.value.trim()];
    if (!sink) return [];
    const out: ConnectReport[] = [];
    const modeEntry = config.entries.get('insert.mode');
    const mode = (settingOf(config, 'insert.mode') ?? 'insert').toLowerCase();
    const data = { sink: sink.label, pkMode: sink.pkMode, pkFields: sink.pkFields };
    if (mode === 'insert') {
      out.push(modeEntry
        ? { entry: modeEntry, messageId: 'insert', data: { ...data, mode: '`insert`' } }
        : { entry: cls, messageId: 'insert', data: { ...data, mode: '`insert` (its default, as the config does not set it)' } });
      return out;
    }
    if (mode !== 'upsert') return out; // update: sets rows to the record's values, a replay changes nothing
    const keyEntry = config.entries.get(sink.pkMode);
    const keyMode = (settingOf(config, sink.pkMode) ?? 'none').toLowerCase();
    const otherSpelling = config.entries.get(sink.otherPkMode);
    if (!keyEntry && otherSpelling) {
      // The other connector's spelling: this connector ignores it, so its key mode stays `none`.
      out.push({ entry: otherSpelling, atKey: true, messageId: 'otherKeyName', data: { ...data, other: sink.otherPkMode } });
    } else if (keyMode === 'none') {
      out.push({ entry: keyEntry ?? modeEntry!, messageId: 'noKey', data: { ...data, mode: keyEntry ? '`none`' : '`none` (its default, as the config does not set it)' } });
    } else if (keyMode === 'kafka') {
      out.push({ entry: keyEntry!, messageId: 'kafkaKey', data });
    }
    return out;
  },
};
