import { EosCommand } from '../../base-command';
import { scaffoldFlags } from '../../scaffold-ui/flags';
import { runScaffold, type ScaffoldFlags } from '../../scaffold-ui/run';

export default class ScaffoldSaga extends EosCommand {
  static override summary = 'Write a saga: an orchestrator with its state in your database, and participants that run each action and compensation once.';

  static override description = `The orchestrator keeps one row per saga; each step's command leaves through the transactional outbox and each reply arrives through the inbox, in the transaction of the transition it causes. A refused or late step starts the compensations of the steps before it, last first, each re-sent with backoff until it is answered; replicas never drive one saga at once (row locks); finished sagas are deleted after a retention period. Participants run each action and compensation at most once per saga, and a compensation that arrives before its action leaves a tombstone that turns the late action into a no-op. Also writes the migrations, entry points per broker, your step stubs and a node:test test.

Exit codes: 0 written (or planned with --dry-run); 1 an existing file differs and --force was not given (nothing written); 2 a missing or invalid answer.`;

  static override examples = [
    { description: 'Interactive', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'PostgreSQL and RabbitMQ, three steps, no questions',
      command: '<%= config.bin %> <%= command.id %> --store postgres --broker rabbitmq --name order_saga --steps reserveStock,chargePayment,ship --out src/saga --yes',
    },
    { description: 'See what would be written', command: '<%= config.bin %> <%= command.id %> --store sqlite --broker nats --out src/saga --dry-run' },
  ];

  static override flags = scaffoldFlags('saga');

  async run(): Promise<void> {
    const { flags } = await this.parse(ScaffoldSaga);
    process.exitCode = await runScaffold('saga', flags as ScaffoldFlags);
  }
}
