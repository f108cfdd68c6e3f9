import { EosCommand } from '../../base-command';
import { scaffoldFlags } from '../../scaffold-ui/flags';
import { runScaffold, type ScaffoldFlags } from '../../scaffold-ui/run';

export default class ScaffoldOutbox extends EosCommand {
  static override summary = 'Write a transactional outbox: table, writer in your transaction, relay and broker publisher.';

  static override description = `The event row commits in the same transaction as your business row; a relay publishes it afterwards (at-least-once, per-aggregate order, retries with backoff, dead-letter state) or, with --relay cdc, a Debezium outbox-router connector config does. Consumers deduplicate by the event id.

Exit codes: 0 written (or planned with --dry-run); 1 an existing file differs and --force was not given (nothing written); 2 a missing or invalid answer.`;

  static override examples = [
    { description: 'Interactive', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'PostgreSQL, no questions', command: '<%= config.bin %> <%= command.id %> --store postgres --broker kafka --out src/outbox --yes' },
    { description: 'See what would be written', command: '<%= config.bin %> <%= command.id %> --store mysql --broker rabbitmq --out src/outbox --dry-run' },
  ];

  static override flags = scaffoldFlags('outbox');

  async run(): Promise<void> {
    const { flags } = await this.parse(ScaffoldOutbox);
    process.exitCode = await runScaffold('outbox', flags as ScaffoldFlags);
  }
}
