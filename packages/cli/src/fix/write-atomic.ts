import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Replaces a file's content atomically: the text goes to a temporary file in the same folder
 * (same file system, so the rename is atomic), keeps the original's mode, and is renamed over
 * the original. A crash leaves either the old or the new file, never half of one. A symbolic
 * link is resolved first, so the link stays a link.
 */
export function writeFileAtomic(file: string, text: string): void {
  const target = fs.realpathSync(file);
  const mode = fs.statSync(target).mode & 0o7777;
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.eos-${process.pid}-${Date.now()}.tmp`);
  try {
    fs.writeFileSync(temp, text, { mode });
    fs.renameSync(temp, target);
  } catch (e) {
    fs.rmSync(temp, { force: true });
    throw e;
  }
}
