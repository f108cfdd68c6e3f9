import { ts } from 'ts-morph';
import type { CommentSpan } from './suppressions';

/** The marker every suppression comment holds; files without it (nearly all) cost one search. */
const MARKER = 'eos-ignore';

/**
 * The `//` comments of a parsed file that mention a suppression, as the scanner delimits
 * comments: an `eos-ignore-next-line` inside a string, a template literal, a regular expression
 * or JSX text is not a comment and suppresses nothing (a regex over the text cannot tell).
 */
export function suppressionComments(sourceFile: ts.SourceFile): CommentSpan[] {
  const text = sourceFile.text;
  const out: CommentSpan[] = [];
  for (let i = text.indexOf(MARKER); i !== -1; i = text.indexOf(MARKER, i + MARKER.length)) {
    const range = commentAt(sourceFile, i);
    if (!range || range.kind !== ts.SyntaxKind.SingleLineCommentTrivia) continue;
    if (out.length > 0 && out[out.length - 1].pos === range.pos) continue;
    out.push({ pos: range.pos, end: range.end, line: sourceFile.getLineAndCharacterOfPosition(range.pos).line + 1 });
  }
  return out;
}

/**
 * The comment holding `offset`, if any. Comments live in the trivia before a token: descend
 * (in a loop, not a recursion: trees can be deep) to the token whose full range holds the offset;
 * an offset before the token's first character is in its leading trivia, one after is in its text.
 */
function commentAt(sourceFile: ts.SourceFile, offset: number): ts.CommentRange | undefined {
  let node: ts.Node = sourceFile;
  for (;;) {
    const child = node.getChildren(sourceFile).find((c) => c.pos <= offset && offset < c.end);
    if (!child) break;
    node = child;
    if (child.getChildCount(sourceFile) === 0) break;
  }
  if (offset >= node.getStart(sourceFile)) return undefined;
  // The trivia's first comment, when on the line of the previous token, is a "trailing" one.
  const text = sourceFile.text;
  const ranges = [...(ts.getTrailingCommentRanges(text, node.pos) ?? []), ...(ts.getLeadingCommentRanges(text, node.pos) ?? [])];
  return ranges.find((r) => r.pos <= offset && offset < r.end);
}
