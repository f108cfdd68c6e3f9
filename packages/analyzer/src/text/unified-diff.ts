/** Lines of unchanged context around each change in a unified diff. */
const CONTEXT = 3;

type Op = { kind: ' ' | '-' | '+'; line: string };

/**
 * A unified diff (`diff -u` / `git diff` format) between two texts, ending in a newline; empty when
 * the texts are equal. The headers name `displayName` as `a/…` and `b/…` (what `patch -p1` expects)
 * unless `headers` gives other labels. The one diff of eos: `eos audit --dry-run` and the
 * scaffold previews (CLI and editor) both print it.
 */
export function unifiedDiff(displayName: string, before: string, after: string, headers?: { from: string; to: string }): string {
  if (before === after) return '';
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = diffLines(a, b);
  const out = [`--- ${headers?.from ?? `a/${displayName}`}`, `+++ ${headers?.to ?? `b/${displayName}`}`];
  // Group changes into hunks that keep CONTEXT unchanged lines around them.
  let i = 0;
  while (i < ops.length) {
    if (ops[i].kind === ' ') {
      i++;
      continue;
    }
    const start = Math.max(0, i - CONTEXT);
    let end = i;
    for (let j = i; j < ops.length; j++) {
      if (ops[j].kind !== ' ') end = j;
      else if (j - end > 2 * CONTEXT) break;
    }
    const stop = Math.min(ops.length, end + CONTEXT + 1);
    const hunk = ops.slice(start, stop);
    const aStart = ops.slice(0, start).filter((o) => o.kind !== '+').length + 1;
    const bStart = ops.slice(0, start).filter((o) => o.kind !== '-').length + 1;
    const aLen = hunk.filter((o) => o.kind !== '+').length;
    const bLen = hunk.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${aLen === 0 ? aStart - 1 : aStart},${aLen} +${bLen === 0 ? bStart - 1 : bStart},${bLen} @@`);
    for (const o of hunk) out.push(`${o.kind}${o.line}`);
    i = stop;
  }
  return `${out.join('\n')}\n`;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Line diff by the longest common subsequence, after trimming the common prefix and suffix. */
function diffLines(a: string[], b: string[]): Op[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const midA = a.slice(prefix, a.length - suffix);
  const midB = b.slice(prefix, b.length - suffix);
  const ops: Op[] = a.slice(0, prefix).map((line) => ({ kind: ' ', line }));
  // Fixes change a few lines, so the middle is small; the table is (n+1)×(m+1).
  const n = midA.length;
  const m = midB.length;
  const table: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let x = n - 1; x >= 0; x--) {
    for (let y = m - 1; y >= 0; y--) {
      table[x][y] = midA[x] === midB[y] ? table[x + 1][y + 1] + 1 : Math.max(table[x + 1][y], table[x][y + 1]);
    }
  }
  let x = 0;
  let y = 0;
  while (x < n && y < m) {
    if (midA[x] === midB[y]) {
      ops.push({ kind: ' ', line: midA[x] });
      x++;
      y++;
    } else if (table[x + 1][y] >= table[x][y + 1]) {
      ops.push({ kind: '-', line: midA[x++] });
    } else {
      ops.push({ kind: '+', line: midB[y++] });
    }
  }
  while (x < n) ops.push({ kind: '-', line: midA[x++] });
  while (y < m) ops.push({ kind: '+', line: midB[y++] });
  ops.push(...a.slice(a.length - suffix).map((line): Op => ({ kind: ' ', line })));
  return ops;
}
