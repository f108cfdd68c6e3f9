import { EosCommand } from '../../base-command';
import { scaffoldFlags } from '../../scaffold-ui/flags';
import { runScaffold, type ScaffoldFlags } from '../../scaffold-ui/run';

export default class ScaffoldSink extends EosCommand {
  static override summary = "Write a Kafka Connect JDBC sink (Confluent's or Debezium's) that upserts by key into PostgreSQL or MySQL.";

  static override description = `The sink delivers at least once; upserting by the record's key makes a replay leave the same table. Writes the connector config for the Connect REST API (insert.mode upsert, the key from the record key or value, a dead-letter topic, deletes on tombstones when asked), the table with that primary key, and a page saying exactly what is and is not exactly-once (KIP-618 is for source connectors).

Exit codes: 0 written (or planned with --dry-run); 1 an existing file differs and --force was not given (nothing written); 2 a missing or invalid answer.`;

  static override examples = [
    { description: 'Interactive', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: "Confluent's sink into PostgreSQL, keyed by id, deleting on tombstones",
      command: '<%= config.bin %> <%= command.id %> --connector confluent --store postgres --topic orders --table orders --key id --deletes --out connect --yes',
    },
    {
      description: "Debezium's sink into MySQL, a composite key read from the record value",
      command: '<%= config.bin %> <%= command.id %> --connector debezium --store mysql --topic shop.order-lines --table order_lines --key order_id,line_no --key-source record_value --out connect --yes',
    },
  ];

  static override flags = scaffoldFlags('sink');

  async run(): Promise<void> {
    const { flags } = await this.parse(ScaffoldSink);
    process.exitCode = await runScaffold('sink', flags as ScaffoldFlags);
  }
}
