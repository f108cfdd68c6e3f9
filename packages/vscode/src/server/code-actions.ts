import { docPageOf, INVALID_SUPPRESSION, UNUSED_SUPPRESSION, type Finding, type Fix } from '@eos/analyzer';
import {
  CodeAction,
  CodeActionKind,
  type Diagnostic,
  type Range,
  TextDocumentEdit,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { DisableForLineCommand, FIX_ALL_KIND, ShowRuleDocsCommand, type DisableForLineArgs } from '../protocol';
import { DIAGNOSTIC_SOURCE, type DiagnosticData } from './diagnostics';
import { TextIndex } from './text-index';

/** What a code action request needs to know about one document. */
export interface CodeActionInput {
  doc: TextDocument;
  /** Findings of the document whose offsets match its current text. */
  findings: readonly Finding[];
  range: Range;
  /** Diagnostics the editor sent with the request (only ours are acted on). */
  diagnostics: readonly Diagnostic[];
  /** Requested kinds; undefined means every kind. */
  only?: readonly string[];
  /** Computes the fix-all edit of the whole document (safe fixes, re-analysed until stable). */
  fixAll(): TextEdit[] | undefined;
}

const wants = (only: readonly string[] | undefined, kind: string): boolean =>
  !only || only.some((o) => kind === o || kind.startsWith(`${o}.`));

/**
 * The code actions of a request: each finding's fix (the safe one preferred) and suggestions,
 * "disable for this line", "show documentation", and the `source.fixAll.eos` action.
 */
export function codeActionsFor(input: CodeActionInput): CodeAction[] {
  const { doc, only } = input;
  const index = TextIndex.of(doc);
  const actions: CodeAction[] = [];
  if (wants(only, CodeActionKind.QuickFix)) {
    const requested = { start: index.offset(input.range.start), end: index.offset(input.range.end) };
    const docsShown = new Set<string>();
    const disabled = new Set<string>();
    for (const finding of input.findings) {
      const diagnostic = matchingDiagnostic(input.diagnostics, finding);
      // A finding is acted on when the editor names its diagnostic or the cursor/selection touches it.
      if (!diagnostic && !(finding.start <= requested.end && requested.start <= finding.end)) continue;
      const diagnostics = diagnostic ? [diagnostic] : undefined;
      if (finding.fix) actions.push(fixAction(doc, index, finding.fix, diagnostics, finding.fix.safety === 'safe'));
      for (const s of finding.suggestions ?? []) actions.push(fixAction(doc, index, s, diagnostics, false));
      if (finding.ruleId === UNUSED_SUPPRESSION || finding.ruleId === INVALID_SUPPRESSION) {
        if (finding.ruleId === UNUSED_SUPPRESSION) actions.push(removeCommentLine(doc, index, finding, diagnostics));
      } else {
        const line = index.position(finding.start).line;
        const key = `${finding.ruleId}:${line}`;
        if (!disabled.has(key)) {
          disabled.add(key);
          actions.push(disableForLine(doc, finding.ruleId, line, diagnostics));
        }
      }
      if (!docsShown.has(finding.ruleId)) {
        docsShown.add(finding.ruleId);
        const docs = CodeAction.create(`Show documentation for ${finding.ruleId}`, { title: 'Show documentation', command: ShowRuleDocsCommand, arguments: [docPageOf(finding.ruleId)] }, CodeActionKind.QuickFix);
        docs.diagnostics = diagnostics;
        actions.push(docs);
      }
    }
  }
  if (wants(only, FIX_ALL_KIND) && (only !== undefined) && input.findings.some((f) => f.fix?.safety === 'safe')) {
    const edits = input.fixAll();
    if (edits && edits.length > 0) {
      const action = CodeAction.create('Fix all safely fixable eos problems', documentEdit(doc, edits), FIX_ALL_KIND);
      actions.push(action);
    }
  }
  return actions;
}

function matchingDiagnostic(diagnostics: readonly Diagnostic[], finding: Finding): Diagnostic | undefined {
  return diagnostics.find((d) => {
    if (d.source !== DIAGNOSTIC_SOURCE) return false;
    const data = d.data as DiagnosticData | undefined;
    return data?.ruleId === finding.ruleId && data.start === finding.start && data.end === finding.end;
  });
}

function documentEdit(doc: TextDocument, edits: TextEdit[]): WorkspaceEdit {
  return { documentChanges: [TextDocumentEdit.create({ uri: doc.uri, version: doc.version }, edits)] };
}

function fixAction(doc: TextDocument, index: TextIndex, fix: Fix, diagnostics: Diagnostic[] | undefined, preferred: boolean): CodeAction {
  const edits = fix.edits.map((e) => ({ range: index.range(e.start, e.end), newText: e.text }));
  const title = fix.safety === 'unsafe' ? `${fix.description} (review: may change behaviour)` : fix.description;
  const action = CodeAction.create(title, documentEdit(doc, edits), CodeActionKind.QuickFix);
  action.diagnostics = diagnostics;
  if (preferred) action.isPreferred = true;
  return action;
}

/** Runs on the client so the reason can be a snippet placeholder the user types over. */
function disableForLine(doc: TextDocument, ruleId: string, line: number, diagnostics: Diagnostic[] | undefined): CodeAction {
  const lineText = doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } });
  const indent = /^[ \t]*/.exec(lineText)?.[0] ?? '';
  const args: DisableForLineArgs = { uri: doc.uri, line, indent, ruleId };
  const action = CodeAction.create(`Disable ${ruleId} for this line (with a reason)`, { title: 'Disable for this line', command: DisableForLineCommand, arguments: [args] }, CodeActionKind.QuickFix);
  action.diagnostics = diagnostics;
  return action;
}

function removeCommentLine(doc: TextDocument, index: TextIndex, finding: Finding, diagnostics: Diagnostic[] | undefined): CodeAction {
  const line = index.position(finding.start).line;
  const lineText = doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } });
  // Remove the whole line when the comment is alone on it, else only the comment.
  const alone = lineText.trim().startsWith('//');
  const range = alone ? { start: { line, character: 0 }, end: { line: line + 1, character: 0 } } : index.range(finding.start, finding.end);
  const action = CodeAction.create('Remove the unused eos-ignore-next-line comment', documentEdit(doc, [{ range, newText: '' }]), CodeActionKind.QuickFix);
  action.diagnostics = diagnostics;
  action.isPreferred = true;
  return action;
}
