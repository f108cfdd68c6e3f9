/** Progress appears only when a run takes longer than this. */
export const PROGRESS_AFTER_MS = 1000;

/**
 * "eos: analysed 120/900 files" on stderr, rewritten in place; only on a terminal (a log or a
 * pipe gets no control characters) and only once the run has lasted PROGRESS_AFTER_MS, so quick
 * runs print nothing.
 */
export class Progress {
  private readonly started: number;
  private shown = false;

  constructor(
    private readonly stream: Pick<NodeJS.WriteStream, 'isTTY' | 'write'> = process.stderr,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  update(done: number, total: number): void {
    if (this.stream.isTTY !== true || this.now() - this.started < PROGRESS_AFTER_MS) return;
    this.shown = true;
    this.stream.write(`\r\u001b[2Keos: analysed ${done}/${total} files`);
  }

  /** Erases the progress line, if one was shown. */
  clear(): void {
    if (this.shown) this.stream.write('\r\u001b[2K');
  }
}
