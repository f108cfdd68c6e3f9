import { Command, Errors } from '@oclif/core';

/** Exit codes of every eos command. */
export const EXIT = { ok: 0, findings: 1, error: 2 } as const;

/**
 * Base of eos commands: any failure that escapes a command (bad flags, broken configuration, a
 * bug) becomes one line on stderr and exit code 2, never a stack trace or exit code 1, which CI
 * would read as "findings".
 */
export abstract class EosCommand extends Command {
  /** Reports a usage/configuration problem and sets exit code 2. */
  protected fail(reason: string): void {
    process.stderr.write(`eos: ${reason}\n`);
    process.exitCode = EXIT.error;
  }

  override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<void> {
    if (err instanceof Errors.ExitError) throw err;
    const firstLine = (err.message ?? String(err)).split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
    const isUsage = err instanceof Errors.CLIError;
    const reason = isUsage ? `${firstLine.trim()} (see \`eos ${this.id ?? ''} --help\`)` : `internal error: ${firstLine.trim()}`;
    this.fail(reason.replace(/\s+\(see `eos\s+--help`\)$/, ' (see `eos --help`)'));
    if (process.env.EOS_DEBUG) process.stderr.write(`${err.stack ?? ''}\n`);
  }
}
