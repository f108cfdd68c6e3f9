import { EosCommand } from '../../base-command';
import { scaffoldFlags } from '../../scaffold-ui/flags';
import { runScaffold, type ScaffoldFlags } from '../../scaffold-ui/run';

export default class ScaffoldConsumer extends EosCommand {
  static override summary = 'Write an idempotent consumer for kafka, sqs, rabbitmq, pubsub or nats, wired to a dedup store.';

  static override description = `Acknowledges only after the work committed, deduplicates by a documented message id (event id header/attribute, else the broker's own id), bounds retries (dead-letter instead of an infinite requeue) and keeps long work alive (visibility extension, working(), lease extension). Writes the consumer, your handler stub, the dedup store with its migration, and a node:test test of duplicate, concurrent and failed deliveries.

Exit codes: 0 written (or planned with --dry-run); 1 an existing file differs and --force was not given (nothing written); 2 a missing or invalid answer.`;

  static override examples = [
    { description: 'Interactive', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'RabbitMQ into PostgreSQL, no questions', command: '<%= config.bin %> <%= command.id %> --broker rabbitmq --store postgres --queue orders --out src/consumers --yes' },
    { description: 'See what would be written', command: '<%= config.bin %> <%= command.id %> --broker nats --store sqlite --out src/consumers --dry-run' },
  ];

  static override flags = scaffoldFlags('consumer');

  async run(): Promise<void> {
    const { flags } = await this.parse(ScaffoldConsumer);
    process.exitCode = await runScaffold('consumer', flags as ScaffoldFlags);
  }
}
