import { ts } from 'ts-morph';
import { createRule, type Rule } from '../engine/rule';
import { BROKER_LABEL, brokerPhrase, brokersImported } from '../facts/broker-libraries';
import { consumerRunning, isDedupKey, keyText, redisOpsOf } from '../facts/dedup-keys';
import type { ConsumerHandler } from '../facts/model';
import { DurationFolder, formatMs } from '../facts/durations';
import { INBOX_NAME } from '../facts/effects';
import { unwrap } from '../facts/origins';
import { redeliveryHorizonsOf, type Horizon } from '../facts/redelivery-horizon';
import type { Broker, Fix } from '../types';
import { calleeName, propertyValue, receiverOf } from '../facts/syntax';
import { replace } from '../fix/edits';

/** How long a dedup record lives, and where that is written. */
interface DedupWindow {
  ms: number;
  /** The node reported: the TTL argument or the retention clause. */
  node: ts.Node;
  /** The expression whose number sets the window, for the suggested replacement. */
  source?: ts.Node;
  /** Milliseconds per unit of `source` (1000 for seconds). */
  unitMs: number;
  what: string;
}

const SQL_INTERVAL_UNITS: Readonly<Record<string, number>> = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 604_800_000 };

/** `DELETE FROM processed_messages WHERE processed_at < now() - interval '1 hour'` (Postgres and MySQL spellings). */
function sqlRetention(text: string): number | undefined {
  if (!/delete\s+from/i.test(text)) return undefined;
  const table = /delete\s+from\s+["`]?([\w.]+)/i.exec(text)?.[1];
  if (!table || !INBOX_NAME.test(table) || /outbox/i.test(table)) return undefined;
  const m = /interval\s+'?\s*(\d+)\s*(second|minute|hour|day|week)s?\s*'?/i.exec(text);
  return m ? Number(m[1]) * SQL_INTERVAL_UNITS[m[2].toLowerCase()] : undefined;
}

function windowsOf(facts: Parameters<Rule['create']>[0]['facts'], project: Parameters<Rule['create']>[0]['project']): DedupWindow[] {
  const out: DedupWindow[] = [];
  const folder = new DurationFolder(facts, project);
  const ops = redisOpsOf(facts, project);
  const dedupTexts = new Set(ops.filter(isDedupKey).map((o) => keyText(o.key)));
  for (const op of ops) {
    if (!op.ttlMs || !op.ttlNode) continue;
    if (!isDedupKey(op) && !dedupTexts.has(keyText(op.key))) continue;
    const raw = folder.number(op.ttlNode);
    out.push({ ms: op.ttlMs.value, node: op.ttlNode, source: op.ttlMs.source, unitMs: raw && raw.value !== 0 ? op.ttlMs.value / raw.value : 1000, what: `the Redis dedup key (\`${op.method}\`)` });
  }
  for (const call of facts.calls) {
    const method = calleeName(call);
    const first = call.arguments[0] && unwrap(call.arguments[0]);
    if (first && ts.isStringLiteralLike(first) && (method === 'query' || method === 'execute' || method === 'run' || method === 'exec' || method === 'raw')) {
      const ms = sqlRetention(first.text);
      if (ms !== undefined) out.push({ ms, node: first, unitMs: 1000, what: 'the dedup table retention' });
    }
    // MongoDB TTL index on an inbox collection: createIndex({ at: 1 }, { expireAfterSeconds: n })
    if (method === 'createIndex' && call.arguments[1] && ts.isObjectLiteralExpression(unwrap(call.arguments[1]))) {
      const receiver = receiverOf(call);
      const expire = propertyValue(unwrap(call.arguments[1]) as ts.ObjectLiteralExpression, 'expireAfterSeconds');
      const v = folder.number(expire);
      if (receiver && INBOX_NAME.test(receiver.getText()) && v && expire) out.push({ ms: v.value * 1000, node: expire, source: v.source, unitMs: 1000, what: 'the dedup collection TTL index' });
    }
  }
  return out;
}

/** The longest horizon that applies to a window of a consumer of `broker` (or to any, when unknown). */
function horizonFor(horizons: Horizon[], broker: Broker | undefined, source: string | undefined): Horizon | undefined {
  const relevant = horizons.filter((h) => (!broker || !h.broker || h.broker === broker) && (!source || !h.source || h.source === source));
  return relevant.reduce<Horizon | undefined>((a, b) => (!a || b.ms > a.ms ? b : a), undefined);
}

/** The queue a consumer reads: its recorded source, or the literal name of `new Worker('name', …)`. */
function sourceOf(consumer: ConsumerHandler): string | undefined {
  if (consumer.source) return consumer.source;
  const reg = consumer.registration;
  const first = (ts.isNewExpression(reg) || ts.isCallExpression(reg)) ? reg.arguments?.[0] : undefined;
  return first && ts.isStringLiteralLike(first) ? first.text : undefined;
}

function suggestion(window: DedupWindow, targetMs: number): Fix[] | undefined {
  const source = window.source;
  if (!source || source.getSourceFile() !== window.node.getSourceFile()) return undefined;
  const e = source as ts.Expression;
  if (!ts.isNumericLiteral(e) && !ts.isBinaryExpression(e) && !ts.isStringLiteralLike(e)) return undefined;
  const value = Math.ceil(targetMs / window.unitMs);
  const text = ts.isStringLiteralLike(e) ? JSON.stringify(String(value)) : String(value);
  return [{ description: `Keep the dedup record ${formatMs(targetMs)} (twice the redelivery horizon)`, safety: 'unsafe', edits: [replace(source, text)] }];
}

export const dedupWindowTooShort = createRule({
  meta: {
    id: 'dedup-window-too-short',
    description: 'A dedup record (Redis TTL, table retention, TTL index) must outlive every redelivery of the message: visibility timeout × receives, ack_wait × max_deliver, retry schedules, retention.',
    defaultSeverity: 'warning',
    fixable: 'none',
    requiresTypes: false,
    brokers: ['sqs', 'nats', 'pubsub', 'bullmq', 'rabbitmq', 'kafka'],
    consequence: 'effect-doubled',
  },
  messages: {
    tooShort:
      '{{broker}}: {{what}} lasts {{window}}, but this message can be redelivered for up to {{horizon}} ({{why}}); a redelivery after the record expired finds no trace of the first run and does the work again (effect doubled). Fix: keep the dedup record longer than the whole redelivery horizon, e.g. {{suggested}}.',
  },
  triggers: /VisibilityTimeout|visibilityTimeout|ack_wait|ackWait|attempts|createSubscription|messageRetentionDuration|retr(y|ies)|backoff/i,
  create(context) {
    return {
      end() {
        const { facts, project } = context;
        const horizons = redeliveryHorizonsOf(facts, project);
        if (horizons.length === 0) return;
        const imported = brokersImported(facts);
        for (const window of windowsOf(facts, project)) {
          const consumer = consumerRunning(window.node, facts, project);
          const horizon = horizonFor(horizons, consumer?.broker, consumer && sourceOf(consumer));
          if (!horizon || window.ms >= horizon.ms) continue;
          const broker = horizon.broker ?? consumer?.broker;
          const target = horizon.ms * 2;
          context.report({
            node: window.node,
            messageId: 'tooShort',
            data: {
              broker: broker ? BROKER_LABEL[broker] : brokerPhrase(imported),
              what: window.what,
              window: formatMs(window.ms),
              horizon: formatMs(horizon.ms),
              why: horizon.why,
              suggested: formatMs(target),
            },
            suggestions: suggestion(window, target),
            related: [{ node: horizon.node, message: 'redelivery horizon set here' }],
          });
        }
      },
    };
  },
});
