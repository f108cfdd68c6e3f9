/**
 * A light reading of SQL text: enough to tell a write from a read, a transaction boundary, an
 * upsert from a plain insert, and a counter from a set-to-value update. Not a parser: it looks at
 * the leading verb and a few clauses, which is what the rules need.
 */

export type SqlVerb = 'insert' | 'update' | 'delete' | 'upsert' | 'select' | 'begin' | 'commit' | 'rollback' | 'other';

/** Read-only: `readSql` hands the same reading to every reader of the same text. */
export interface SqlStatement {
  readonly verb: SqlVerb;
  /** Target (or source, for SELECT) table without schema and quotes, lower-cased. */
  readonly table?: string;
  /** How an INSERT treats an existing key: ON CONFLICT DO NOTHING / INSERT IGNORE, or DO UPDATE / ON DUPLICATE KEY UPDATE / REPLACE. */
  readonly onConflict?: 'nothing' | 'update';
  /** `SET n = n + 1` (or `- 1`): repeating it changes the result. */
  readonly counter: boolean;
  /** Whether running it twice leaves the same state as running it once. */
  readonly idempotent: boolean;
}

const TABLE = String.raw`((?:[\w$]+|"[^"]+"|\x60[^\x60]+\x60|\[[^\]]+\])(?:\s*\.\s*(?:[\w$]+|"[^"]+"|\x60[^\x60]+\x60|\[[^\]]+\]))*)`;
const INSERT = new RegExp(String.raw`^(insert|replace)\s+(?:(?:or\s+(ignore|replace)|ignore|low_priority|delayed|high_priority)\s+)*into\s+${TABLE}`, 'i');
const UPDATE = new RegExp(String.raw`^update\s+(?:only\s+)?${TABLE}`, 'i');
const DELETE = new RegExp(String.raw`^delete\s+(?:\w+\s+)?from\s+(?:only\s+)?${TABLE}`, 'i');
const MERGE = new RegExp(String.raw`^merge\s+into\s+${TABLE}`, 'i');
const SELECT_FROM = new RegExp(String.raw`\bfrom\s+${TABLE}`, 'i');
/** `col = col + …`, `col = t.col - …`, `col = coalesce(col, 0) + …` */
const COUNTER = /\b("?[\w$]+"?)\s*=\s*(?:coalesce\s*\(\s*)?(?:[\w$"]+\.)?\1\s*(?:,\s*\d+\s*\)\s*)?[+-]/i;

function cleanTable(raw: string): string {
  const last = raw.split('.').pop() ?? raw;
  return last.replace(/["`[\]\s]/g, '').toLowerCase();
}

function stripComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
}

/**
 * Readings by text: the same statement is read by several fact modules (writes, transactions,
 * dedup guards) and recurs across files. A reading is never modified, so it can be shared. Bounded,
 * as a long editor session sees one text after another.
 */
const readings = new Map<string, SqlStatement>();
const MAX_READINGS = 10_000;

/** Classifies one SQL text by its first statement (or the data-modifying part of a CTE). */
export function readSql(text: string): SqlStatement {
  let reading = readings.get(text);
  if (reading) return reading;
  reading = read(text);
  if (readings.size >= MAX_READINGS) readings.clear();
  readings.set(text, reading);
  return reading;
}

function read(text: string): SqlStatement {
  let sql = stripComments(text).trim().replace(/^\(+\s*/, '');
  // WITH x AS (INSERT …) — the write inside the CTE is what counts.
  if (/^with\b/i.test(sql)) {
    const inner = /\b(insert\s+into|update\s+[\w$"]+\s+set|delete\s+from)\b[\s\S]*/i.exec(sql);
    if (inner) sql = inner[0];
  }
  const counter = COUNTER.test(sql);
  if (/^(begin|start\s+transaction)\b/i.test(sql)) return { verb: 'begin', counter: false, idempotent: true };
  if (/^(commit|end)\b/i.test(sql)) return { verb: 'commit', counter: false, idempotent: true };
  if (/^rollback\b(?!\s+to\b)/i.test(sql)) return { verb: 'rollback', counter: false, idempotent: true };
  let m = INSERT.exec(sql);
  if (m) {
    const onConflict = /\bon\s+conflict\b[\s\S]*?\bdo\s+nothing\b/i.test(sql) || /^insert\s+(?:or\s+)?ignore\b/i.test(sql)
      ? 'nothing'
      : /\bon\s+conflict\b[\s\S]*?\bdo\s+update\b/i.test(sql) || /\bon\s+duplicate\s+key\s+update\b/i.test(sql) || /^(replace|insert\s+or\s+replace)\b/i.test(sql)
        ? 'update'
        : undefined;
    return { verb: onConflict === 'update' ? 'upsert' : 'insert', table: cleanTable(m[3]), onConflict, counter, idempotent: onConflict !== undefined && !counter };
  }
  if ((m = MERGE.exec(sql))) return { verb: 'upsert', table: cleanTable(m[1]), onConflict: 'update', counter, idempotent: !counter };
  if ((m = UPDATE.exec(sql))) return { verb: 'update', table: cleanTable(m[1]), counter, idempotent: !counter };
  if ((m = DELETE.exec(sql))) return { verb: 'delete', table: cleanTable(m[1]), counter: false, idempotent: true };
  if (/^(select|show|explain|values)\b/i.test(sql)) {
    const from = SELECT_FROM.exec(sql);
    return { verb: 'select', table: from ? cleanTable(from[1]) : undefined, counter: false, idempotent: true };
  }
  return { verb: 'other', counter, idempotent: !counter };
}

/** Whether a verb changes data. */
export function isWriteVerb(verb: SqlVerb): boolean {
  return verb === 'insert' || verb === 'update' || verb === 'delete' || verb === 'upsert';
}

/** Whether a text looks like SQL at all (so `client.query(someText)` is not mistaken for one). */
export function looksLikeSql(text: string): boolean {
  return /^\s*(\(\s*)?(select|insert|update|delete|replace|merge|with|begin|start\s+transaction|commit|end|rollback|show|explain|values)\b/i.test(stripComments(text));
}
