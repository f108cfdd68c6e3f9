import { allVariables, loadTemplates, type VariableSpec } from '@eos/analyzer';
import { colorEnabled, palette } from '../../ansi';
import { EosCommand } from '../../base-command';

export default class ScaffoldList extends EosCommand {
  static override summary = 'List the scaffold templates and their options.';

  static override examples = [{ description: 'Show templates and flags', command: '<%= config.bin %> <%= command.id %>' }];

  async run(): Promise<void> {
    await this.parse(ScaffoldList);
    const p = palette(colorEnabled(process.stdout));
    const lines: string[] = [];
    for (const template of loadTemplates()) {
      lines.push(`${p.bold(`eos scaffold ${template.name}`)}  ${template.description}`);
      for (const v of allVariables(template)) lines.push(`  ${`--${v.flag} ${valueOf(v)}`.padEnd(58)} ${p.dim(defaultOf(v))}`);
      lines.push('');
    }
    lines.push('Every command also takes --yes (accept defaults), --dry-run (print, write nothing) and --force (overwrite).');
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}

function valueOf(v: VariableSpec): string {
  if (v.type === 'choice') return (v.choices ?? []).join('|');
  if (v.type === 'path') return 'DIR';
  if (v.type === 'outbox') return 'DIR|none';
  if (v.type === 'boolean') return '';
  if (v.type === 'integer') return 'N';
  return v.list ? 'NAME,NAME...' : 'NAME';
}

function defaultOf(v: VariableSpec): string {
  const parts: string[] = [];
  if (v.required) parts.push('required');
  if (v.detect) parts.push(`detected (${v.detect})`);
  if (v.default !== undefined) parts.push(`default ${String(v.default)}`);
  return parts.join(', ');
}
