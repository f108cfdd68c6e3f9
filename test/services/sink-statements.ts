/**
 * The SQL a Kafka Connect JDBC sink issues for a given connector config, rebuilt here as each
 * connector's dialect builds it, so the sink's writes can be replayed against a real database
 * without a Connect cluster. Sources (read, not copied):
 * - Confluent kafka-connect-jdbc, branch 10.9.x @ 7811d915695c471a9bae5851a914fd64197cf1a5:
 *   PostgreSqlDatabaseDialect.buildUpsertQueryStatement (line 452: `INSERT INTO t (cols) VALUES
 *   (?,...) ON CONFLICT (keys) DO UPDATE SET c=EXCLUDED.c`), MySqlDatabaseDialect.
 *   buildUpsertQueryStatement (line 171: `insert into t(cols) values(?,...) on duplicate key update
 *   c=values(c)`), GenericDatabaseDialect.buildInsertStatement (1695) and buildDeleteStatement
 *   (1750: `DELETE FROM t WHERE k = ? AND ...`); identifiers quoted (quote.sql.identifiers=always).
 * - Debezium debezium/debezium @ aad5519902997a3627fe296f77ea6d3452e9acce, debezium-connector-jdbc:
 *   PostgresDatabaseDialect.getUpsertStatement (line 110), MariaDbDatabaseDialect.getUpsertStatement
 *   (line 70: `... ON DUPLICATE KEY UPDATE c=VALUES(c)`), GeneralDatabaseDialect.getDeleteStatement
 *   (405: `DELETE FROM t WHERE k=?`); identifiers unquoted (quote.identifiers=false).
 */

export type Connector = 'confluent' | 'debezium';
export type Dialect = 'postgres' | 'mariadb';

/** What the statements depend on in a connector config. */
export interface SinkConfig {
  readonly connector: Connector;
  readonly table: string;
  readonly insertMode: 'insert' | 'upsert' | 'update';
  readonly keyColumns: readonly string[];
  readonly deleteEnabled: boolean;
}

/** Reads a generated `{ name, config }` file as the connector would. */
export function readSinkConfig(file: { config: Record<string, string> }): SinkConfig {
  const c = file.config;
  const connector: Connector = c['connector.class'] === 'io.confluent.connect.jdbc.JdbcSinkConnector' ? 'confluent' : 'debezium';
  const keys = connector === 'confluent' ? c['pk.fields'] : c['primary.key.fields'];
  return {
    connector,
    table: (connector === 'confluent' ? c['table.name.format'] : c['collection.name.format']) ?? '',
    insertMode: (c['insert.mode'] ?? 'insert') as SinkConfig['insertMode'],
    keyColumns: (keys ?? '').split(',').map((k) => k.trim()).filter(Boolean),
    deleteEnabled: c['delete.enabled'] === 'true',
  };
}

export interface SinkStatements {
  /** Writes one record (key columns first, then the value columns, as bound by the connector). */
  readonly write: string;
  /** Deletes the row of a tombstone, when delete.enabled. */
  readonly delete: string | undefined;
}

/** The write and delete statements with `?` placeholders, for the value columns given. */
export function sinkStatements(config: SinkConfig, dialect: Dialect, valueColumns: readonly string[]): SinkStatements {
  const quote = (name: string): string => {
    if (config.connector === 'debezium') return name;
    return dialect === 'postgres' ? `"${name}"` : `\`${name}\``;
  };
  const keys = config.keyColumns.map(quote);
  const values = valueColumns.map(quote);
  const all = [...keys, ...values];
  const table = quote(config.table);
  const marks = (n: number, sep: string): string => Array.from({ length: n }, () => '?').join(sep);
  const write = ((): string => {
    if (config.insertMode === 'insert') {
      return config.connector === 'confluent'
        ? `INSERT INTO ${table}${dialect === 'postgres' ? ' (' : '('}${all.join(',')}) VALUES${dialect === 'postgres' ? ' (' : '('}${marks(all.length, ',')})`
        : `INSERT INTO ${table} (${all.join(dialect === 'postgres' ? ',' : ', ')}) VALUES (${marks(all.length, dialect === 'postgres' ? ',' : ', ')})`;
    }
    if (config.insertMode !== 'upsert') throw new Error(`no statement for insert.mode ${config.insertMode} here`);
    if (dialect === 'postgres') {
      const update = values.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${values.map((c) => `${c}=EXCLUDED.${c}`).join(',')}`;
      return `INSERT INTO ${table} (${all.join(',')}) VALUES (${marks(all.length, ',')}) ON CONFLICT (${keys.join(',')}) ${update}`;
    }
    const updated = values.length === 0 ? keys : values;
    if (config.connector === 'confluent') {
      return `insert into ${table}(${all.join(',')}) values(${marks(all.length, ',')}) on duplicate key update ${updated.map((c) => `${c}=values(${c})`).join(',')}`;
    }
    return `INSERT INTO ${table} (${all.join(', ')}) VALUES (${marks(all.length, ', ')}) ON DUPLICATE KEY UPDATE ${updated.map((c) => `${c}=VALUES(${c})`).join(',')}`;
  })();
  const del = !config.deleteEnabled
    ? undefined
    : config.connector === 'confluent'
      ? `DELETE FROM ${table} WHERE ${keys.map((k) => `${k} = ?`).join(' AND ')}`
      : `DELETE FROM ${table} WHERE ${keys.map((k) => `${k}=?`).join(' AND ')}`;
  return { write, delete: del };
}

/** `?` placeholders as PostgreSQL's `$1, $2, ...` (node-postgres speaks the server's own syntax). */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
