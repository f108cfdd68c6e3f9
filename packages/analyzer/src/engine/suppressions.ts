import type { Finding } from '../types';

/**
 * `// eos-ignore-next-line <rule-id>[, <rule-id>] -- <reason>`, matched against the text of one
 * `//` comment, which must begin with the directive (as ESLint's directive comments must).
 */
const SUPPRESSION = /^\/\/\s*eos-ignore-next-line\b(.*)$/s;

/**
 * A `//` comment that may hold a suppression, as the scanner delimits it (see
 * suppression-comments.ts): text inside a string, a template literal or a regular expression is
 * never a comment, however much it looks like one.
 */
export interface CommentSpan {
  /** 0-based offsets of the comment, from its `//` to the end of its line. */
  pos: number;
  end: number;
  /** 1-based line of the comment, counted as findings' lines are (CR, LF, CRLF, U+2028, U+2029). */
  line: number;
}

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

/** Reads the suppressions of a file from its `//` comments (`comments`, see suppression-comments.ts). */
export function parseSuppressions(text: string, comments: readonly CommentSpan[]): { suppressions: Suppression[]; problems: SuppressionProblem[] } {
  const suppressions: Suppression[] = [];
  const problems: SuppressionProblem[] = [];
  for (const comment of comments) {
    const m = SUPPRESSION.exec(text.slice(comment.pos, comment.end));
    if (!m) continue;
    const { pos: start, end } = comment;
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
    suppressions.push({ start, end, line: comment.line, ruleIds, reason });
  }
  return { suppressions, problems };
}

/**
 * Drops the findings of one file that a suppression on the line above silences, and reports
 * suppressions that silenced nothing. `knownRuleIds` catches typos in rule ids.
 */
export function applySuppressions(
  text: string,
  findings: Finding[],
  knownRuleIds: ReadonlySet<string>,
  comments: readonly CommentSpan[],
): { kept: Finding[]; problems: SuppressionProblem[] } {
  const { suppressions, problems } = parseSuppressions(text, comments);
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
