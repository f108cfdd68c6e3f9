import { EosCommand } from '../../base-command';
import { scaffoldFlags } from '../../scaffold-ui/flags';
import { runScaffold, type ScaffoldFlags } from '../../scaffold-ui/run';

export default class ScaffoldPipeline extends EosCommand {
  static override summary = 'Write an outbox and the consumer of its events as one working pipeline, with an end-to-end test.';

  static override description = `Writes the outbox (into <out>/outbox) and a consumer wired to it (into <out>/consumer): the consumer declares what the outbox publishes to (the RabbitMQ exchange binding, the JetStream stream), deduplicates on the event id the relay sets, and with --ordered applies each aggregate's events in order. Also writes one end-to-end test that runs writer → relay → broker → consumer against your servers, SIGKILLs the relay and the consumer, and checks that every event took effect once.

Exit codes: 0 written (or planned with --dry-run); 1 an existing file differs and --force was not given (nothing written); 2 a missing or invalid answer.`;

  static override examples = [
    { description: 'Interactive', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'PostgreSQL and RabbitMQ, ordered per aggregate, no questions', command: '<%= config.bin %> <%= command.id %> --store postgres --broker rabbitmq --ordered --out src/orders --yes' },
    { description: 'See what would be written', command: '<%= config.bin %> <%= command.id %> --store sqlite --broker nats --out src/orders --dry-run' },
  ];

  static override flags = scaffoldFlags('pipeline');

  async run(): Promise<void> {
    const { flags } = await this.parse(ScaffoldPipeline);
    process.exitCode = await runScaffold('pipeline', flags as ScaffoldFlags);
  }
}
