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

/**
 * What each broker accepts as the name of the thing a consumer reads (its queue, topic,
 * subscription or stream), per its documentation, within characters that are plain in generated
 * code, SQL values and Redis keys (no quotes, backslashes, spaces, ':' or '$'). Dotted names are
 * the norm on Kafka, RabbitMQ and Pub/Sub; SQS allows a dot only in the `.fifo` suffix, and a
 * NATS stream name never has one (it is also a subject token and a folder name).
 */
interface EntityNameRule {
  broker: string;
  what: string;
  /** The documented limit on the name's length. */
  maxLength: number;
  minLength: number;
  pattern: RegExp;
  /** The allowed characters, in words, for the error message. */
  allowed: string;
  /** A further refusal (reserved names), or undefined. */
  reserved?(name: string): string | undefined;
}

const ENTITY_NAME_RULES: Record<string, EntityNameRule> = {
  // Kafka's own check (Topic.validate): [a-zA-Z0-9._-], at most 249, not '.' or '..'.
  kafka: {
    broker: 'Kafka',
    what: 'topic',
    maxLength: 249,
    minLength: 1,
    pattern: /^[A-Za-z0-9._-]+$/,
    allowed: "letters, digits, '.', '_' and '-'",
    reserved: (n) => (n === '.' || n === '..' ? "'.' and '..' cannot name a topic" : undefined),
  },
  // CreateQueue: up to 80 characters, alphanumerics, '-' and '_'; a FIFO queue's name ends in .fifo.
  sqs: {
    broker: 'SQS',
    what: 'queue',
    maxLength: 80,
    minLength: 1,
    pattern: /^[A-Za-z0-9_-]+(\.fifo)?$/,
    allowed: "letters, digits, '_' and '-', and a FIFO queue's .fifo suffix",
  },
  // Up to 255 bytes; the generated consumer also declares `<name>.dead`, so 250. amq. is reserved (403).
  rabbitmq: {
    broker: 'RabbitMQ',
    what: 'queue',
    maxLength: 250,
    minLength: 1,
    pattern: /^[A-Za-z0-9._-]+$/,
    allowed: "letters, digits, '.', '_' and '-'",
    reserved: (n) => (n.startsWith('amq.') ? 'names starting with amq. are reserved by RabbitMQ' : undefined),
  },
  // Resource names: a letter first, then [A-Za-z0-9-_.~+%], 3 to 255 characters, not starting with goog.
  pubsub: {
    broker: 'Pub/Sub',
    what: 'subscription',
    maxLength: 255,
    minLength: 3,
    pattern: /^[A-Za-z][A-Za-z0-9._~+%-]*$/,
    allowed: "a letter first, then letters, digits, '-', '_', '.', '~', '+' or '%'",
    reserved: (n) => (n.startsWith('goog') ? 'names starting with goog are reserved by Google' : undefined),
  },
  // Stream and durable names: no spaces, '.', '*', '>' or path separators (alphanumerics advised).
  nats: {
    broker: 'NATS',
    what: 'stream',
    maxLength: 255,
    minLength: 1,
    pattern: /^[A-Za-z0-9_-]+$/,
    allowed: "letters, digits, '_' and '-' (no '.', '*', '>', spaces or slashes: a stream name is a subject token and a folder name; the stream's subjects may be dotted)",
  },
};

/**
 * Why `name` cannot name what a consumer reads on `broker` (queue, topic, subscription, stream),
 * or undefined when it can. `maxLength` lowers the broker's own limit (the template's columns).
 * An unknown broker (not answered yet) accepts a name some broker accepts.
 */
export function entityNameProblem(name: string, broker: unknown, maxLength = Infinity): string | undefined {
  const rule = typeof broker === 'string' ? ENTITY_NAME_RULES[broker] : undefined;
  if (!rule) {
    const somewhere = Object.keys(ENTITY_NAME_RULES).some((b) => entityNameProblem(name, b, maxLength) === undefined);
    return somewhere ? undefined : "not a valid name on any broker (letters, digits, '.', '_' and '-')";
  }
  const max = Math.min(rule.maxLength, maxLength);
  const problem =
    name.length > max
      ? `at most ${max} characters`
      : name.length < rule.minLength
        ? `${rule.minLength} to ${max} characters`
        : !rule.pattern.test(name)
        ? rule.allowed
        : rule.reserved?.(name);
  return problem === undefined ? undefined : `not a valid ${rule.broker} ${rule.what} name: ${problem}`;
}
