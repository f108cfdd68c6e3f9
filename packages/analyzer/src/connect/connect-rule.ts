import type { Rule } from '../engine/rule';
import type { ConfigEntry, ConnectorConfig } from './config-file';

/**
 * A rule about Kafka Connect connector configs. It is a Rule like the others (listed by
 * `eos rules`, explained by `eos explain`, configured in eos.config.json, described in SARIF), but
 * it reads config files, not source code: its source-file trigger never matches, and the audit
 * hands it each connector config through `checkConfig`.
 */
export interface ConnectRule extends Rule {
  checkConfig(config: ConnectorConfig, options: Readonly<Record<string, unknown>>): ConnectReport[];
}

/** One finding of a connect rule: where (an entry's value, or its key) and which message. */
export interface ConnectReport {
  entry: ConfigEntry;
  /** Point at the key instead of the value (for a setting whose default is the problem, the entry that enables the feature). */
  atKey?: boolean;
  messageId: string;
  data?: Record<string, string>;
}

/**
 * A source-file pre-filter that matches no source file (it asks for NUL characters, which a file
 * eos reads as source never holds): connect rules never look at source code. A plain literal, not
 * an empty lookahead `(?!)`: in the union of all rules' triggers that one defeats the regexp
 * engine's literal scan and makes the pre-filter quadratic on long runs of blanks.
 */
export const NO_SOURCE = /\u0000eos:connector-configs-only\u0000/;

/** The value of `key` as Kafka Connect reads it (surrounding blanks do not count), or undefined. */
export function settingOf(config: ConnectorConfig, key: string): string | undefined {
  const e = config.entries.get(key);
  return e === undefined ? undefined : e.value.trim();
}
