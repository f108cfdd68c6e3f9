import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeFsError, holdInterrupts, removeStaleTemps, tempPathFor } from '@eos/analyzer/dist/light';
import { firstInvalidUtf8 } from './utf8';

/*
 * How `eos audit --fix` writes: never lose a byte or a permission the user had.
 *
 * The fixed text goes to a temporary file beside the original, which gets the original's owner,
 * group and exact mode (no umask cut), and is renamed over it: a crash leaves the old file or the
 * new one, never half of one. A rename makes a new file, so it is done only when the new file can
 * be what the old one was; otherwise the file is named with the reason and left alone:
 * - it has other hard links (they would keep the old code),
 * - it is read-only, or this user may not write it,
 * - this user could not give the new file the old one's owner or group (only root can chown),
 * - it changed after eos read it (checked again, bytes and metadata, just before the rename),
 * - it is not valid UTF-8 (the text eos edits could not be written back byte for byte).
 * A UTF-8 byte-order mark is kept, and every byte outside the edits is the original's.
 */

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** With the `u` flag, a surrogate matches only when it is not half of a pair. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** A file as read for fixing: its exact bytes, and the metadata a faithful replacement keeps. */
export interface FixSnapshot {
  /** Where the bytes live: symbolic links resolved, so that a link stays a link. */
  real: string;
  bytes: Buffer;
  /** What the analyzer sees and the fixes edit: the bytes decoded, without a byte-order mark. */
  text: string;
  bom: boolean;
  stat: fs.BigIntStats;
}

export type FixRead = { ok: true; snapshot: FixSnapshot } | { ok: false; reason: string };

/** A reason not to write a file, for the user as is (the file is left as it was). */
export class FixRefused extends Error {
  override name = 'FixRefused';
}

/** File-system steps the tests interpose on (a signal or a concurrent edit at the worst moment). */
export interface ReplaceFs {
  renameSync(from: string, to: string): void;
}

/** Reads a file to fix: its bytes and stat from one open file, refusing what cannot be written back unchanged. */
export function readForFix(file: string): FixRead {
  let real: string;
  let fd: number | undefined;
  let bytes: Buffer;
  let stat: fs.BigIntStats;
  try {
    real = fs.realpathSync(file);
    fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    stat = fs.fstatSync(fd, { bigint: true });
    if (!stat.isFile()) return { ok: false, reason: 'not a regular file' };
    bytes = fs.readFileSync(fd);
  } catch (e) {
    return { ok: false, reason: `cannot read: ${describeFsError(e)}` };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  const invalid = firstInvalidUtf8(bytes);
  if (invalid >= 0) {
    const line = bytes.subarray(0, invalid).filter((b) => b === 0x0a).length + 1;
    return {
      ok: false,
      reason: `not valid UTF-8 (byte 0x${bytes[invalid].toString(16).padStart(2, '0')} at line ${line}); eos edits UTF-8 text and would change bytes it did not mean to (save the file as UTF-8 first)`,
    };
  }
  const bom = bytes.subarray(0, 3).equals(BOM);
  return { ok: true, snapshot: { real, bytes, text: bytes.subarray(bom ? 3 : 0).toString('utf8'), bom, stat } };
}

/**
 * Why a file reached through a symbolic link should not be fixed: its real path is outside every
 * audited path (`roots`, real paths), so it belongs to another project or to no project at all.
 * A path named on the command line is its own root: naming the link is asking for its target.
 */
export function outsideRefusal(snapshot: FixSnapshot, roots: readonly string[]): string | undefined {
  const inside = roots.some((root) => {
    const rel = path.relative(root, snapshot.real);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  });
  if (inside) return undefined;
  return `its real path ${snapshot.real} is outside the audited paths (reached through a symbolic link); to fix it, audit its own folder: eos audit --fix ${path.dirname(snapshot.real)}`;
}

/** Why a replacement could not keep what the file is (links, permissions, owner, group), or undefined. */
export function metadataRefusal(snapshot: FixSnapshot): string | undefined {
  const { stat, real } = snapshot;
  const mode = Number(stat.mode) & 0o7777;
  const euid = process.geteuid?.();
  if (stat.nlink > 1n) return `the file has ${stat.nlink} hard links, and replacing it would split them (the other names would keep the old code)`;
  if ((mode & 0o222) === 0) return `the file is read-only (mode ${octal(mode)})`;
  if (euid === undefined || euid === 0) return undefined;
  if (Number(stat.uid) !== euid) return `the file belongs to user ${stat.uid}, and a replaced file would belong to you (run eos as its owner)`;
  const gid = Number(stat.gid);
  if (gid !== process.getegid?.() && !(process.getgroups?.() ?? []).includes(gid)) {
    return `the file's group ${gid} is not one of yours, and a replaced file would be in yours (run eos as a member of that group)`;
  }
  try {
    fs.accessSync(real, fs.constants.W_OK);
  } catch {
    return `you may not write the file (mode ${octal(mode)})`;
  }
  return undefined;
}

/**
 * Replaces the file with `text` (plus its byte-order mark, if it had one), keeping its owner, group
 * and mode, after checking that it is still what `snapshot` read. Throws FixRefused with the reason
 * when the file cannot be replaced faithfully, or the file-system error; either way the file is
 * untouched and no temporary file remains. SIGINT/SIGTERM wait until the replacement is done.
 */
export function writeFixed(snapshot: FixSnapshot, text: string, io: ReplaceFs = fs): void {
  const hold = holdInterrupts();
  try {
    const { real, stat } = snapshot;
    // Temporary files of an eos killed while fixing this file (SIGKILL cannot be held).
    removeStaleTemps(real);
    const refusal = metadataRefusal(snapshot);
    if (refusal) throw new FixRefused(refusal);
    // A lone surrogate (an edit that split a character) has no UTF-8 form: encoding would write U+FFFD.
    if (LONE_SURROGATE.test(text)) throw new FixRefused('the fixed text would split a character (a lone UTF-16 surrogate); this is a bug in the fix, please report it');
    const bytes = Buffer.concat([snapshot.bom ? BOM : Buffer.alloc(0), Buffer.from(text, 'utf8')]);
    const temp = tempPathFor(real);
    try {
      const fd = fs.openSync(temp, 'wx', 0o600);
      try {
        fs.writeSync(fd, bytes);
        fs.fsyncSync(fd);
        const made = fs.fstatSync(fd);
        if (made.uid !== Number(stat.uid) || made.gid !== Number(stat.gid)) fs.fchownSync(fd, Number(stat.uid), Number(stat.gid));
        // After the chown, which clears set-user-ID and set-group-ID bits; the umask does not apply here.
        fs.fchmodSync(fd, Number(stat.mode) & 0o7777);
      } finally {
        fs.closeSync(fd);
      }
      const change = changeSince(snapshot);
      if (change) throw new FixRefused(`the file changed since eos read it (${change}); run eos again`);
      io.renameSync(temp, real);
    } catch (e) {
      fs.rmSync(temp, { force: true });
      throw e;
    }
  } finally {
    void hold.release();
  }
}

/** What differs between the file now and the snapshot (content or metadata), or undefined. */
function changeSince(snapshot: FixSnapshot): string | undefined {
  let now: fs.BigIntStats;
  try {
    now = fs.lstatSync(snapshot.real, { bigint: true });
  } catch (e) {
    return describeFsError(e);
  }
  const then = snapshot.stat;
  for (const key of ['dev', 'ino', 'mode', 'nlink', 'uid', 'gid', 'size', 'mtimeNs', 'ctimeNs'] as const) {
    if (now[key] !== then[key]) return key === 'mtimeNs' || key === 'ctimeNs' || key === 'size' ? 'modified' : `its ${key} changed`;
  }
  // Same size and times can still hide an edit within the timestamps' resolution.
  return fs.readFileSync(snapshot.real).equals(snapshot.bytes) ? undefined : 'modified';
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}
