/**
 * Properties of the `--fix` writer (issue 12, items 10–12): whatever the bytes of a file and the
 * edits of a fix, the file on disk afterwards is the original outside the edits, byte for byte
 * (byte-order mark, line endings, astral characters), with its mode, and nothing else is left in
 * the folder; bytes that are not UTF-8 are refused, never rewritten.
 */
import { isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEdits, type TextEdit } from '@eos/analyzer';
import { firstInvalidUtf8 } from '../../packages/cli/src/fix/utf8';
import { FixRefused, readForFix, writeFixed } from '../../packages/cli/src/fix/write-atomic';
import { anyText, fuzz, sourceText } from './fuzz';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-fuzz-writer-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Non-overlapping edits over a text of `length` UTF-16 units, in any order. */
const editsOver = (length: number): fc.Arbitrary<TextEdit[]> =>
  fc
    .array(fc.tuple(fc.nat({ max: length }), fc.nat({ max: length }), anyText(20)), { maxLength: 4 })
    .map((raw) => {
      const edits: TextEdit[] = [];
      for (const [a, b, text] of raw) {
        const [start, end] = a <= b ? [a, b] : [b, a];
        if (edits.every((e) => end <= e.start || start >= e.end) && !(start === end && edits.some((e) => e.start === start))) edits.push({ start, end, text });
      }
      return edits;
    });

/** A file's text, byte-order mark and mode, and a fix's edits over that text. */
const fileCase = fc
  .record({ text: sourceText(), bom: fc.boolean(), mode: fc.constantFrom(0o600, 0o644, 0o664, 0o640, 0o755, 0o700, 0o604) })
  .chain((c) => editsOver(c.text.length).map((edits) => ({ ...c, edits })));

let counter = 0;

/** Whether UTF-16 offset `i` falls between the two halves of a surrogate pair. */
function splitsPair(text: string, i: number): boolean {
  return i > 0 && i < text.length && /[\uD800-\uDBFF]/.test(text[i - 1]) && /[\uDC00-\uDFFF]/.test(text[i]);
}

describe('fix writer properties', () => {
  it('issue 12 item 10: firstInvalidUtf8 agrees with the UTF-8 decoder on any bytes, and everything before the offset it gives is valid', async () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      // Valid text with one byte changed: the interesting boundary cases.
      fc.tuple(anyText(16), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([t, i, b]) => {
        const buf = Buffer.from(t, 'utf8');
        if (buf.length > 0) buf[i % buf.length] = b;
        return new Uint8Array(buf);
      }),
    );
    await fuzz(
      fc.property(bytes, (b) => {
        const at = firstInvalidUtf8(b);
        expect(at === -1).toBe(isUtf8(b));
        if (at >= 0) expect(isUtf8(b.subarray(0, at))).toBe(true);
      }),
    );
  });

  it('issue 12 items 10-11: a fixed file is BOM + the edited text exactly: the bytes outside the edits, the line endings and the mode are kept, and no temporary file remains', async () => {
    await fuzz(
      fc.property(fileCase, ({ text, bom, mode, edits }) => {
        const file = path.join(dir, `case-${counter++}.ts`);
        const original = Buffer.concat([bom ? BOM : Buffer.alloc(0), Buffer.from(text, 'utf8')]);
        fs.writeFileSync(file, original);
        fs.chmodSync(file, mode);
        const read = readForFix(file);
        expect(read.ok).toBe(true);
        if (!read.ok) return;
        expect(read.snapshot.text).toBe(text);
        const fixed = applyEdits(text, edits);
        let refused: unknown;
        try {
          writeFixed(read.snapshot, fixed);
        } catch (e) {
          refused = e;
        }
        if (/[\uD800-\uDFFF]/u.test(fixed)) {
          // An edit that split a surrogate pair: such text has no UTF-8 form; nothing is written.
          expect(refused).toBeInstanceOf(FixRefused);
          expect(fs.readFileSync(file).equals(original)).toBe(true);
        } else {
          expect(refused).toBeUndefined();
          const after = fs.readFileSync(file);
          expect(after.equals(Buffer.concat([bom ? BOM : Buffer.alloc(0), Buffer.from(fixed, 'utf8')]))).toBe(true);
          // Before the first edit and after the last one, the very bytes of the original (measured
          // where an edit boundary falls between characters, not inside a surrogate pair).
          const first = Math.min(text.length, ...edits.map((e) => e.start));
          const last = Math.max(0, ...edits.map((e) => e.end));
          if (!splitsPair(text, first) && !splitsPair(text, last)) {
            const head = Buffer.byteLength(text.slice(0, first), 'utf8') + (bom ? 3 : 0);
            const tail = Buffer.byteLength(text.slice(last), 'utf8');
            expect(after.subarray(0, head).equals(original.subarray(0, head))).toBe(true);
            expect(after.subarray(after.length - tail).equals(original.subarray(original.length - tail))).toBe(true);
          }
        }
        expect(fs.statSync(file).mode & 0o7777).toBe(mode);
        expect(fs.readdirSync(dir).filter((n) => n.includes('.eos-'))).toEqual([]);
        fs.rmSync(file);
      }),
    );
  });

  it('issue 12 item 10: bytes that are not UTF-8 are refused at read, naming the byte, and the file is never touched', async () => {
    const invalid = fc.uint8Array({ minLength: 1, maxLength: 64 }).filter((b) => !isUtf8(b));
    await fuzz(
      fc.property(invalid, (bytes) => {
        const file = path.join(dir, `bad-${counter++}.ts`);
        fs.writeFileSync(file, bytes);
        const read = readForFix(file);
        expect(read.ok).toBe(false);
        if (!read.ok) expect(read.reason).toMatch(/^not valid UTF-8 \(byte 0x[0-9a-f]{2} at line \d+\)/);
        expect(fs.readFileSync(file).equals(Buffer.from(bytes))).toBe(true);
        fs.rmSync(file);
      }),
    );
  });

  it('issue 12 item 12: any change to the file between read and write (content, mode, a replacement) makes the write refuse, leaving the change', async () => {
    const change = fc.constantFrom('append', 'same-size-edit', 'chmod', 'replace');
    await fuzz(
      fc.property(sourceText(), change, (text, how) => {
        const file = path.join(dir, `race-${counter++}.ts`);
        fs.writeFileSync(file, `${text}x`);
        const read = readForFix(file);
        if (!read.ok) throw new Error(read.reason);
        if (how === 'append') fs.appendFileSync(file, 'y');
        if (how === 'same-size-edit') fs.writeFileSync(file, `${text}y`);
        if (how === 'chmod') fs.chmodSync(file, 0o600);
        if (how === 'replace') {
          fs.writeFileSync(`${file}.new`, `${text}x`);
          fs.renameSync(`${file}.new`, file);
        }
        const now = fs.readFileSync(file);
        expect(() => writeFixed(read.snapshot, 'fixed')).toThrow(/changed since eos read it/);
        expect(fs.readFileSync(file).equals(now)).toBe(true);
        fs.rmSync(file);
      }),
    );
  });
});
