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
  let sourceFile: ts.SourceFile;
  try {
    sourceFile = ts.createSourceFile(fileName, text, options, false, scriptKindOf(fileName));
  } catch (e) {
    throw tooDeepOr(e);
  }
  setParents(sourceFile);
  return sourceFile;
}

/**
 * The TypeScript parser is recursive: about 900 nested parentheses (or 3,000 nested blocks)
 * exhaust its call stack. That is a property of the input, like a syntax error, not a bug in eos.
 */
export class NestingTooDeep extends Error {
  constructor() {
    super('the code nests deeper than the TypeScript parser can follow (its call stack ran out)');
    this.name = 'NestingTooDeep';
  }
}

/** `e` as NestingTooDeep when it is the call stack running out, else `e` itself. */
export function tooDeepOr(e: unknown): unknown {
  return e instanceof RangeError && /call stack/i.test(e.message) ? new NestingTooDeep() : e;
}

/** Read once: `ts.forEachChild` goes through ts-morph's `ts` getter each time. */
const forEachChild = ts.forEachChild;

/**
 * Sets every node's `parent`, as `createSourceFile(…, setParentNodes: true)` does, with an explicit
 * stack: a recursion overflows on deep trees (see tree-walk.ts), and the compiler's own pass (a
 * generic work queue that also visits JSDoc, of which there is none here) cost ~10% more of a
 * cold parse.
 */
function setParents(root: ts.Node): void {
  const stack: ts.Node[] = [root];
  let node: ts.Node;
  const adopt = (child: ts.Node): void => {
    (child as { parent: ts.Node }).parent = node;
    stack.push(child);
  };
  while (stack.length > 0) {
    node = stack.pop() as ts.Node;
    forEachChild(node, adopt);
  }
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
