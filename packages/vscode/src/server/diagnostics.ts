import * as path from 'node:path';
import { docPageOf, type Finding, type Severity } from '@eos/analyzer';
import { type Diagnostic, DiagnosticSeverity, type DiagnosticRelatedInformation } from 'vscode-languageserver';
import { uriOfPath } from './uris';
import type { TextIndex } from './text-index';

/** Marks diagnostics as ours: code actions only act on diagnostics with this source. */
export const DIAGNOSTIC_SOURCE = 'eos';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** Data carried on each diagnostic so a code action request can find its finding again. */
export interface DiagnosticData {
  ruleId: string;
  start: number;
  end: number;
}

/**
 * One finding as an LSP diagnostic: `code` links the rule id to its doc page bundled with the
 * extension (under `docsDir`), related information points at the other half of the problem (e.g.
 * the work an ack precedes). `indexOf` gives the text index of another file named by related
 * information.
 */
export function toDiagnostic(finding: Finding, index: TextIndex, indexOf: (file: string) => TextIndex | undefined, docsDir?: string): Diagnostic {
  const related: DiagnosticRelatedInformation[] = [];
  for (const r of finding.related ?? []) {
    const other = r.file === finding.file ? index : indexOf(r.file);
    if (!other) continue;
    related.push({ location: { uri: uriOfPath(r.file), range: other.range(r.start, r.end) }, message: r.message });
  }
  const data: DiagnosticData = { ruleId: finding.ruleId, start: finding.start, end: finding.end };
  return {
    range: index.range(finding.start, finding.end),
    severity: SEVERITY[finding.severity],
    code: finding.ruleId,
    codeDescription: docsDir ? { href: uriOfPath(path.join(docsDir, `${docPageOf(finding.ruleId)}.md`)) } : undefined,
    source: DIAGNOSTIC_SOURCE,
    message: finding.message,
    relatedInformation: related.length > 0 ? related : undefined,
    data,
  };
}
