import { auditConnectorFiles, auditConnectorText, type ConnectAudit, type Setting } from '../connect/audit';
import type { ConnectRule } from '../connect/connect-rule';
import { connectSinkNotIdempotent } from '../rules/connect-sink-not-idempotent';
import { outboxRouterMismatch } from '../rules/outbox-router-mismatch';

/**
 * The Kafka Connect part of a run. The two connect rules are required here one by one, not
 * through the rules registry, which loads every rule and with them the TypeScript compiler.
 */
export const CONNECT_RULES: readonly ConnectRule[] = [connectSinkNotIdempotent, outboxRouterMismatch];

/** The connect rules among `rules` (all of them when a run names no rules). */
function connectRulesAmong(rules: readonly object[] | undefined): readonly ConnectRule[] {
  if (!rules) return CONNECT_RULES;
  return rules.filter((r): r is ConnectRule => typeof (r as Partial<ConnectRule>).checkConfig === 'function');
}

/**
 * Checks the connector-config candidates of a run: those the walk found (a shard's share) and
 * those named on the command line, where a named file that is no connector config is an input
 * error.
 */
export function auditConnectorCandidates(candidates: readonly string[], named: readonly string[], settings: Readonly<Record<string, Setting>> | undefined, maxFileSize: number, rules: readonly object[] | undefined): ConnectAudit {
  const result = auditConnectorFiles(candidates, connectRulesAmong(rules), settings, maxFileSize);
  for (const file of named) {
    if (!candidates.includes(file) || result.configs.includes(file) || result.errors.some((e) => e.file === file)) continue;
    result.errors.push({ file, message: 'not a JavaScript or TypeScript source file, nor a Kafka Connect connector config (no "connector.class", or over the size limit); skipped' });
  }
  return result;
}

/** One file's text checked by the connect rules, as `eos audit` checks a connector config. */
export function auditConnectorConfigText(file: string, text: string, settings?: Readonly<Record<string, Setting>>): ReturnType<typeof auditConnectorText> {
  return auditConnectorText(file, text, CONNECT_RULES, settings);
}
