import type { Position, Range } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';

/**
 * Offset ↔ line/character conversion for a text the analyzer saw. The analyzer speaks offsets;
 * LSP speaks 0-based lines and UTF-16 characters, so conversion happens only here, at the edge.
 */
export class TextIndex {
  private readonly doc: TextDocument;

  constructor(readonly text: string) {
    this.doc = TextDocument.create('eos:text', 'typescript', 0, text);
  }

  static of(doc: TextDocument): TextIndex {
    return new TextIndex(doc.getText());
  }

  position(offset: number): Position {
    return this.doc.positionAt(offset);
  }

  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(end) };
  }

  offset(position: Position): number {
    return this.doc.offsetAt(position);
  }
}
