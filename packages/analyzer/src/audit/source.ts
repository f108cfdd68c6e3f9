import * as fs from 'node:fs';
import type { InputError } from '../types';

/**
 * Files larger than this are skipped with an input error unless configuration raises the limit
 * (`maxFileSize`). Hand-written sources are far smaller; files this big are bundles or generated
 * code, whose parse would dominate the run and whose findings nobody can act on.
 */
export const DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024;

/** How many leading bytes are scanned for NUL when deciding whether a file is binary (as git does). */
const BINARY_SNIFF_BYTES = 8000;

/** The text of a source file, or the reason it cannot be analysed. */
export type SourceRead = { ok: true; text: string } | { ok: false; error: InputError };

/** Human-readable byte size: `10.0 MB`, `512 KB`, `300 bytes`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

/**
 * Reads a source file for analysis without ever throwing: files that are not regular files
 * (a FIFO would block the run forever), unreadable, larger than `maxFileSize` or binary become an
 * input error naming the file and the problem.
 */
export function readSource(file: string, maxFileSize: number = DEFAULT_MAX_FILE_SIZE): SourceRead {
  const fail = (message: string): SourceRead => ({ ok: false, error: { file, message } });
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (e) {
    return fail(`cannot read: ${describeFsError(e)}; file skipped`);
  }
  if (!stat.isFile()) return fail(`cannot read: not a regular file (${kindOf(stat)}); file skipped`);
  if (stat.size > maxFileSize) {
    return fail(`file is ${formatBytes(stat.size)}, over the ${formatBytes(maxFileSize)} limit; file skipped (raise "maxFileSize" in eos.config.json or add the file to "ignore")`);
  }
  let buffer: Buffer;
  try {
    buffer = fs.readFileSync(file);
  } catch (e) {
    return fail(`cannot read: ${describeFsError(e)}; file skipped`);
  }
  // The size may have changed between stat and read (a file being written); judge what was read.
  if (buffer.length > maxFileSize) {
    return fail(`file is ${formatBytes(buffer.length)}, over the ${formatBytes(maxFileSize)} limit; file skipped (raise "maxFileSize" in eos.config.json or add the file to "ignore")`);
  }
  const utf16 = decodeUtf16(buffer);
  if (utf16 !== undefined) return typeof utf16 === 'string' ? { ok: true, text: utf16 } : fail(utf16.problem);
  if (buffer.subarray(0, BINARY_SNIFF_BYTES).includes(0)) {
    return fail('binary content (NUL bytes), not source code; file skipped');
  }
  let text = buffer.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { ok: true, text };
}

/**
 * The text of a file that begins with a UTF-16 byte-order mark (editors on Windows save "Unicode"
 * this way), without the mark; undefined for any other file. Its every other byte is NUL, which
 * would otherwise make it "binary". A UTF-32 mark, or a UTF-16 file cut mid-character, is named.
 */
function decodeUtf16(buffer: Buffer): string | { problem: string } | undefined {
  const [b0, b1, b2, b3] = buffer;
  if ((b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) || (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff)) {
    return { problem: 'UTF-32 text (byte-order mark), which eos does not read; save the file as UTF-8; file skipped' };
  }
  const littleEndian = b0 === 0xff && b1 === 0xfe;
  if (!littleEndian && !(b0 === 0xfe && b1 === 0xff)) return undefined;
  if (buffer.length % 2 !== 0) return { problem: `UTF-16 text (byte-order mark) with an odd number of bytes (${buffer.length}): cut short; file skipped` };
  const body = Buffer.from(buffer.subarray(2));
  if (!littleEndian) body.swap16();
  return body.toString('utf16le');
}

/** A one-line reason for a file system error: `permission denied (EACCES)`. */
export function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or directory (or a symbolic link to nothing)',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ELOOP: 'symbolic link loop',
    EISDIR: 'is a directory',
    ENOTDIR: 'a path component is not a directory',
    EMFILE: 'too many open files',
  };
  const reason = err?.code ? reasons[err.code] : undefined;
  if (reason) return `${reason} (${err.code})`;
  return err?.message ?? String(e);
}

function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a file';
}
