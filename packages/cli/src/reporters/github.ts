import { docsReference } from '../docs/references';
import { shownPath } from './paths';
import type { Reporter } from './types';

/**
 * GitHub Actions workflow commands: one `::error|warning|notice file=…,line=…::message` per
 * finding, which the runner turns into annotations on the pull request.
 * Escaping follows the runner's rules (as in @actions/core): in the message `%`, CR and LF are
 * percent-encoded; in property values also `:` and `,`.
 */
export const github: Reporter = (input) => {
  const lines: string[] = [];
  for (const f of input.findings) {
    const level = f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warning' : 'notice';
    const props = [
      `file=${escapeProperty(shownPath(f.file, input.cwd))}`,
      `line=${f.line}`,
      `col=${f.column}`,
      `endLine=${f.endLine}`,
      `endColumn=${f.endColumn}`,
      `title=${escapeProperty(`eos ${f.ruleId}`)}`,
    ];
    lines.push(`::${level} ${props.join(',')}::${escapeData(`${f.message} (docs: ${docsReference(f.ruleId)})`)}`);
  }
  for (const e of input.errors) {
    const title = 'internal' in e ? 'eos: internal error' : 'eos: cannot analyse';
    lines.push(`::error file=${escapeProperty(shownPath(e.file, input.cwd))},title=${escapeProperty(title)}::${escapeData(e.message)}`);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
};

/** Escapes the message part of a workflow command. */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a property value of a workflow command. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
