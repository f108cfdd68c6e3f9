/** SQL dialects the templates write for. */
export type SqlDialect = 'postgres' | 'mysql' | 'sqlite';

const QUOTE: Record<SqlDialect, string> = { postgres: '"', sqlite: '"', mysql: '`' };

/**
 * Quotes an identifier for a dialect: PostgreSQL and SQLite use "x", MySQL/MariaDB use `x`; an
 * embedded quote character is doubled, which is each dialect's own escape. Answers are validated
 * before they get here; quoting keeps reserved words (order, user) working.
 */
export function quoteSqlIdentifier(name: string, dialect: SqlDialect): string {
  if (name.includes('\0')) throw new Error('a SQL identifier cannot contain NUL');
  const q = QUOTE[dialect];
  return q + name.split(q).join(q + q) + q;
}

export function isSqlDialect(v: unknown): v is SqlDialect {
  return v === 'postgres' || v === 'mysql' || v === 'sqlite';
}

/** A single-quoted JavaScript string literal holding `value`. */
export function jsStringLiteral(value: string): string {
  const body = value.replace(/[\\'\n\r\u2028\u2029]/g, (c) =>
    c === '\\' ? '\\\\' : c === "'" ? "\\'" : c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16)}`,
  );
  return `'${body}'`;
}

const words = (s: string): string[] => s.split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/).filter(Boolean);

export const pascalCase = (s: string): string => words(s).map((w) => w[0].toUpperCase() + w.slice(1).toLowerCase()).join('');
export const camelCase = (s: string): string => {
  const p = pascalCase(s);
  return p.length > 0 ? p[0].toLowerCase() + p.slice(1) : p;
};
export const constantCase = (s: string): string => words(s).map((w) => w.toUpperCase()).join('_');
