import { scaffold, ScaffoldError, type ScaffoldPlan } from '@eos/analyzer';
import { colorEnabled, palette, type Palette } from '../ansi';
import { inquirerAsk, inquirerConfirm } from './prompts';

/** Parsed flags of a scaffold command (variable flags plus the common ones). */
export type ScaffoldFlags = Record<string, unknown> & { yes?: boolean; 'dry-run'?: boolean; force?: boolean };

/** Output streams, injectable for tests. */
export interface ScaffoldIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Whether prompts can be shown (stdin and stdout are terminals). */
  interactive: boolean;
  /** Asks whether to write the plan just shown (tests inject their own answer). */
  confirmWrite?: (question: string) => Promise<boolean>;
}

const defaultIo = (): ScaffoldIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
});

/**
 * Runs one scaffold: answers (flags > prompts > detected defaults), plan, then print (--dry-run)
 * or write as one atomic set. In a terminal without --yes the plan (files, next steps) is shown
 * first and written only once the user says so. Returns the exit code: 0 done (or declined),
 * 1 existing files block the write, 2 usage or template error. Never hangs without a terminal: a
 * missing required answer fails at once, naming its flag.
 */
export async function runScaffold(templateName: string, flags: ScaffoldFlags, io: ScaffoldIo = defaultIo()): Promise<number> {
  const err = palette(colorEnabled(io.stderr));
  try {
    const out = palette(colorEnabled(io.stdout));
    const asking = io.interactive && flags.yes !== true;
    const confirmWrite = io.confirmWrite ?? inquirerConfirm;
    const result = await scaffold({
      template: templateName,
      cwd: process.cwd(),
      flags,
      yes: flags.yes === true,
      ask: asking ? inquirerAsk() : undefined,
      dryRun: flags['dry-run'] === true,
      force: flags.force === true,
      confirm: asking
        ? async (plan, steps) => {
            io.stdout.write(`\n${out.bold(`eos scaffold ${templateName}`)} will write:\n`);
            printFiles(plan, io.stdout, out);
            printNextSteps(steps, io.stdout, out);
            const changed = plan.files.filter((f) => f.status === 'changed').length;
            const question = `Write ${plan.files.filter((f) => f.status !== 'unchanged').length} file(s)${changed > 0 ? ` (${changed} replacing yours, --force given)` : ''}?`;
            return confirmWrite(question);
          }
        : undefined,
    });
    const { plan } = result;
    if (result.declined) {
      io.stdout.write('Nothing written.\n');
      return 0;
    }
    if (!result.written) {
      printDryRun(plan, result.nextSteps, io.stdout, out);
      return 0;
    }
    const written = result.written;
    io.stdout.write(`${out.bold(`eos scaffold ${templateName}`)}: wrote ${written.written.length} file(s)${written.unchanged.length > 0 ? `, ${written.unchanged.length} already up to date` : ''}\n`);
    printFiles(plan, io.stdout, out);
    printNextSteps(result.nextSteps, io.stdout, out);
    return 0;
  } catch (e) {
    if (e instanceof ScaffoldError) {
      io.stderr.write(`${err.red('eos:')} ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof Error && e.name === 'ExitPromptError') {
      io.stderr.write('eos: cancelled; nothing was written\n');
      return 2;
    }
    throw e;
  }
}

function statusLabel(status: string, p: Palette): string {
  const padded = status.padEnd(9);
  return status === 'new' ? p.blue(padded) : status === 'changed' ? p.yellow(padded) : p.dim(padded);
}

function printFiles(plan: ScaffoldPlan, stream: NodeJS.WriteStream, p: Palette): void {
  for (const f of plan.files) stream.write(`  ${statusLabel(f.status, p)} ${f.path}\n`);
}

function printDryRun(plan: ScaffoldPlan, steps: readonly string[], stream: NodeJS.WriteStream, p: Palette): void {
  stream.write(`${p.bold(`eos scaffold ${plan.template} --dry-run`)}: nothing is written\n`);
  printFiles(plan, stream, p);
  for (const f of plan.files) {
    if (f.status === 'unchanged') continue;
    stream.write(`\n${p.bold(`── ${f.path} (${f.status}) ──`)}\n`);
    stream.write(f.status === 'changed' ? (f.diff ?? '') : f.content.endsWith('\n') ? f.content : `${f.content}\n`);
  }
  printNextSteps(steps, stream, p);
}

function printNextSteps(steps: readonly string[], stream: NodeJS.WriteStream, p: Palette): void {
  if (steps.length === 0) return;
  stream.write(`\n${p.bold('Next steps')}\n`);
  steps.forEach((s, i) => stream.write(`  ${i + 1}. ${s}\n`));
}
