import { ts } from 'ts-morph';

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
