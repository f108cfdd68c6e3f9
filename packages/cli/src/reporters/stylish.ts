import type { Finding } from '@eos/analyzer';
// The light entry: the reporters run on a cached rerun, which must not load the compiler.
import { lineColumnOf } from '@eos/analyzer/dist/light';
import { palette, type Palette } from '../ansi';
import { docsReference } from '../docs/references';
import { shownPath } from './paths';
import type { Reporter, ReportInput } from './types';

/** Lines of source shown above and below the reported line. */
const CONTEXT_LINES = 1;

/**
 * Human output: findings grouped by file, each with its message, rule id, a code frame of the
 * reported range, the fix on offer and where its rule is explained; then a summary line (the inputs that could not be analysed
 * are listed on stderr by the command).
 */
export const stylish: Reporter = (input) => {
  const c = palette(input.color);
  const out: string[] = [];
  const byFile = new Map<string, Finding[]>();
  for (const f of input.findings) {
    const list = byFile.get(f.file);
    if (list) list.push(f);
    else byFile.set(f.file, [f]);
  }
  for (const [file, findings] of byFile) {
    out.push(c.underline(shownPath(file, input.cwd)));
    const text = input.readText(file);
    for (const f of findings) {
      out.push(`  ${c.dim(`${f.line}:${f.column}`)}  ${severityLabel(f.severity, c)}  ${f.message}  ${c.dim(f.ruleId)}`);
      if (text !== undefined) out.push(...codeFrame(text, f, c).map((l) => `    ${l}`));
      for (const r of f.related ?? []) {
        const at = lineColumnOf(input.readText(r.file) ?? '', r.start);
        out.push(`    ${c.dim('see')} ${r.file === f.file ? '' : `${shownPath(r.file, input.cwd)}:`}${at.line}:${at.column} ${r.message}`);
      }
      if (f.fix) out.push(`    ${c.blue('fix')} (${f.fix.safety}): ${f.fix.description} ${c.dim(f.fix.safety === 'safe' ? '(--fix)' : '(--fix-unsafe)')}`);
      for (const s of f.suggestions ?? []) out.push(`    ${c.blue('suggestion')}: ${s.description}`);
      out.push(`    ${c.dim(`docs: ${docsReference(f.ruleId)}`)}`);
    }
    out.push('');
  }
  out.push(summary(input, c));
  return `${out.join('\n')}\n`;
};

function severityLabel(severity: Finding['severity'], c: Palette): string {
  if (severity === 'error') return c.red('error  ');
  if (severity === 'warning') return c.yellow('warning');
  return c.blue('info   ');
}

/**
 * Line ends as the analyzer counts lines (TypeScript's scanner): CRLF, LF, a lone CR (old Mac
 * files) and the Unicode line and paragraph separators. Counting only LF would put every finding
 * of a CR-only file on line 1 and shift frames after a U+2028.
 */
const LINE_BREAK = /\r\n|[\n\r\u2028\u2029]/;

/** The reported lines with a marker under the reported range (first line of a multi-line range). */
export function codeFrame(text: string, f: Pick<Finding, 'line' | 'column' | 'endLine' | 'endColumn'>, c: Palette = palette(false)): string[] {
  const lines = text.split(LINE_BREAK);
  const first = Math.max(1, f.line - CONTEXT_LINES);
  const last = Math.min(lines.length, f.line + CONTEXT_LINES);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const source = (lines[n - 1] ?? '').replace(/\t/g, ' ');
    const marker = n === f.line ? c.red('>') : ' ';
    out.push(`${marker} ${c.dim(`${String(n).padStart(width)} |`)} ${source}`);
    if (n === f.line) {
      const endColumn = f.endLine === f.line ? Math.max(f.endColumn, f.column + 1) : source.length + 1;
      const carets = '^'.repeat(Math.max(1, endColumn - f.column));
      out.push(`  ${c.dim(`${' '.repeat(width)} |`)} ${' '.repeat(f.column - 1)}${c.red(carets)}`);
    }
  }
  return out;
}

function summary(input: ReportInput, c: Palette): string {
  const { findings, errors, stats } = input;
  const count = (sev: string) => findings.filter((f) => f.severity === sev).length;
  const files = new Set(findings.map((f) => f.file)).size;
  const parts: string[] = [];
  if (findings.length === 0) {
    parts.push(c.bold('no findings'));
  } else {
    const kinds = [['error', count('error')], ['warning', count('warning')], ['info', count('info')]]
      .filter(([, n]) => (n as number) > 0)
      .map(([k, n]) => `${n} ${k}${n === 1 ? '' : 's'}`);
    parts.push(c.bold(`${findings.length} finding${findings.length === 1 ? '' : 's'} (${kinds.join(', ')}) in ${files} file${files === 1 ? '' : 's'}`));
    const safe = findings.filter((f) => f.fix?.safety === 'safe').length;
    const unsafe = findings.filter((f) => f.fix?.safety === 'unsafe').length;
    if (safe > 0) parts.push(`${safe} fixable with --fix`);
    if (unsafe > 0) parts.push(`${unsafe} more with --fix-unsafe`);
  }
  const internal = errors.filter((e) => 'internal' in e).length;
  const inputs = errors.length - internal;
  if (inputs > 0) parts.push(c.red(`${inputs} input${inputs === 1 ? '' : 's'} could not be analysed (listed on stderr)`));
  if (internal > 0) parts.push(c.red(`${internal} internal error${internal === 1 ? '' : 's'} of eos (listed on stderr; please report)`));
  const tests = stats.testsLeftOut > 0 ? ` (${stats.testsLeftOut} test folder${stats.testsLeftOut === 1 ? '' : 's'} and files left out: --include-tests)` : '';
  parts.push(c.dim(`${stats.files} file${stats.files === 1 ? '' : 's'}${tests}, ${stats.parsed} parsed, ${stats.ms} ms`));
  return parts.join('; ');
}

