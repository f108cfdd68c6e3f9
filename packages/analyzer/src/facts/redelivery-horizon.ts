import { ts } from 'ts-morph';
import type { ProjectIndex } from './project/project-index';
import type { Broker } from '../types';
import { DurationFolder, formatMs } from './durations';
import type { FileFacts } from './file-facts';
import { unwrap } from './origins';
import { calleeName, propertyNameText, propertyValue } from './syntax';
import { walkTree } from './tree-walk';

/**
 * How long a broker may keep redelivering a message, as far as the file shows it: SQS visibility
 * timeout × maxReceiveCount, JetStream ack_wait × max_deliver (or its backoff schedule), BullMQ
 * attempts × backoff, Pub/Sub retention / dead-letter attempts, and retry schedules written as
 * arrays of delays. Only values that fold to constants count; each horizon says how it was computed.
 */
export interface Horizon {
  broker: Broker | undefined;
  ms: number;
  /** "visibility timeout 30 s × maxReceiveCount 5", for messages. */
  why: string;
  /** Where the deciding setting is written. */
  node: ts.Node;
  /** The queue the setting belongs to, when the file names it (BullMQ `new Queue('name')`). */
  source?: string;
}

const DAY_MS = 86_400_000;
/** Pub/Sub keeps unacknowledged messages of a subscription for 7 days unless told otherwise. */
const PUBSUB_DEFAULT_RETENTION_MS = 7 * DAY_MS;
/** Pub/Sub's ack deadline when the subscription does not set one. */
const PUBSUB_DEFAULT_ACK_DEADLINE_MS = 10_000;
const RETRY_SCHEDULE_NAME = /retr(y|ies)|backoff|redeliver/i;

/** Properties named `name` (any object literal in the file), with folded values. */
function numericProperties(facts: FileFacts, folder: DurationFolder, names: RegExp): Array<{ name: string; value: number; node: ts.Expression; obj: ts.ObjectLiteralExpression }> {
  const out: Array<{ name: string; value: number; node: ts.Expression; obj: ts.ObjectLiteralExpression }> = [];
  const walk = (n: ts.Node): boolean | void => {
    if (ts.isPropertyAssignment(n) && ts.isObjectLiteralExpression(n.parent)) {
      const name = propertyNameText(n.name);
      if (name && names.test(name)) {
        const v = folder.number(n.initializer);
        if (v) out.push({ name, value: v.value, node: n.initializer, obj: n.parent });
      }
    }
  };
  walkTree(facts.sourceFile, walk);
  return out;
}

/** `"maxReceiveCount":"5"` / `maxReceiveCount: 5` inside a RedrivePolicy (often a JSON string). */
function maxReceiveCount(facts: FileFacts, folder: DurationFolder): { value: number; node: ts.Node } | undefined {
  const prop = numericProperties(facts, folder, /^maxReceiveCount$/)[0];
  if (prop) return { value: prop.value, node: prop.node };
  let found: { value: number; node: ts.Node } | undefined;
  const walk = (n: ts.Node): boolean | void => {
    if (found) return false;
    if (ts.isStringLiteralLike(n)) {
      const m = /"?maxReceiveCount"?\s*:\s*"?(\d+)/.exec(n.text);
      if (m) found = { value: Number(m[1]), node: n };
    }
  };
  walkTree(facts.sourceFile, walk);
  return found;
}

function sqsHorizons(facts: FileFacts, folder: DurationFolder): Horizon[] {
  // VisibilityTimeout (SDK, seconds) and visibilityTimeout (sqs-consumer, seconds).
  const timeouts = numericProperties(facts, folder, /^(VisibilityTimeout|visibilityTimeout)$/);
  if (timeouts.length === 0) return [];
  const vt = timeouts.reduce((a, b) => (b.value > a.value ? b : a));
  const receives = maxReceiveCount(facts, folder);
  const vtMs = vt.value * 1000;
  if (receives) {
    return [{ broker: 'sqs', ms: vtMs * receives.value, why: `visibility timeout ${formatMs(vtMs)} × maxReceiveCount ${receives.value}`, node: vt.node }];
  }
  return [{ broker: 'sqs', ms: vtMs, why: `a visibility timeout of ${formatMs(vtMs)} before the first redelivery alone`, node: vt.node }];
}

function natsHorizons(facts: FileFacts, folder: DurationFolder): Horizon[] {
  const out: Horizon[] = [];
  // Consumer config objects: { ack_wait: nanos(30_000), max_deliver: 5, backoff: [...] } (nanoseconds).
  for (const p of numericProperties(facts, folder, /^ack_wait$/)) {
    const waitMs = p.value / 1e6;
    const maxDeliver = folder.number(propertyValue(p.obj, 'max_deliver'))?.value;
    const backoff = propertyValue(p.obj, 'backoff');
    const schedule = backoff && ts.isArrayLiteralExpression(unwrap(backoff))
      ? (unwrap(backoff) as ts.ArrayLiteralExpression).elements.map((e) => folder.number(e)?.value)
      : undefined;
    if (schedule && schedule.length > 0 && schedule.every((v) => v !== undefined) && maxDeliver && maxDeliver > 1) {
      // The n-th redelivery waits backoff[n-1]; the last entry repeats.
      const delays = (schedule as number[]).map((ns) => ns / 1e6);
      let total = 0;
      for (let i = 0; i < maxDeliver - 1; i++) total += delays[Math.min(i, delays.length - 1)];
      out.push({ broker: 'nats', ms: total, why: `backoff ${delays.map(formatMs).join(', ')} over max_deliver ${maxDeliver}`, node: backoff! });
    } else if (maxDeliver && maxDeliver > 0) {
      out.push({ broker: 'nats', ms: waitMs * maxDeliver, why: `ack_wait ${formatMs(waitMs)} × max_deliver ${maxDeliver}`, node: p.node });
    } else {
      out.push({ broker: 'nats', ms: waitMs, why: `ack_wait ${formatMs(waitMs)} before the first redelivery alone (max_deliver is unlimited by default)`, node: p.node });
    }
  }
  // consumerOpts().ackWait(ms).maxDeliver(n)
  for (const call of facts.calls) {
    if (calleeName(call) !== 'ackWait') continue;
    const wait = folder.number(call.arguments[0]);
    if (!wait) continue;
    let maxDeliver: number | undefined;
    for (let p: ts.Node = call; p.parent; p = p.parent) {
      if (ts.isCallExpression(p.parent) && calleeName(p.parent) === 'maxDeliver') maxDeliver = folder.number(p.parent.arguments[0])?.value;
      if (!ts.isPropertyAccessExpression(p.parent) && !ts.isCallExpression(p.parent)) break;
    }
    out.push(maxDeliver
      ? { broker: 'nats', ms: wait.value * maxDeliver, why: `ackWait ${formatMs(wait.value)} × maxDeliver ${maxDeliver}`, node: call }
      : { broker: 'nats', ms: wait.value, why: `ackWait ${formatMs(wait.value)} before the first redelivery alone`, node: call });
  }
  return out;
}

function bullmqHorizons(facts: FileFacts, folder: DurationFolder): Horizon[] {
  const out: Horizon[] = [];
  for (const p of numericProperties(facts, folder, /^attempts$/)) {
    const backoff = propertyValue(p.obj, 'backoff');
    if (!backoff) continue;
    const b = unwrap(backoff);
    let delay: number | undefined;
    let exponential = false;
    if (ts.isObjectLiteralExpression(b)) {
      delay = folder.number(propertyValue(b, 'delay'))?.value;
      const type = propertyValue(b, 'type');
      exponential = !!type && ts.isStringLiteralLike(unwrap(type)) && (unwrap(type) as ts.StringLiteral).text === 'exponential';
    } else {
      delay = folder.number(b)?.value;
    }
    if (delay === undefined || p.value < 2) continue;
    // BullMQ exponential backoff waits delay × 2^(n-1) before the n-th retry.
    const ms = exponential ? delay * (2 ** (p.value - 1) - 1) : delay * (p.value - 1);
    out.push({ broker: 'bullmq', ms, why: `${p.value} attempts with ${exponential ? 'exponential' : 'fixed'} backoff of ${formatMs(delay)}`, node: backoff, source: queueNameOf(facts, p.obj) });
  }
  return out;
}

/** The BullMQ queue name of `queue.add(name, data, opts)` whose options are `opts`, when `queue = new Queue('x')` is in the file. */
function queueNameOf(facts: FileFacts, options: ts.ObjectLiteralExpression): string | undefined {
  const call = options.parent;
  if (!call || !ts.isCallExpression(call) || calleeName(call) !== 'add' && calleeName(call) !== 'addBulk') return undefined;
  const receiver = call.expression && ts.isPropertyAccessExpression(call.expression) ? call.expression.expression : undefined;
  if (!receiver) return undefined;
  const name = receiver.getText();
  for (const n of facts.news) {
    const decl = n.parent;
    const arg = n.arguments?.[0];
    if (n.expression.getText() === 'Queue' && arg && ts.isStringLiteralLike(arg) && decl && ts.isVariableDeclaration(decl) && decl.name.getText() === name) return arg.text;
  }
  return undefined;
}

function pubsubHorizons(facts: FileFacts, folder: DurationFolder): Horizon[] {
  const out: Horizon[] = [];
  for (const call of facts.calls) {
    const name = calleeName(call);
    if (name !== 'createSubscription' && name !== 'setMetadata' && name !== 'create') continue;
    const options = call.arguments.map((a) => unwrap(a)).find((a): a is ts.ObjectLiteralExpression => ts.isObjectLiteralExpression(a));
    if (name !== 'createSubscription' && !options) continue;
    if (!facts.importsModule((m) => m === '@google-cloud/pubsub')) continue;
    const retention = options && propertyValue(options, 'messageRetentionDuration');
    const dlq = options && propertyValue(options, 'deadLetterPolicy');
    const ackDeadline = options ? folder.number(propertyValue(options, 'ackDeadlineSeconds'))?.value : undefined;
    const attempts = dlq && ts.isObjectLiteralExpression(unwrap(dlq)) ? folder.number(propertyValue(unwrap(dlq) as ts.ObjectLiteralExpression, 'maxDeliveryAttempts'))?.value : undefined;
    if (attempts) {
      const deadlineMs = (ackDeadline ?? PUBSUB_DEFAULT_ACK_DEADLINE_MS / 1000) * 1000;
      out.push({ broker: 'pubsub', ms: attempts * deadlineMs, why: `maxDeliveryAttempts ${attempts} × ack deadline ${formatMs(deadlineMs)} at least`, node: dlq! });
      continue;
    }
    if (retention) {
      const r = unwrap(retention);
      const seconds = ts.isObjectLiteralExpression(r) ? folder.number(propertyValue(r, 'seconds'))?.value : folder.number(r)?.value;
      if (seconds !== undefined) out.push({ broker: 'pubsub', ms: seconds * 1000, why: `the subscription's messageRetentionDuration of ${formatMs(seconds * 1000)}`, node: retention });
      continue;
    }
    if (name === 'createSubscription') {
      out.push({ broker: 'pubsub', ms: PUBSUB_DEFAULT_RETENTION_MS, why: 'default subscription retention, no dead-letter policy', node: call });
    }
  }
  return out;
}

/** `const RETRY_DELAYS_MS = [1_000, 10_000, 60_000]`: a retry schedule whose sum is how long a message keeps coming back. */
function scheduleHorizons(facts: FileFacts, folder: DurationFolder): Horizon[] {
  const out: Horizon[] = [];
  const walk = (n: ts.Node): boolean | void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer && RETRY_SCHEDULE_NAME.test(n.name.text)) {
      const init = unwrap(n.initializer);
      if (ts.isArrayLiteralExpression(init) && init.elements.length > 0) {
        const values = init.elements.map((e) => folder.number(e)?.value);
        if (values.every((v) => v !== undefined)) {
          const unit = /(^|_)S$|SEC|Sec|Seconds|seconds/.test(n.name.text) ? 1000 : 1;
          const ms = (values as number[]).reduce((a, b) => a + b, 0) * unit;
          out.push({ broker: undefined, ms, why: `the retry schedule \`${n.name.text}\``, node: n.initializer });
        }
      }
    }
  };
  walkTree(facts.sourceFile, walk);
  return out;
}

/** Every redelivery horizon visible in the file (memoised). */
export function redeliveryHorizonsOf(facts: FileFacts, project?: ProjectIndex): Horizon[] {
  return facts.memo('redelivery-horizons', () => {
    const folder = new DurationFolder(facts, project);
    return [
      ...sqsHorizons(facts, folder),
      ...natsHorizons(facts, folder),
      ...bullmqHorizons(facts, folder),
      ...pubsubHorizons(facts, folder),
      ...scheduleHorizons(facts, folder),
    ];
  });
}
