import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { holdInterrupts } from '../write/interrupts';
import { removeStaleTemps, tempPathFor } from '../write/temp-files';
import { ScaffoldError } from './errors';
import type { PlannedFile, ScaffoldPlan } from './plan';

export interface WriteOptions {
  /** Overwrite files whose content differs. Without it such files stop the run before any write. */
  force?: boolean;
}

export interface WriteResult {
  written: string[];
  unchanged: string[];
}

/** File-system operations, injectable so tests can make a write fail (or be interrupted) midway. */
export interface WriteFs {
  writeFileSync(file: string, data: string, options: { flag: string; mode?: number }): void;
  renameSync(from: string, to: string): void;
  /** Places a new file: fails with EEXIST rather than replace one that appeared meanwhile. */
  linkSync(existing: string, newPath: string): void;
}

/** Errors of a file system that has no hard links, where a new file is claimed by an exclusive copy instead. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/**
 * Writes a plan as one set. Order: check conflicts (nothing touched), remove temporary files a
 * killed scaffold left for these targets, create directories, write every file to a temp beside
 * its target, then put temps into place: a new file by a hard link, which fails if the name was
 * taken meanwhile (another scaffold into the same folder: a conflict, never a silent
 * replacement), an existing one (with `force`) by a rename. If anything fails, temps are removed,
 * replaced files are restored (old content) or removed (new files), and directories this run
 * created are removed, so no partial set is left behind. SIGINT and SIGTERM wait until the set is
 * written or rolled back.
 */
export function writePlan(plan: ScaffoldPlan, options: WriteOptions = {}, io: WriteFs = fs): WriteResult {
  const conflicts = plan.files.filter((f) => f.status === 'changed');
  if (conflicts.length > 0 && !options.force) {
    throw new ScaffoldError(
      `refusing to overwrite ${conflicts.length} existing file(s) (use --force to overwrite, --dry-run to see the diff):\n  ${conflicts
        .map((f) => f.path)
        .join('\n  ')}`,
      'conflict',
    );
  }
  const toWrite = plan.files.filter((f) => f.status !== 'unchanged');
  const createdDirs: string[] = [];
  const temps = new Map<PlannedFile, string>();
  const done: Array<{ file: PlannedFile; backup?: string }> = [];
  const hold = holdInterrupts();
  try {
    for (const f of toWrite) removeStaleTemps(f.absolutePath);
    for (const f of toWrite) mkdirs(path.dirname(f.absolutePath), createdDirs);
    for (const f of toWrite) {
      const temp = tempPathFor(f.absolutePath);
      temps.set(f, temp);
      io.writeFileSync(temp, f.content, { flag: 'wx', mode: 0o644 });
    }
    for (const f of toWrite) {
      let backup: string | undefined;
      const temp = temps.get(f)!;
      if (f.status === 'changed') {
        backup = `${f.absolutePath}.eos-backup-${randomBytes(6).toString('hex')}`;
        fs.copyFileSync(f.absolutePath, backup);
        io.renameSync(temp, f.absolutePath);
      } else {
        claimNew(temp, f, io);
        rmQuiet(temp);
      }
      temps.delete(f);
      done.push({ file: f, backup });
    }
  } catch (err) {
    for (const temp of temps.values()) rmQuiet(temp);
    for (const { file, backup } of done.reverse()) {
      if (backup) restoreQuiet(backup, file.absolutePath);
      else rmQuiet(file.absolutePath);
    }
    for (const dir of createdDirs.reverse()) rmdirQuiet(dir);
    if (err instanceof ScaffoldError) throw err;
    throw new ScaffoldError(`writing failed, nothing was changed: ${(err as Error).message}`, 'write');
  } finally {
    void hold.release();
  }
  for (const { backup } of done) if (backup) rmQuiet(backup);
  return { written: toWrite.map((f) => f.path), unchanged: plan.files.filter((f) => f.status === 'unchanged').map((f) => f.path) };
}

/**
 * Gives a planned new file its name only if the name is still free: a hard link to the complete
 * temp (atomic, and EEXIST when taken), or on a file system without hard links an exclusive copy.
 */
function claimNew(temp: string, file: PlannedFile, io: WriteFs): void {
  try {
    try {
      io.linkSync(temp, file.absolutePath);
    } catch (err) {
      if (!NO_HARD_LINKS.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
      try {
        fs.copyFileSync(temp, file.absolutePath, fs.constants.COPYFILE_EXCL);
      } catch (copyErr) {
        // A copy cut short (a full disk) is ours to remove; a name taken by someone else is not.
        if ((copyErr as NodeJS.ErrnoException).code !== 'EEXIST') rmQuiet(file.absolutePath);
        throw copyErr;
      }
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    throw new ScaffoldError(`${file.path} appeared while eos was writing (another scaffold at the same time?); nothing was changed`, 'conflict');
  }
}

/** Creates a directory and its missing parents, recording each one in `created` as it goes (outermost first). */
function mkdirs(dir: string, created: string[]): void {
  const missing: string[] = [];
  let probe = dir;
  while (!fs.existsSync(probe)) {
    missing.unshift(probe);
    probe = path.dirname(probe);
  }
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
    } catch (err) {
      // Made meanwhile by someone else (another scaffold): not ours to remove on rollback.
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    created.push(d);
  }
}

function restoreQuiet(backup: string, file: string): void {
  try {
    fs.renameSync(backup, file);
  } catch {
    // Leave the backup beside the file rather than hide the original error; its name says what it is.
  }
}

function rmQuiet(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // Best effort during rollback; the original error is what the user needs to see.
  }
}

function rmdirQuiet(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // Not empty or already gone: leave it.
  }
}
