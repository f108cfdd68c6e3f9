import { Args } from '@oclif/core';
import { allRules, docPageOf, readRuleDoc, INVALID_SUPPRESSION, UNUSED_SUPPRESSION } from '@eos/analyzer';
import { colorEnabled } from '../ansi';
import { EosCommand } from '../base-command';
import { resolvePageLinks } from '../docs/references';
import { renderMarkdown } from '../docs/terminal-markdown';

export default class Explain extends EosCommand {
  static override summary = "Print a rule's documentation: what it finds, why it matters, broker by broker, and how to fix it.";

  static override description = `The documentation ships with eos, so this works offline. On a terminal the page is formatted; piped or redirected, it is printed as Markdown (e.g. \`eos explain dual-write > dual-write.md\`).

\`eos rules\` lists the rule ids. \`eos explain suppressions\` explains eos-ignore-next-line comments (and the unused-suppression and invalid-suppression findings).`;

  static override examples = [
    { description: 'Why acking before the work loses messages', command: '<%= config.bin %> <%= command.id %> ack-before-process' },
    { description: 'The page as Markdown', command: '<%= config.bin %> <%= command.id %> missing-dedup > missing-dedup.md' },
  ];

  static override args = {
    rule: Args.string({ description: 'A rule id (as `eos rules` lists them and findings name them), or `suppressions`.', required: true }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(Explain);
    const known = [...allRules.map((r) => r.meta.id), 'suppressions', UNUSED_SUPPRESSION, INVALID_SUPPRESSION];
    if (!known.includes(args.rule)) {
      this.fail(`unknown rule '${args.rule}' (known: ${known.join(', ')})`);
      return;
    }
    const markdown = readRuleDoc(docPageOf(args.rule));
    const text = process.stdout.isTTY ? renderMarkdown(resolvePageLinks(markdown), colorEnabled(process.stdout)) : markdown;
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }
}
