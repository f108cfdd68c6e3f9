import { ts } from 'ts-morph';

const SCRIPT_KINDS: Array<[RegExp, ts.ScriptKind]> = [
  [/\.tsx$/i, ts.ScriptKind.TSX],
  [/\.jsx$/i, ts.ScriptKind.JSX],
  [/\.[cm]?js$/i, ts.ScriptKind.JS],
];

/**
 * Parses editor documents incrementally: the previous tree of the same file is handed to
 * `ts.updateSourceFile` with the single changed span, so a keystroke in a 2,000-line file re-parses
 * a few statements instead of the whole file. The changed span is found by comparing the old
 * and new text (common prefix and suffix), which costs far less than a parse.
 */
export class IncrementalParser {
  private readonly trees = new Map<string, ts.SourceFile>();

  /** @param isOpen only open documents keep their tree; files read from disk (an audit) do not. */
  constructor(private readonly isOpen: (fileName: string) => boolean) {}

  parse(fileName: string, text: string): ts.SourceFile {
    if (!this.isOpen(fileName)) {
      this.trees.delete(fileName);
      return create(fileName, text);
    }
    const previous = this.trees.get(fileName);
    let tree = previous ? update(previous, text) : create(fileName, text);
    // A tree with syntax errors is parsed again whole: how the parser recovers from an error
    // depends on where it starts, so an incremental parse may name another first error than the
    // CLI does for the same text. Broken text is transient while typing; the cost is paid only then.
    if (tree !== previous && previous && hasSyntaxErrors(tree)) tree = create(fileName, text);
    this.trees.set(fileName, tree);
    return tree;
  }

  /** Forgets a closed document. */
  forget(fileName: string): void {
    this.trees.delete(fileName);
  }
}

function create(fileName: string, text: string): ts.SourceFile {
  const kind = SCRIPT_KINDS.find(([re]) => re.test(fileName))?.[1] ?? ts.ScriptKind.TS;
  return ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, kind);
}

function update(previous: ts.SourceFile, text: string): ts.SourceFile {
  const old = previous.text;
  if (old === text) return previous;
  const max = Math.min(old.length, text.length);
  let prefix = 0;
  while (prefix < max && old.charCodeAt(prefix) === text.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < max - prefix && old.charCodeAt(old.length - 1 - suffix) === text.charCodeAt(text.length - 1 - suffix)) suffix++;
  const change = ts.createTextChangeRange(ts.createTextSpan(prefix, old.length - suffix - prefix), text.length - suffix - prefix);
  return ts.updateSourceFile(previous, text, change);
}

/** Whether the parser reported errors for the tree (its own diagnostics, not the checker's). */
function hasSyntaxErrors(tree: ts.SourceFile): boolean {
  return ((tree as unknown as { parseDiagnostics?: readonly ts.Diagnostic[] }).parseDiagnostics?.length ?? 0) > 0;
}
