import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Temporary files eos writes beside a file it is about to create or replace: hidden, on the same
 * file system as the target (so the final rename or link is atomic), and named after the process
 * that writes them, so that a later run can tell one left by a killed process from one a running
 * eos is still writing.
 */
const TEMP_NAME = /^\.(.+)\.eos-(\d+)-[0-9a-f]{12}\.tmp$/;

/** A fresh temporary path beside `target`: `.<name>.eos-<pid>-<12 hex>.tmp`. */
export function tempPathFor(target: string): string {
  // Required here: the light entry (a cached `eos audit` rerun) must not load node:crypto.
  const { randomBytes } = require('node:crypto') as typeof import('node:crypto');
  return path.join(path.dirname(target), `.${path.basename(target)}.eos-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Removes the temporary files of `target` that an eos process left when it was killed mid-write:
 * only names `tempPathFor` makes for this target, only regular files this user owns, and only when
 * the process named in the file no longer runs. Best effort: returns what it removed.
 */
export function removeStaleTemps(target: string): string[] {
  const dir = path.dirname(target);
  const base = path.basename(target);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (!match || match[1] !== base || isRunning(Number(match[2]))) continue;
    const file = path.join(dir, name);
    try {
      const stat = fs.lstatSync(file);
      if (!stat.isFile() || (process.geteuid !== undefined && stat.uid !== process.geteuid())) continue;
      fs.unlinkSync(file);
      removed.push(file);
    } catch {
      // Gone already, or not ours to remove: leave it.
    }
  }
  return removed;
}

/** Whether a process with this id runs (one of another user counts: it cannot be signalled, but it is there). */
function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
