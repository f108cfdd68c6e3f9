import { shownPath } from './paths';
import type { Reporter } from './types';

/**
 * The machine-readable contract other tools rely on (version 1; change only by adding fields):
 * `{ version: 1, findings: [{ ruleId, severity, file, line, column, endLine, endColumn, message,
 * fix? }], stats: { files, parsed, ms }, errors: [{ file, message, internal?, ruleId?, frame? }] }`
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
