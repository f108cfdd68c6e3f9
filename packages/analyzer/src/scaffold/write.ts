import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
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

/** File-system operations, injectable so tests can make a write fail midway. */
export interface WriteFs {
  writeFileSync(file: string, data: string, options: { flag: string; mode?: number }): void;
  renameSync(from: string, to: string): void;
}

/**
 * Writes a plan as one set. Order: check conflicts (nothing touched), create directories, write
 * every file to a temp beside its target, then rename temps into place. If anything fails, temps
 * are removed, renamed files are restored (old content) or removed (new files), and directories
 * this run created are removed, so no partial set is left behind.
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
  try {
    for (const f of toWrite) mkdirs(path.dirname(f.absolutePath), createdDirs);
    for (const f of toWrite) {
      const temp = `${f.absolutePath}.eos-${randomBytes(6).toString('hex')}.tmp`;
      temps.set(f, temp);
      io.writeFileSync(temp, f.content, { flag: 'wx', mode: 0o644 });
    }
    for (const f of toWrite) {
      let backup: string | undefined;
      if (f.status === 'changed') {
        backup = `${f.absolutePath}.eos-backup-${randomBytes(6).toString('hex')}`;
        fs.copyFileSync(f.absolutePath, backup);
      }
      io.renameSync(temps.get(f)!, f.absolutePath);
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
  }
  for (const { backup } of done) if (backup) rmQuiet(backup);
  return { written: toWrite.map((f) => f.path), unchanged: plan.files.filter((f) => f.status === 'unchanged').map((f) => f.path) };
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
    fs.mkdirSync(d);
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
