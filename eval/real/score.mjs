/**
 * The real-code evaluation's pure parts: reading and checking labels, and scoring findings against
 * them (see README.md in this folder for the protocol). No I/O beyond what the caller passes in.
 */

export const RULES = ['ack-before-process', 'missing-dedup', 'dual-write'];
export const SETS = ['tune', 'holdout'];

/** A finding matches a label when its line falls this many lines around the label's span. */
export const SLACK = 3;

const COMMIT = /^[0-9a-f]{40}$/;
const REPO = /^[A-Za-z0-9][A-Za-z0-9_.-]*\/[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Parses labels.jsonl. Rows that cannot be used are reported (with their line number, and their
 * set when it can be read, so holdout details can be withheld) and left out, as are the other rows
 * of a file whose labels contradict each other; the rest is returned.
 * @param {string} text
 * @returns {{ labels: object[], problems: { line: number, set: string | undefined, text: string }[] }}
 */
export function parseLabels(text) {
  const problems = [];
  const report = (line, set, message) => problems.push({ line, set: SETS.includes(set) ? set : undefined, text: `line ${line}: ${message}` });
  const rows = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let row;
    try {
      row = JSON.parse(raw);
    } catch (e) {
      report(i + 1, undefined, `not JSON (${e.message})`);
      return;
    }
    const problem = rowProblem(row);
    if (problem) report(i + 1, row?.set, problem);
    else rows.push({ ...row, source: i + 1 });
  });

  // Per file and rule: one or more findings, or exactly one clean row. A repository has one commit.
  const commits = new Map();
  for (const r of rows) {
    const seen = commits.get(r.repo);
    if (seen === undefined) commits.set(r.repo, r.commit);
    else if (seen !== r.commit) report(r.source, r.set, `${r.repo} is labelled at two commits (${seen.slice(0, 12)}, ${r.commit.slice(0, 12)})`);
  }
  const byFile = groupBy(rows, fileKey);
  const dropped = new Set();
  for (const [key, fileRows] of byFile) {
    const first = fileRows[0];
    if (new Set(fileRows.map((r) => r.set)).size > 1) {
      report(first.source, 'holdout', `${first.repo} ${first.path} is labelled in both sets`);
      dropped.add(key);
      continue;
    }
    for (const rule of RULES) {
      const ruleRows = fileRows.filter((r) => r.rule === rule);
      const clean = ruleRows.filter((r) => r.expect === 'clean').length;
      const findings = ruleRows.length - clean;
      if (ruleRows.length === 0) report(first.source, first.set, `${first.repo} ${first.path} has no ${rule} row`);
      else if (clean > 0 && (findings > 0 || clean > 1)) report(ruleRows[0].source, first.set, `${first.repo} ${first.path}: ${rule} needs findings or exactly one clean row, not ${findings} finding(s) and ${clean} clean`);
      else continue;
      dropped.add(key);
    }
  }
  return { labels: rows.filter((r) => !dropped.has(fileKey(r)) && commits.get(r.repo) === r.commit), problems };
}

function rowProblem(row) {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) return 'not an object';
  if (!SETS.includes(row.set)) return `set must be one of ${SETS.join(', ')}`;
  if (typeof row.repo !== 'string' || !REPO.test(row.repo)) return 'repo must be "owner/name"';
  if (typeof row.commit !== 'string' || !COMMIT.test(row.commit)) return 'commit must be 40 lowercase hex digits';
  if (typeof row.path !== 'string' || row.path === '' || row.path.startsWith('/') || row.path.split('/').includes('..')) return 'path must be relative to the repository root';
  if (!RULES.includes(row.rule)) return `rule must be one of ${RULES.join(', ')}`;
  if (row.expect === 'finding') {
    if (!Number.isInteger(row.line) || !Number.isInteger(row.endLine) || row.line < 1 || row.endLine < row.line) return 'a finding needs 1-based line <= endLine';
  } else if (row.expect === 'clean') {
    if (row.line !== null || row.endLine !== null) return 'a clean row has line and endLine null';
  } else return 'expect must be "finding" or "clean"';
  if (typeof row.note !== 'string' || row.note.trim() === '') return 'note is missing';
  return undefined;
}

/**
 * Scores one repository's findings against its labels.
 * @param {object[]} labels rows of one repository (any sets)
 * @param {{ ruleId: string, file: string, line: number, message?: string }[]} findings paths relative to the tree root
 * @returns {{ matched: object[], misses: object[], falsePositives: object[] }} matched: finding labels with the findings that hit them
 */
export function scoreRepository(labels, findings) {
  const labelled = new Map(); // path -> rows
  for (const l of labels) (labelled.get(l.path) ?? labelled.set(l.path, []).get(l.path)).push(l);
  const hits = new Map(); // label -> findings
  const falsePositives = [];
  for (const f of findings) {
    if (!RULES.includes(f.ruleId)) continue;
    const rows = labelled.get(f.file);
    if (!rows) continue;
    const targets = rows.filter((l) => l.rule === f.ruleId && l.expect === 'finding' && f.line >= l.line - SLACK && f.line <= l.endLine + SLACK);
    if (targets.length === 0) {
      falsePositives.push({ ...f, set: rows[0].set, repo: rows[0].repo, clean: rows.find((l) => l.rule === f.ruleId && l.expect === 'clean') });
      continue;
    }
    for (const t of targets) (hits.get(t) ?? hits.set(t, []).get(t)).push(f);
  }
  const expected = labels.filter((l) => l.expect === 'finding');
  return {
    matched: expected.filter((l) => hits.has(l)).map((label) => ({ label, findings: hits.get(label) })),
    misses: expected.filter((l) => !hits.has(l)),
    falsePositives,
  };
}

/**
 * Per rule and for the three together: true positives, false positives, misses, precision, recall.
 * Precision is null when nothing was reported, recall when nothing was expected.
 */
export function figures(scores) {
  const row = (rule) => {
    const keep = (x) => rule === undefined || x === rule;
    const tp = scores.matched.filter((m) => keep(m.label.rule)).length;
    const fp = scores.falsePositives.filter((f) => keep(f.ruleId)).length;
    const fn = scores.misses.filter((l) => keep(l.rule)).length;
    return { tp, fp, fn, precision: tp + fp === 0 ? null : tp / (tp + fp), recall: tp + fn === 0 ? null : tp / (tp + fn) };
  };
  return { rules: Object.fromEntries(RULES.map((r) => [r, row(r)])), all: row(undefined) };
}

/** Concatenates the scores of several repositories. */
export function mergeScores(list) {
  return {
    matched: list.flatMap((s) => s.matched),
    misses: list.flatMap((s) => s.misses),
    falsePositives: list.flatMap((s) => s.falsePositives),
  };
}

export function fileKey(row) {
  return `${row.repo}\u0000${row.path}`;
}

export function groupBy(items, key) {
  const map = new Map();
  for (const item of items) {
    const k = key(item);
    (map.get(k) ?? map.set(k, []).get(k)).push(item);
  }
  return map;
}
