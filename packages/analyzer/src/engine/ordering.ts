import type { Finding } from '../types';

/** Stable order: file, then position, then rule id. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.start - b.start || a.ruleId.localeCompare(b.ruleId)));
}
