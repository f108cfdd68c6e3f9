/*
 * A rule's message text: its template with `{{name}}` placeholders filled from the report's data.
 * Shared by the analyzer (code rules) and the connector-config audit, so both word findings alike.
 */

/** Fills `messages[messageId]`; an id the rule never declared is a bug in that rule, so it throws. */
export function renderMessage(ruleId: string, messages: Readonly<Record<string, string>>, messageId: string, data?: Readonly<Record<string, string>>): string {
  const template = messages[messageId];
  if (template === undefined) throw new Error(`rule ${ruleId} reported unknown messageId '${messageId}'`);
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) => data?.[k] ?? `{{${k}}}`);
}
