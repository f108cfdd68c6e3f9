/**
 * Kafka Connect connector configs as files: the REST form `{"name": …, "config": {…}}`, a flat
 * JSON object (the body of `PUT /connectors/<name>/config`), or a Java `.properties` file (what
 * `connect-standalone` reads). Every entry keeps the offsets of its key and value, so findings
 * can point at the line and column of the setting. Light on purpose: no TypeScript compiler here.
 */

/** One `key = value` of a connector config. */
export interface ConfigEntry {
  key: string;
  /** The value as Kafka Connect sees it (JSON numbers and booleans as their text). */
  value: string;
  /** Offsets of the key in the file text (for JSON, inside the quotes' extent). */
  keyStart: number;
  keyEnd: number;
  /** Offsets of the value in the file text. */
  valueStart: number;
  valueEnd: number;
}

/** A parsed connector config. */
export interface ConnectorConfig {
  file: string;
  text: string;
  /** The connector's `name`, when the file gives one. */
  name?: string;
  /** Entries by key; for a repeated key the last one wins, as in Kafka Connect. */
  entries: Map<string, ConfigEntry>;
}

/** The key that makes a config a connector config. */
export const CONNECTOR_CLASS = 'connector.class';

/** The file is not a connector config it claims to be: bad JSON or a bad `.properties` line. */
export class ConfigSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
    this.name = 'ConfigSyntaxError';
  }
}

/** Names of JSON files that are never connector configs, so they are not even read. */
const NEVER_CONNECTOR = /^(package(-lock)?\.json|npm-shrinkwrap\.json|tsconfig(\..*)?\.json|jsconfig\.json|composer\.(json|lock)|\.?eslintrc\.json|\.prettierrc\.json|eos\.config\.json|lerna\.json|nx\.json|turbo\.json|angular\.json|vercel\.json|renovate\.json|\.babelrc\.json|.*\.schema\.json|.*\.map)$/i;

/** Whether a file name may hold a connector config (`*.json`, `*.properties`), judged by its name only. */
export function mayBeConnectorConfig(fileName: string): boolean {
  const base = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
  const lower = base.toLowerCase();
  if (!lower.endsWith('.json') && !lower.endsWith('.properties')) return false;
  return !NEVER_CONNECTOR.test(base);
}

/**
 * Parses a connector config file. Returns undefined when the text is not a connector config
 * (no `connector.class` where Kafka Connect looks for it); throws ConfigSyntaxError when a file
 * that names `connector.class` cannot be parsed.
 */
export function parseConnectorConfig(file: string, text: string): ConnectorConfig | undefined {
  // The cheap test first: most JSON files of a project are not connector configs.
  if (!text.includes(CONNECTOR_CLASS)) return undefined;
  if (file.toLowerCase().endsWith('.properties')) {
    const entries = parseProperties(text);
    return entries.has(CONNECTOR_CLASS) ? { file, text, name: entries.get('name')?.value, entries } : undefined;
  }
  const root = new JsonReader(text).document();
  if (root.kind !== 'object') return undefined;
  const nested = root.members.get('config');
  if (nested?.node.kind === 'object' && nested.node.members.has(CONNECTOR_CLASS)) {
    const name = root.members.get('name')?.node;
    return { file, text, name: name?.kind === 'scalar' ? name.value : undefined, entries: entriesOf(nested.node) };
  }
  if (!root.members.has(CONNECTOR_CLASS)) return undefined;
  const name = root.members.get('name')?.node;
  return { file, text, name: name?.kind === 'scalar' ? name.value : undefined, entries: entriesOf(root) };
}

function entriesOf(obj: JsonObject): Map<string, ConfigEntry> {
  const out = new Map<string, ConfigEntry>();
  for (const [key, m] of obj.members) {
    // Kafka Connect config values are strings; nested objects or arrays are not config values.
    if (m.node.kind !== 'scalar') continue;
    out.set(key, { key, value: m.node.value, keyStart: m.keyStart, keyEnd: m.keyEnd, valueStart: m.node.start, valueEnd: m.node.end });
  }
  return out;
}

type JsonNode = JsonObject | { kind: 'scalar'; value: string; start: number; end: number } | { kind: 'array'; start: number; end: number };
interface JsonObject {
  kind: 'object';
  start: number;
  end: number;
  members: Map<string, { keyStart: number; keyEnd: number; node: JsonNode }>;
}

/** A strict JSON reader (RFC 8259) that keeps offsets; only what a connector config needs. */
class JsonReader {
  private pos = 0;
  constructor(private readonly text: string) {}

  document(): JsonNode {
    // A UTF-8 byte order mark is tolerated, as most JSON tools do.
    if (this.text.charCodeAt(0) === 0xfeff) this.pos = 1;
    const node = this.value();
    this.space();
    if (this.pos < this.text.length) this.fail('unexpected text after the JSON value');
    return node;
  }

  private fail(message: string): never {
    throw new ConfigSyntaxError(message, this.pos);
  }

  private space(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos])) this.pos++;
  }

  private value(): JsonNode {
    this.space();
    const c = this.text[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') {
      const start = this.pos;
      const value = this.string();
      return { kind: 'scalar', value, start, end: this.pos };
    }
    const m = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(this.text.slice(this.pos, this.pos + 64));
    if (!m) this.fail(c === undefined ? 'unexpected end of the file' : `unexpected character ${JSON.stringify(c)}`);
    const start = this.pos;
    this.pos += m[0].length;
    return { kind: 'scalar', value: m[0], start, end: this.pos };
  }

  private object(): JsonObject {
    const start = this.pos++;
    const members: JsonObject['members'] = new Map();
    this.space();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { kind: 'object', start, end: this.pos, members };
    }
    for (;;) {
      this.space();
      if (this.text[this.pos] !== '"') this.fail('expected a property name in double quotes');
      const keyStart = this.pos;
      const key = this.string();
      const keyEnd = this.pos;
      this.space();
      if (this.text[this.pos] !== ':') this.fail(`expected ':' after the property name "${key}"`);
      this.pos++;
      members.set(key, { keyStart, keyEnd, node: this.value() });
      this.space();
      const c = this.text[this.pos++];
      if (c === '}') return { kind: 'object', start, end: this.pos, members };
      if (c !== ',') {
        this.pos--;
        this.fail("expected ',' or '}' after a property");
      }
    }
  }

  private array(): JsonNode {
    const start = this.pos++;
    this.space();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { kind: 'array', start, end: this.pos };
    }
    for (;;) {
      this.value();
      this.space();
      const c = this.text[this.pos++];
      if (c === ']') return { kind: 'array', start, end: this.pos };
      if (c !== ',') {
        this.pos--;
        this.fail("expected ',' or ']' in an array");
      }
    }
  }

  private string(): string {
    this.pos++; // opening quote
    let out = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined || c === '\n') this.fail('unterminated string');
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === '\\') {
        const e = this.text[this.pos + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && e in simple) {
          out += simple[e];
          this.pos += 2;
          continue;
        }
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) {
          out += String.fromCharCode(parseInt(this.text.slice(this.pos + 2, this.pos + 6), 16));
          this.pos += 6;
          continue;
        }
        this.fail('invalid escape in a string');
      }
      if (c < ' ') this.fail('control character in a string');
      out += c;
      this.pos++;
    }
  }
}

/**
 * Java `.properties` (java.util.Properties#load): `key=value`, `key: value` or `key value`;
 * `#` and `!` comments; a line ending in an odd number of backslashes continues on the next.
 */
function parseProperties(text: string): Map<string, ConfigEntry> {
  const out = new Map<string, ConfigEntry>();
  const lines: Array<{ start: number; text: string }> = [];
  let offset = 0;
  for (const raw of text.split('\n')) {
    lines.push({ start: offset, text: raw.endsWith('\r') ? raw.slice(0, -1) : raw });
    offset += raw.length + 1;
  }
  for (let i = 0; i < lines.length; i++) {
    const { start, text: line } = lines[i];
    const lead = /^[ \t\f]*/.exec(line)![0].length;
    if (lead === line.length || line[lead] === '#' || line[lead] === '!') continue;
    // Join continuation lines; the value's offsets cover the first physical line's part.
    let logical = line;
    let last = i;
    while (/(^|[^\\])(\\\\)*\\$/.test(logical) && last + 1 < lines.length) {
      last++;
      logical = logical.slice(0, -1) + lines[last].text.replace(/^[ \t\f]*/, '');
    }
    i = last;
    let k = lead;
    let key = '';
    while (k < logical.length && !'=: \t\f'.includes(logical[k])) {
      if (logical[k] === '\\' && k + 1 < logical.length) {
        key += unescapeChar(logical[k + 1]);
        k += 2;
      } else key += logical[k++];
    }
    const keyEnd = k;
    while (k < logical.length && ' \t\f'.includes(logical[k])) k++;
    if (logical[k] === '=' || logical[k] === ':') k++;
    while (k < logical.length && ' \t\f'.includes(logical[k])) k++;
    const value = logical.slice(k).replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => (e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : unescapeChar(e)));
    // Offsets on the first physical line (a value continued on later lines is shown from its start).
    const valueStart = start + Math.min(k, line.length);
    out.set(key, { key, value, keyStart: start + lead, keyEnd: start + Math.min(keyEnd, line.length), valueStart, valueEnd: Math.max(valueStart, start + line.length) });
  }
  return out;
}

function unescapeChar(c: string): string {
  return c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c === 'f' ? '\f' : c;
}
