import { isUtf8 } from 'node:buffer';

/**
 * Offset of the first byte that makes `bytes` invalid UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF, no truncated sequence), or -1 when every byte is valid.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  if (isUtf8(bytes)) return -1;
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    // Continuation bytes after the lead, and the range of the first one (which rules out
    // overlong forms, surrogates and code points above U+10FFFF).
    const [count, low, high] = SEQUENCES.find(([, , , from, to]) => lead >= from && lead <= to) ?? [0, 0, 0];
    if (count === 0) return i;
    for (let k = 1; k <= count; k++) {
      const b = bytes[i + k];
      if (b === undefined || b < (k === 1 ? low : 0x80) || b > (k === 1 ? high : 0xbf)) return i;
    }
    i += count + 1;
  }
  return bytes.length > 0 ? 0 : -1;
}

/** [continuation bytes, first continuation's low, high, lead from, lead to] (the Unicode standard's table 3-7). */
const SEQUENCES: ReadonlyArray<readonly [number, number, number, number, number]> = [
  [1, 0x80, 0xbf, 0xc2, 0xdf],
  [2, 0xa0, 0xbf, 0xe0, 0xe0],
  [2, 0x80, 0xbf, 0xe1, 0xec],
  [2, 0x80, 0x9f, 0xed, 0xed],
  [2, 0x80, 0xbf, 0xee, 0xef],
  [3, 0x90, 0xbf, 0xf0, 0xf0],
  [3, 0x80, 0xbf, 0xf1, 0xf3],
  [3, 0x80, 0x8f, 0xf4, 0xf4],
];
