import { Flags } from '@oclif/core';
import { allRules, ConfigError, docsUrlOf, loadConfig, type SeverityOrOff } from '@eos/analyzer';
import { colorEnabled, palette } from '../ansi';
import { EosCommand } from '../base-command';
import { docsReference, explainCommand } from '../docs/references';

export default class Rules extends EosCommand {
  static override summary = 'List the rules eos checks, with their severity, fixes, brokers and docs.';

  static override description = `Shows every rule with its id, the severity it runs at (after eos.config.json or package.json#eos), whether --fix or --fix-unsafe can fix it, the brokers it knows, what it finds and where its documentation is (eos explain <id> prints it).`;

  static override examples = [
    { description: 'List the rules', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'The same as JSON, for tools', command: '<%= config.bin %> <%= command.id %> --json' },
  ];

  static override flags = {
    json: Flags.boolean({ description: 'Print the rules as a JSON array.' }),
    config: Flags.string({ char: 'c', description: 'Use this configuration file instead of searching for one.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Rules);
    let settings: Record<string, { severity: SeverityOrOff }> = {};
    try {
      settings = loadConfig(process.cwd(), allRules, flags.config).config.rules;
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      this.fail(`invalid configuration: ${e.message}`);
      return;
    }
    const rows = allRules.map((r) => {
      const docsUrl = docsUrlOf(r.meta.id);
      return {
        id: r.meta.id,
        severity: settings[r.meta.id]?.severity ?? r.meta.defaultSeverity,
        defaultSeverity: r.meta.defaultSeverity,
        fixable: r.meta.fixable,
        requiresTypes: r.meta.requiresTypes,
        brokers: r.meta.brokers,
        consequence: r.meta.consequence,
        description: r.meta.description,
        explain: explainCommand(r.meta.id),
        // Only when the docs are published (homepage of @eos/analyzer); never a placeholder.
        ...(docsUrl ? { docsUrl } : {}),
      };
    });
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    if (rows.length === 0) {
      process.stdout.write('No rules are registered.\n');
      return;
    }
    const c = palette(colorEnabled(process.stdout));
    const lines: string[] = [];
    for (const r of rows) {
      const fix = r.fixable === 'none' ? 'no fix' : `fix: ${r.fixable} (${r.fixable === 'safe' ? '--fix' : '--fix-unsafe'})`;
      lines.push(`${c.bold(r.id)}  ${r.severity}${r.severity !== r.defaultSeverity ? c.dim(` (default ${r.defaultSeverity})`) : ''}  ${fix}  ${c.dim(r.brokers.length > 0 ? r.brokers.join(', ') : 'all brokers')}`);
      lines.push(`  ${r.description}`);
      lines.push(`  ${c.dim(`docs: ${docsReference(r.id)}`)}`);
      lines.push('');
    }
    process.stdout.write(lines.join('\n'));
  }
}
