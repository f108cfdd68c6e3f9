import * as fs from 'node:fs';
import { internalError } from '../engine/internal-errors';
import type { Finding, InputError, InternalError, SeverityOrOff } from '../types';
import { renderMessage } from '../engine/messages';
import { lineColumnOf, spanOf } from '../engine/positions';
import { ConfigSyntaxError, parseConnectorConfig } from './config-file';
import type { ConnectRule } from './connect-rule';

/** Severity and options of a rule after configuration (the shape of engine/analyzer's RuleSetting). */
export interface Setting {
  severity: SeverityOrOff;
  options?: Record<string, unknown>;
}

/** What auditing connector config files found. */
export interface ConnectAudit {
  findings: Finding[];
  /** Connector configs that could not be read or parsed. */
  errors: InputError[];
  /** Failures of eos itself on a config (a rule threw). */
  internalErrors: InternalError[];
  /** The files that turned out to be connector configs. */
  configs: string[];
}

/**
 * Checks the candidate files (`*.json`, `*.properties`) that are Kafka Connect connector configs.
 * A file without `connector.class` is no connector config and is passed over without a word; one
 * that has it but does not parse is an input error naming the file and the place.
 */
export function auditConnectorFiles(files: readonly string[], rules: readonly ConnectRule[], settings: Readonly<Record<string, Setting>> = {}, maxFileSize = Infinity): ConnectAudit {
  const result: ConnectAudit = { findings: [], errors: [], internalErrors: [], configs: [] };
  const active = rules.filter((r) => (settings[r.meta.id]?.severity ?? r.meta.defaultSeverity) !== 'off');
  if (active.length === 0) return result;
  for (const file of files) {
    let text: string;
    try {
      // Large JSON files (data, lock files) are not connector configs; they are not read at all.
      if (fs.statSync(file).size > maxFileSize) continue;
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue; // a candidate that cannot be read was never known to be a connector config
    }
    const one = auditConnectorText(file, text, active, settings);
    result.findings.push(...one.findings);
    if (one.error) result.errors.push(one.error);
    if (one.internalError) result.internalErrors.push(one.internalError);
    if (one.isConfig) result.configs.push(file);
  }
  return result;
}

/** Checks one file's text; see auditConnectorFiles. */
export function auditConnectorText(file: string, text: string, rules: readonly ConnectRule[], settings: Readonly<Record<string, Setting>> = {}): { findings: Finding[]; isConfig: boolean; error?: InputError; internalError?: InternalError } {
  let config;
  try {
    config = parseConnectorConfig(file, text);
  } catch (e) {
    if (!(e instanceof ConfigSyntaxError)) throw e;
    const at = lineColumnOf(text, e.offset);
    return { findings: [], isConfig: true, error: { file, message: `names "connector.class" but is not valid JSON (${e.message} at line ${at.line}, column ${at.column}); Kafka Connect would reject it too; file skipped` } };
  }
  if (!config) return { findings: [], isConfig: false };
  const findings: Finding[] = [];
  for (const rule of rules) {
    const setting = settings[rule.meta.id];
    const severity = setting?.severity ?? rule.meta.defaultSeverity;
    if (severity === 'off') continue;
    try {
      for (const r of rule.checkConfig(config, setting?.options ?? {})) {
        const start = r.atKey ? r.entry.keyStart : r.entry.valueStart;
        const end = r.atKey ? r.entry.keyEnd : r.entry.valueEnd;
        findings.push({
          ruleId: rule.meta.id,
          severity,
          file,
          ...spanOf(start, end, (offset) => lineColumnOf(text, offset)),
          message: renderMessage(rule.meta.id, rule.messages, r.messageId, r.data),
          consequence: rule.meta.consequence,
        });
      }
    } catch (e) {
      return { findings, isConfig: true, internalError: internalError(file, e, rule.meta.id) };
    }
  }
  return { findings, isConfig: true };
}
