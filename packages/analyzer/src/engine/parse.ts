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
  return ts.createSourceFile(fileName, text, options, true, scriptKindOf(fileName));
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
