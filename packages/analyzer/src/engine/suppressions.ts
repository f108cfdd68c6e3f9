import type { Finding } from '../types';

/** `// eos-ignore-next-line <rule-id>[, <rule-id>] -- <reason>` */
const SUPPRESSION = /\/\/\s*eos-ignore-next-line\b([^\n]*)/g;

/** Rule ids the engine itself reports about suppression comments. */
export const UNUSED_SUPPRESSION = 'unused-suppression';
export const INVALID_SUPPRESSION = 'invalid-suppression';

/** One parsed suppression comment. */
export interface Suppression {
  /** 0-based offset of the comment. */
  start: number;
  end: number;
  /** 1-based line the comment is on; it silences findings starting on the next line. */
  line: number;
  ruleIds: string[];
  reason: string;
}

/** Problems with suppression comments, reported as findings of the engine's own rule ids. */
export interface SuppressionProblem {
  ruleId: typeof UNUSED_SUPPRESSION | typeof INVALID_SUPPRESSION;
  start: number;
  end: number;
  message: string;
}

/** Finds suppression comments. A cheap regex: the text was already read, no AST is needed. */
export function parseSuppressions(text: string): { suppressions: Suppression[]; problems: SuppressionProblem[] } {
  const suppressions: Suppression[] = [];
  const problems: SuppressionProblem[] = [];
  if (!text.includes('eos-ignore')) return { suppressions, problems };
  for (const m of text.matchAll(SUPPRESSION)) {
    const start = m.index ?? 0;
    const end = start + m[0].length;
    const body = m[1].trim();
    const sep = body.indexOf('--');
    const idsPart = (sep === -1 ? body : body.slice(0, sep)).trim();
    const reason = sep === -1 ? '' : body.slice(sep + 2).trim();
    const ruleIds = idsPart.split(/[\s,]+/).filter(Boolean);
    if (ruleIds.length === 0 || !reason) {
      problems.push({
        ruleId: INVALID_SUPPRESSION,
        start,
        end,
        message: ruleIds.length === 0
          ? 'This eos-ignore-next-line names no rule; write `// eos-ignore-next-line <rule-id> -- <reason>`.'
          : `This eos-ignore-next-line for ${ruleIds.join(', ')} gives no reason; a suppression must say why the hazard is acceptable: \`-- <reason>\`. It suppresses nothing until it does.`,
      });
      continue;
    }
    suppressions.push({ start, end, line: lineOf(text, start), ruleIds, reason });
  }
  return { suppressions, problems };
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Drops the findings of one file that a suppression on the line above silences, and reports
 * suppressions that silenced nothing. `knownRuleIds` catches typos in rule ids.
 */
export function applySuppressions(
  text: string,
  findings: Finding[],
  knownRuleIds: ReadonlySet<string>,
): { kept: Finding[]; problems: SuppressionProblem[] } {
  const { suppressions, problems } = parseSuppressions(text);
  if (suppressions.length === 0) return { kept: findings, problems };
  const used = new Set<string>();
  const kept = findings.filter((f) => {
    const s = suppressions.find((x) => x.line + 1 === f.line && x.ruleIds.includes(f.ruleId));
    if (!s) return true;
    used.add(`${s.start}:${f.ruleId}`);
    return false;
  });
  for (const s of suppressions) {
    for (const id of s.ruleIds) {
      if (!knownRuleIds.has(id)) {
        problems.push({ ruleId: INVALID_SUPPRESSION, start: s.start, end: s.end, message: `eos-ignore-next-line names an unknown rule \`${id}\`; \`eos rules\` lists the rule ids.` });
      } else if (!used.has(`${s.start}:${id}`)) {
        problems.push({ ruleId: UNUSED_SUPPRESSION, start: s.start, end: s.end, message: `This eos-ignore-next-line for \`${id}\` silences nothing on the next line; remove it so it cannot hide a future finding.` });
      }
    }
  }
  return { kept, problems };
}
