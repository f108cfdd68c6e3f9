import { CONNECTOR_CLASS, type ConfigEntry } from '../connect/config-file';
import { NO_SOURCE, type ConnectReport, type ConnectRule } from '../connect/connect-rule';
import { capturesEosOutbox, EOS_OUTBOX_COLUMNS } from '../connect/outbox-table';

const EVENT_ROUTER = 'io.debezium.transforms.outbox.EventRouter';

/**
 * The router settings that name a column, with Debezium's documented defaults (outbox event
 * router docs, "Configuration options") and the eos column that plays the part.
 */
const COLUMN_SETTINGS: ReadonlyArray<{ key: string; role: string; fallback?: string; eos?: string }> = [
  { key: 'table.field.event.id', role: 'event id', fallback: 'id', eos: 'id' },
  { key: 'table.field.event.key', role: 'event key (the Kafka record key, which keeps one aggregate\'s events in order)', fallback: 'aggregateid', eos: 'aggregate_id' },
  { key: 'table.field.event.payload', role: 'payload', fallback: 'payload', eos: 'payload' },
  { key: 'route.by.field', role: 'topic to route to', fallback: 'aggregatetype', eos: 'aggregate_type' },
  { key: 'table.field.event.timestamp', role: 'event timestamp' },
  { key: 'table.field.event.schema.version', role: 'schema version' },
];
const PLACEMENT = 'table.fields.additional.placement';

export const outboxRouterMismatch: ConnectRule = {
  meta: {
    id: 'outbox-router-mismatch',
    description: 'A Debezium outbox event router reads a column that the outbox table eos scaffolds does not have (its defaults `aggregateid` and `aggregatetype` are not eos\'s `aggregate_id` and `aggregate_type`), so the connector fails on the first event or, tolerating errors, drops every event.',
    defaultSeverity: 'error',
    fixable: 'none',
    requiresTypes: false,
    brokers: ['kafka'],
    consequence: 'message-lost',
  },
  messages: {
    column:
      'Debezium\'s outbox router (transform `{{transform}}`) reads the {{role}} from column `{{column}}`, which the outbox table eos scaffolds does not have. On the first event the transform throws, the connector task fails and no event is published until the config changes; with `errors.tolerance` `all` every event is skipped instead (message lost). Fix: {{fix}}.',
    defaultColumn:
      'Debezium\'s outbox router (transform `{{transform}}`) does not set `{{key}}`, so it reads the {{role}} from column `{{column}}` (Debezium\'s default), which the outbox table eos scaffolds does not have. On the first event the transform throws, the connector task fails and no event is published until the config changes; with `errors.tolerance` `all` every event is skipped instead (message lost). Fix: {{fix}}.',
  },
  triggers: NO_SOURCE,
  create: () => ({}),
  checkConfig(config) {
    if (!config.entries.has(CONNECTOR_CLASS)) return [];
    const out: ConnectReport[] = [];
    for (const [transform, typeEntry] of routers(config.entries)) {
      const prefix = `transforms.${transform}.`;
      const explicit = (key: string): ConfigEntry | undefined => config.entries.get(prefix + key);
      const values = [...COLUMN_SETTINGS.map((s) => explicit(s.key)?.value ?? ''), explicit(PLACEMENT)?.value ?? ''];
      if (!capturesEosOutbox(config, values)) continue;
      for (const s of COLUMN_SETTINGS) {
        const entry = explicit(s.key);
        const column = entry ? entry.value.trim() : s.fallback;
        if (column === undefined || column === '' || EOS_OUTBOX_COLUMNS.includes(column)) continue;
        const fix = s.eos ? `set \`${prefix}${s.key}\` to \`${s.eos}\`` : `name one of the table's columns (${EOS_OUTBOX_COLUMNS.join(', ')}) in \`${prefix}${s.key}\`, or remove it`;
        out.push(entry
          ? { entry, messageId: 'column', data: { transform, role: s.role, column, fix } }
          : { entry: typeEntry, atKey: true, messageId: 'defaultColumn', data: { transform, key: prefix + s.key, role: s.role, column, fix } });
      }
      const placement = explicit(PLACEMENT);
      if (placement) {
        for (const item of placement.value.split(',')) {
          const column = item.split(':')[0].trim();
          if (column === '' || EOS_OUTBOX_COLUMNS.includes(column)) continue;
          out.push({ entry: placement, messageId: 'column', data: { transform, role: `additional field \`${item.trim()}\``, column, fix: `name one of the table's columns (${EOS_OUTBOX_COLUMNS.join(', ')}) in \`${prefix}${PLACEMENT}\`` } });
        }
      }
    }
    return out;
  },
};

/** The transforms of type EventRouter: alias → its `transforms.<alias>.type` entry. */
function routers(entries: ReadonlyMap<string, ConfigEntry>): Map<string, ConfigEntry> {
  const out = new Map<string, ConfigEntry>();
  const listed = (entries.get('transforms')?.value ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  for (const alias of listed) {
    const type = entries.get(`transforms.${alias}.type`);
    if (type && type.value.trim() === EVENT_ROUTER) out.set(alias, type);
  }
  return out;
}
