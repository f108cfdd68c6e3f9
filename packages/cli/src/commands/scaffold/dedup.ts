import { EosCommand } from '../../base-command';
import { scaffoldFlags } from '../../scaffold-ui/flags';
import { runScaffold, type ScaffoldFlags } from '../../scaffold-ui/run';

export default class ScaffoldDedup extends EosCommand {
  static override summary = 'Write processOnce(consumer, messageId, work): a dedup record committed with the work, plus retention.';

  static override description = `SQL stores (postgres, mysql, sqlite) insert the dedup row in the same transaction as your work, so a redelivered message is skipped and a failed one leaves no trace. Redis claims atomically (SET NX PX) and marks done after the work, a weaker guarantee stated in the generated code. Also writes the migration, a retention job and a node:test test.

Exit codes: 0 written (or planned with --dry-run); 1 an existing file differs and --force was not given (nothing written); 2 a missing or invalid answer.`;

  static override examples = [
    { description: 'Interactive', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'PostgreSQL, no questions', command: '<%= config.bin %> <%= command.id %> --store postgres --out src/eos --yes' },
    { description: 'See what would be written', command: '<%= config.bin %> <%= command.id %> --store sqlite --out src/eos --dry-run' },
  ];

  static override flags = scaffoldFlags('dedup');

  async run(): Promise<void> {
    const { flags } = await this.parse(ScaffoldDedup);
    process.exitCode = await runScaffold('dedup', flags as ScaffoldFlags);
  }
}
