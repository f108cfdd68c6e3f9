/**
 * The fix builder: the text edits rules offer, made from nodes rather than from offsets counted by
 * hand. Each function returns plain `TextEdit`s (applied by fix/apply.ts).
 */
import { ts } from 'ts-morph';
import type { TextEdit } from '../types';

/** Replaces a node (without its leading trivia) with `text`. */
export function replace(node: ts.Node, text: string): TextEdit {
  return { start: node.getStart(), end: node.getEnd(), text };
}

/** Replaces the text from the start of `from` to the start of `to` (e.g. `void ` before a call). */
export function replaceBetween(from: ts.Node, to: ts.Node, text: string): TextEdit {
  return { start: from.getStart(), end: to.getStart(), text };
}

/** Replaces the argument list of a call (between its parentheses). */
export function replaceArguments(call: ts.CallExpression, text: string): TextEdit {
  return { start: call.arguments.pos, end: call.arguments.end, text };
}

/** Replaces what lies between the braces of an object literal. */
export function replaceInside(obj: ts.ObjectLiteralExpression, text: string): TextEdit {
  return { start: obj.getStart() + 1, end: obj.getEnd() - 1, text };
}

/** Inserts `text` before a statement and the comments that lead it (so they keep describing it). */
export function insertAboveComments(stmt: ts.Statement, text: string): TextEdit {
  const sf = stmt.getSourceFile();
  const comments = commentRangesBefore(sf.text, stmt.getFullStart());
  const at = comments.length > 0 ? comments[0].pos : stmt.getStart();
  return { start: at, end: at, text };
}

/** Inserts `text` right before a node (after its leading trivia). */
export function insertBefore(node: ts.Node, text: string): TextEdit {
  return { start: node.getStart(), end: node.getStart(), text };
}

/** Inserts `text` right after a node. */
export function insertAfter(node: ts.Node, text: string): TextEdit {
  return { start: node.getEnd(), end: node.getEnd(), text };
}

/** The comments before `pos` (a node's full start), read once: the compiler's scanner is behind a getter. */
const commentRangesBefore = (text: string, pos: number): ts.CommentRange[] => ts.getLeadingCommentRanges(text, pos) ?? [];

/** Offset of the start of the line holding `offset`. */
export function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset of the end of the line holding `offset` (its line break, or the end of the text). */
export function lineEnd(text: string, offset: number): number {
  const i = text.indexOf('\n', offset);
  return i === -1 ? text.length : i;
}

/** The indentation (spaces and tabs) of the line a node starts on. */
export function indentOf(node: ts.Node): string {
  const text = node.getSourceFile().text;
  const start = lineStart(text, node.getStart());
  return /^[ \t]*/.exec(text.slice(start))?.[0] ?? '';
}

/** Inserts `line` as a line of its own after the line `node` ends on, indented by `indent`. */
export function insertLineAfter(node: ts.Node, line: string, indent = indentOf(node)): TextEdit {
  const at = lineEnd(node.getSourceFile().text, node.getEnd());
  return { start: at, end: at, text: `\n${indent}${line}` };
}

/** A statement moved by `moveStatementAfter`: its edits, and whether comments above it moved along. */
export interface StatementMove {
  edits: TextEdit[];
  withComments: boolean;
}

/**
 * Moves a statement to the line after `target` (same indentation: both in one statement list),
 * with the line comments directly above it, which describe it. Undefined when the move cannot be
 * made faithfully: the statement shares its line with other code, carries a block or trailing
 * comment, or `target` is followed by more code on its line.
 */
export function moveStatementAfter(stmt: ts.Statement, target: ts.Node): StatementMove | undefined {
  const text = stmt.getSourceFile().text;
  const lineOfStmt = lineStart(text, stmt.getStart());
  const end = lineEnd(text, stmt.getEnd());
  // The statement must be alone on its line, with no trailing or block comment.
  if (text.slice(lineOfStmt, stmt.getStart()).trim() !== '' || text.slice(stmt.getEnd(), end).trim() !== '') return undefined;
  if (/\/\*/.test(stmt.getFullText()) || /\/\/|\/\*/.test(stmt.getText())) return undefined;
  // Line comments directly above the statement describe it: they move with it.
  let start = lineOfStmt;
  while (start > 0) {
    const prev = lineStart(text, start - 1);
    if (!text.slice(prev, start - 1).trim().startsWith('//')) break;
    start = prev;
  }
  const insertAt = lineEnd(text, target.getEnd());
  if (text.slice(target.getEnd(), insertAt).trim() !== '') return undefined;
  return {
    edits: [
      { start, end: end + 1, text: '' },
      { start: insertAt, end: insertAt, text: `\n${text.slice(start, end)}` },
    ],
    withComments: start < lineOfStmt,
  };
}
