/*
 * Offsets to 1-based line/column positions. Type-only use of the compiler: the light entry (and
 * the CLI's reporters through it) use `lineColumnOf` without loading it.
 */
import type { ts } from 'ts-morph';
import type { Finding } from '../types';

/** 1-based line and column of a character offset (columns count UTF-16 code units). */
export interface LineColumn {
  line: number;
  column: number;
}

/** Converts a 0-based offset of `sourceFile` into a 1-based line/column. */
export function locate(sourceFile: ts.SourceFile, offset: number): LineColumn {
  const { line, character } = sourceFile.getLineAndCharacterOfPosition(offset);
  return { line: line + 1, column: character + 1 };
}

/**
 * 1-based line/column of an offset in plain text, counting line ends as the scanner does (CRLF,
 * LF, CR, U+2028, U+2029), so it agrees with `locate` and with the positions of findings.
 */
export function lineColumnOf(text: string, offset: number): LineColumn {
  const before = text.slice(0, offset).split(/\r\n|[\n\r\u2028\u2029]/);
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** Where a finding sits: its offsets and their 1-based line/column. */
export type Span = Pick<Finding, 'start' | 'end' | 'line' | 'column' | 'endLine' | 'endColumn'>;

/** The span of `start`..`end`, positioned by `at` (`locate` on a tree, `lineColumnOf` on text). */
export function spanOf(start: number, end: number, at: (offset: number) => LineColumn): Span {
  const a = at(start);
  const b = at(end);
  return { start, end, line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
}
