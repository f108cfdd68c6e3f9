import type { Finding, FixSafety, TextEdit } from '../types';

/** Comment text inside `text[start, end)`, used to refuse edits that would delete comments. */
function commentsIn(text: string, start: number, end: number): string[] {
  return text.slice(start, end).match(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g) ?? [];
}

/**
 * Whether applying `edits` keeps every comment of the replaced ranges (each must reappear in the
 * replacement texts). A fix that would drop a comment is declined, never applied.
 */
export function preservesComments(text: string, edits: readonly TextEdit[]): boolean {
  const removed = edits.flatMap((e) => commentsIn(text, e.start, e.end));
  if (removed.length === 0) return true;
  const inserted = edits.map((e) => e.text).join('\n');
  return removed.every((c) => inserted.includes(c.trim()));
}

/** Applies non-overlapping edits to a text. Throws when edits overlap. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let at = 0;
  for (const e of sorted) {
    if (e.start < at) throw new Error(`overlapping edits at offset ${e.start}`);
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + text.slice(at);
}

/** The outcome of fixing one file's text. */
export interface FixResult {
  text: string;
  /** Findings whose fix was applied. */
  applied: Finding[];
  /** Findings whose fix was skipped, with the reason (overlap with another fix, would drop a comment). */
  skipped: Array<{ finding: Finding; reason: string }>;
}

/**
 * Applies the fixes of a file's findings that the allowed safety admits (`safe` admits safe
 * fixes; `unsafe` admits both). Fixes whose edits overlap an earlier accepted fix wait for the
 * next pass (callers re-analyse and fix again until nothing changes).
 */
export function applyFixes(text: string, findings: readonly Finding[], allow: FixSafety): FixResult {
  const applied: Finding[] = [];
  const skipped: FixResult['skipped'] = [];
  const accepted: TextEdit[] = [];
  for (const f of findings) {
    const fix = f.fix;
    if (!fix || (allow === 'safe' && fix.safety !== 'safe')) continue;
    if (!preservesComments(text, fix.edits)) {
      skipped.push({ finding: f, reason: 'the fix would drop a comment' });
      continue;
    }
    const overlaps = fix.edits.some((e) => accepted.some((a) => e.start < a.end && a.start < e.end));
    if (overlaps) {
      skipped.push({ finding: f, reason: 'overlaps another fix; run again' });
      continue;
    }
    accepted.push(...fix.edits);
    applied.push(f);
  }
  return { text: applyEdits(text, accepted), applied, skipped };
}
