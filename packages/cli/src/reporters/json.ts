// The light entry: the reporters run on a cached rerun, which must not load the compiler.
import { lineColumnOf } from '@eos/analyzer/dist/light';
import type { RelatedLocation } from '@eos/analyzer';
import { shownPath } from './paths';
import type { Reporter, ReportInput } from './types';

/**
 * The machine-readable contract other tools rely on (version 1; change only by adding fields):
 * `{ version: 1, findings: [{ ruleId, severity, file, line, column, endLine, endColumn, message,
 * related?, fix? }], stats: { files, parsed, ms }, errors: [{ file, message, internal?, ruleId?, frame? }] }`
 * (`related`: the other places the finding rests on, e.g. each step of the path to an effect in
 * another function or file: `[{ file, line, column, endLine, endColumn, message }]`)
 * (`internal`: a bug in eos, with the rule that threw and the first stack frame when known). Files are relative to the
 * working directory with forward slashes; lines and columns are 1-based (end column exclusive);
 * fix edits are 0-based UTF-16 offsets into the file.
 */
export const json: Reporter = (input) => {
  const report = {
    version: 1,
    findings: input.findings.map((f) => ({
      ruleId: f.ruleId,
      severity: f.severity,
      file: shownPath(f.file, input.cwd),
      line: f.line,
      column: f.column,
      endLine: f.endLine,
      endColumn: f.endColumn,
      message: f.message,
      ...(f.related && f.related.length > 0 ? { related: f.related.map((r) => relatedEntry(r, input)) } : {}),
      ...(f.fix ? { fix: { description: f.fix.description, safety: f.fix.safety, edits: f.fix.edits.map((e) => ({ start: e.start, end: e.end, text: e.text })) } } : {}),
    })),
    stats: { files: input.stats.files, parsed: input.stats.parsed, ms: input.stats.ms },
    errors: input.errors.map((e) => ({
      file: shownPath(e.file, input.cwd),
      message: e.message,
      // Internal errors (bugs in eos) also say so, and name the rule that threw and where.
      ...('internal' in e ? { internal: true, ...(e.ruleId ? { ruleId: e.ruleId } : {}), ...(e.frame ? { frame: e.frame } : {}) } : {}),
    })),
  };
  return `${JSON.stringify(report, null, 2)}\n`;
};

/** A related location with the same coordinates as a finding (1-based, end column exclusive). */
function relatedEntry(r: RelatedLocation, input: ReportInput): { file: string; line: number; column: number; endLine: number; endColumn: number; message: string } {
  const text = input.readText(r.file) ?? '';
  const start = lineColumnOf(text, r.start);
  const end = lineColumnOf(text, r.end);
  return { file: shownPath(r.file, input.cwd), line: start.line, column: start.column, endLine: end.line, endColumn: end.column, message: r.message };
}
