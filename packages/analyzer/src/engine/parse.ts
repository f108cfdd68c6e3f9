import { ts } from 'ts-morph';

/** Script kind from the file name, so .js/.jsx/.tsx get the right grammar. */
export function scriptKindOf(fileName: string): ts.ScriptKind {
  if (/\.tsx$/i.test(fileName)) return ts.ScriptKind.TSX;
  if (/\.jsx$/i.test(fileName)) return ts.ScriptKind.JSX;
  if (/\.[cm]?js$/i.test(fileName)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

/** A syntax error, at a 0-based offset. */
export interface SyntaxProblem {
  offset: number;
  message: string;
}

/**
 * Parses one file syntactically (no program, no checker). Parent pointers are set because rules
 * walk upwards from calls to their enclosing function and statement. JSDoc comments are not
 * parsed: no rule reads them, and they cost about a tenth of the parse of documented code.
 */
export function parseSource(fileName: string, text: string): ts.SourceFile {
  const options = { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone };
  const sourceFile = ts.createSourceFile(fileName, text, options, false, scriptKindOf(fileName));
  setParents(sourceFile);
  return sourceFile;
}

/** Read once: `ts.forEachChild` goes through ts-morph's `ts` getter each time. */
const forEachChild = ts.forEachChild;

/**
 * Sets every node's `parent`, as `createSourceFile(…, setParentNodes: true)` does, in a plain
 * recursion: the compiler's own pass (a generic work queue that also visits JSDoc, of which
 * there is none here) cost ~10% more of a cold parse.
 */
function setParents(node: ts.Node): void {
  forEachChild(node, (child) => {
    (child as { parent: ts.Node }).parent = node;
    setParents(child);
  });
}

/**
 * The parser's own diagnostics. They are not part of the public `SourceFile` type, but every
 * TypeScript version keeps them on `parseDiagnostics`; reading them costs nothing, unlike a program.
 */
export function syntaxProblems(sourceFile: ts.SourceFile): SyntaxProblem[] {
  const diagnostics = (sourceFile as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
  return diagnostics.map((d) => ({
    offset: d.start ?? 0,
    message: ts.flattenDiagnosticMessageText(d.messageText, ' '),
  }));
}
