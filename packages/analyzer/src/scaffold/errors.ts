/**
 * Errors of the scaffold engine. Each carries the exit code a CLI should use, so front ends map
 * them without string matching: 2 = usage / input error (bad answer, bad path, bad template),
 * 1 = refused to overwrite existing files.
 */
export type ScaffoldErrorKind = 'usage' | 'template' | 'conflict' | 'write';

export class ScaffoldError extends Error {
  constructor(
    message: string,
    readonly kind: ScaffoldErrorKind,
  ) {
    super(message);
    this.name = 'ScaffoldError';
  }

  /** Exit code for a CLI: 1 when existing files blocked the run, 2 otherwise. */
  get exitCode(): 1 | 2 {
    return this.kind === 'conflict' ? 1 : 2;
  }
}

/** A required answer is missing and cannot be asked (no TTY, no --yes default). */
export class MissingAnswerError extends ScaffoldError {
  constructor(
    readonly variable: string,
    readonly flag: string,
    readonly choices?: readonly string[],
  ) {
    super(
      `missing required answer: pass --${flag}${choices ? ` (${choices.join('|')})` : ''}; no terminal to ask on`,
      'usage',
    );
    this.name = 'MissingAnswerError';
  }
}
