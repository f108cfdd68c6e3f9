import { ts } from 'ts-morph';
import type { ProjectIndex } from './project/project-index';
import { consumersOf } from './consumers';
import { DurationFolder, type Folded } from './durations';
import { INBOX_NAME } from './effects/types';
import type { FileFacts } from './file-facts';
import { freshSourceIn } from './fresh-values';
import type { ConsumerHandler } from './model';
import { unwrap } from './origins';
import { calleeName, callsWithin, constInitializer, contains, enclosingFunction, normalizedText, propertyNameText, receiverOf } from './syntax';
import { walkTree } from './tree-walk';

/**
 * Dedup keys and the stores they live in: Redis operations on processed-message keys, inbox-table
 * inserts, idempotency keys handed to external APIs; and what a key expression is derived from.
 * Shared by non-atomic-dedup, unstable-dedup-key and dedup-window-too-short.
 */

/** Redis clients by module; wrappers (`this.redis.raw()`, `cache`) are recognised by name. */
export const REDIS_MODULE = /^(ioredis|redis|@redis\/client|@upstash\/redis|@nestjs-modules\/ioredis)$/;
const REDIS_NAME = /redis|(^|\.)(cache|kv|store)$/i;

/** Key text of a processed-message record. */
export const DEDUP_KEY_TEXT = /dedup|idempot|idem[:_-]|processed|handled|seen|inbox|consumed|once/i;

export type RedisOpKind = 'read' | 'write' | 'claim' | 'delete' | 'expire';

/** One call on a Redis client that reads or writes a key. */
export interface RedisOp {
  call: ts.CallExpression;
  kind: RedisOpKind;
  method: string;
  key: ts.Expression;
  /** The expiry given with the write, in milliseconds, when it folds to a constant. */
  ttlMs?: Folded;
  /** The node the TTL was written as (literal, constant name, option). */
  ttlNode?: ts.Expression;
  /** A write that carries no expiry at all (the key lives forever). */
  noTtl: boolean;
}

const READS = new Set(['exists', 'get', 'sismember', 'sIsMember', 'hexists', 'hExists', 'hget', 'hGet', 'getBuffer']);
const WRITES = new Set(['set', 'setex', 'setEx', 'psetex', 'pSetEx', 'sadd', 'sAdd', 'hset', 'hSet', 'setnx', 'setNX', 'hsetnx', 'hSetNX']);
/**
 * Pre-filter evidence of a Redis dedup-key sink: a write call (a claim, or the write half of a
 * check-then-set pair), and text of the file itself that can make its receiver a Redis client
 * without types. `isRedisCall` accepts a receiver whose origin is a Redis module, which the file
 * imports by that name (text with "redis"), or one whose own text reads like REDIS_NAME, which
 * is in the file too: "redis", or `cache` / `kv` / `store` as a whole word (after a dot or
 * alone). What other files hold cannot make a call of this file a Redis call.
 */
export const REDIS_WRITE_CALL = new RegExp(String.raw`\.\s*(${[...WRITES].join('|')})\s*\(`);
export const REDIS_CLIENT_EVIDENCE = /redis|\b(?:cache|kv|store)\b/i;

const DELETES = new Set(['del', 'unlink', 'srem', 'sRem', 'hdel', 'hDel']);
const EXPIRES = new Set(['expire', 'pexpire', 'pExpire']);

/** Whether a call's receiver is a Redis client. */
export function isRedisCall(call: ts.CallExpression, facts: FileFacts): boolean {
  const receiver = receiverOf(call);
  if (!receiver) return false;
  const origin = facts.originOf(receiver);
  // A wrapper from the user's own module (`RedisService`) is judged by its name.
  if (origin && !/^[./]/.test(origin.module)) return REDIS_MODULE.test(origin.module);
  return REDIS_NAME.test(receiver.getText().replace(/\(\)/g, ''));
}

/** Case-insensitive option of a node-redis / Upstash options object (`{ EX: 60, NX: true }`, `{ ex: 60, nx: true }`). */
function optionOf(obj: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const p of obj.properties) {
    if (ts.isPropertyAssignment(p) && propertyNameText(p.name)?.toLowerCase() === name) return p.initializer;
  }
  return undefined;
}

function redisOpOf(call: ts.CallExpression, facts: FileFacts, folder: DurationFolder): RedisOp | undefined {
  const method = calleeName(call);
  const key = call.arguments[0];
  // The method first: it is a plain lookup, and most calls of a file are not on Redis at all.
  if (!method || !key || !(READS.has(method) || DELETES.has(method) || EXPIRES.has(method) || WRITES.has(method))) return undefined;
  if (!isRedisCall(call, facts)) return undefined;
  const args = call.arguments;
  const ms = (expr: ts.Expression | undefined, factor: number): Pick<RedisOp, 'ttlMs' | 'ttlNode'> => {
    const v = folder.number(expr);
    return { ttlMs: v && { value: v.value * factor, source: v.source }, ttlNode: expr };
  };
  if (READS.has(method)) return { call, kind: 'read', method, key, noTtl: false };
  if (DELETES.has(method)) return { call, kind: 'delete', method, key, noTtl: false };
  if (EXPIRES.has(method)) return { call, kind: 'expire', method, key, noTtl: false, ...ms(args[1], method === 'expire' ? 1000 : 1) };
  if (!WRITES.has(method)) return undefined;
  if (/^setex$/i.test(method)) return { call, kind: 'write', method, key, noTtl: false, ...ms(args[1], 1000) };
  if (/^psetex$/i.test(method)) return { call, kind: 'write', method, key, noTtl: false, ...ms(args[1], 1) };
  if (/^(setnx|hsetnx)$/i.test(method)) return { call, kind: 'claim', method, key, noTtl: true };
  if (method !== 'set') return { call, kind: 'write', method, key, noTtl: true };
  // set(key, value, 'EX', n, 'NX') (ioredis) | set(key, value, { EX, NX }) (node-redis, Upstash)
  let nx = false;
  let ttl: Pick<RedisOp, 'ttlMs' | 'ttlNode'> = {};
  let hasTtl = false;
  const rest = args.slice(2);
  rest.forEach((a, i) => {
    const e = unwrap(a);
    if (ts.isStringLiteralLike(e)) {
      const flag = e.text.toUpperCase();
      if (flag === 'NX') nx = true;
      if (flag === 'EX' || flag === 'PX') {
        hasTtl = true;
        ttl = ms(rest[i + 1], flag === 'EX' ? 1000 : 1);
      }
      if (flag === 'KEEPTTL') hasTtl = true;
    } else if (ts.isObjectLiteralExpression(e)) {
      const nxOpt = optionOf(e, 'nx');
      if (nxOpt && unwrap(nxOpt).kind === ts.SyntaxKind.TrueKeyword) nx = true;
      const ex = optionOf(e, 'ex');
      const px = optionOf(e, 'px');
      if (ex) ttl = ms(ex, 1000);
      else if (px) ttl = ms(px, 1);
      // node-redis v5: { expiration: { type: 'EX', value: 60 }, condition: 'NX' }
      const expiration = optionOf(e, 'expiration');
      if (expiration && ts.isObjectLiteralExpression(unwrap(expiration))) {
        const exp = unwrap(expiration) as ts.ObjectLiteralExpression;
        const type = optionOf(exp, 'type');
        const unitMs = type && ts.isStringLiteralLike(unwrap(type)) && (unwrap(type) as ts.StringLiteral).text.toUpperCase() === 'PX' ? 1 : 1000;
        ttl = ms(optionOf(exp, 'value'), unitMs);
      }
      const condition = optionOf(e, 'condition');
      if (condition && ts.isStringLiteralLike(unwrap(condition)) && (unwrap(condition) as ts.StringLiteral).text.toUpperCase() === 'NX') nx = true;
      hasTtl = hasTtl || ex !== undefined || px !== undefined || expiration !== undefined || optionOf(e, 'keepttl') !== undefined;
    } else {
      hasTtl = true; // a computed argument list: assume it may carry an expiry
    }
  });
  return { call, kind: nx ? 'claim' : 'write', method, key, noTtl: !hasTtl, ...ttl };
}

/** Every Redis key operation in the file, in document order (memoised). */
export function redisOpsOf(facts: FileFacts, project?: ProjectIndex): RedisOp[] {
  return facts.memo('dedup-keys:redis-ops', () => {
    const folder = new DurationFolder(facts, project);
    const out: RedisOp[] = [];
    for (const call of facts.calls) {
      const op = redisOpOf(call, facts, folder);
      if (op) out.push(op);
    }
    return out;
  });
}

/** The text a key expression is compared by: its own text, or a `const` initializer's text. */
export function keyText(key: ts.Expression): string {
  const e = unwrap(key);
  if (ts.isIdentifier(e)) {
    const init = constInitializer(e);
    if (init) return normalizedText(init);
  }
  return normalizedText(e);
}

/** Whether a Redis op's key reads as a processed-message record. */
export function isDedupKey(op: RedisOp): boolean {
  if (op.kind === 'claim') return true;
  const e = unwrap(op.key);
  const text = keyText(op.key);
  return DEDUP_KEY_TEXT.test(text) || (ts.isIdentifier(e) && /dedup|idempot|processed/i.test(e.text));
}

// ---------------------------------------------------------------------------------------------
// Where dedup keys are used (sinks)
// ---------------------------------------------------------------------------------------------

/** A place a dedup / idempotency key is consumed. */
export interface KeySink {
  /** The key expression as written at the sink. */
  key: ts.Expression;
  /** What uses it, for messages: "Redis SET NX key", "inbox insert", "Stripe idempotencyKey". */
  use: string;
  /** Whether the sink is an idempotency key handed to an external API (fresh values matter only at consume/retry time there). */
  external: boolean;
}

const IDEMPOTENCY_PROPERTY = /^(idempotency[-_]?key|x-idempotency-key|idempotency_key|Idempotency-Key)$/i;
const DEDUP_VARIABLE = /^(dedup\w*|dedupe\w*|idempoten\w*|\w*(Dedup|Idempotency)(Key|Id)|processedKey|inboxKey)$/;
/**
 * Text that every name matching IDEMPOTENCY_PROPERTY or DEDUP_VARIABLE contains, except the
 * variables named `idempoten…` (`idempotent` is also a common option: kafkajs `idempotent: true`).
 */
const KEY_NAME_TEXT = /idempotency|dedup|processedKey|inboxKey/i;
const INBOX_KEY_PROPERTY = /^(message_?id|messageId|event_?id|eventId|dedup\w*|idempotency_?key|idempotencyKey|delivery_?id|key|id)$/i;
const INSERT_METHODS = new Set(['create', 'insert', 'save', 'upsert', 'add', 'createMany', 'insertOne', 'bulkCreate']);

/** Dedup keys used in the file: Redis dedup ops, inbox inserts, idempotency keys, dedup-named variables. */
export function keySinksOf(facts: FileFacts, project?: ProjectIndex): KeySink[] {
  return facts.memo('dedup-keys:sinks', () => {
    const out: KeySink[] = [];
    const ops = redisOpsOf(facts, project);
    const pairedKeys = checkedThenWrittenKeys(ops);
    for (const op of ops) {
      // Releases and expiries of a dedup key are sinks too: a fix must change every spelling of the key.
      if (isDedupKey(op) || pairedKeys.has(keyText(op.key))) out.push({ key: op.key, use: `Redis \`${op.method}\` key`, external: false });
    }
    for (const call of facts.calls) {
      const method = calleeName(call);
      const receiver = receiverOf(call);
      if (!method || !receiver) continue;
      // prisma.processedMessage.create({ data: { id } }), inboxRepo.insert({ messageId }), knex('inbox').insert({...})
      if (INSERT_METHODS.has(method) && INBOX_NAME.test(receiver.getText()) && !/outbox/i.test(receiver.getText())) {
        for (const arg of call.arguments) {
          const obj = unwrap(arg);
          if (!ts.isObjectLiteralExpression(obj)) continue;
          const data = obj.properties.find((p) => ts.isPropertyAssignment(p) && propertyNameText(p.name) === 'data');
          const record = data && ts.isPropertyAssignment(data) && ts.isObjectLiteralExpression(unwrap(data.initializer)) ? (unwrap(data.initializer) as ts.ObjectLiteralExpression) : obj;
          for (const p of record.properties) {
            if (ts.isPropertyAssignment(p) && INBOX_KEY_PROPERTY.test(propertyNameText(p.name) ?? '')) out.push({ key: p.initializer, use: 'inbox record key', external: false });
            // `{ data: { messageId } }`: the variable's initializer is the key
            if (ts.isShorthandPropertyAssignment(p) && INBOX_KEY_PROPERTY.test(p.name.text)) out.push({ key: p.name, use: 'inbox record key', external: false });
          }
        }
      }
      // pool.query('INSERT INTO processed_messages (id) VALUES ($1)', [key])
      if ((method === 'query' || method === 'execute' || method === 'run') && call.arguments.length >= 2) {
        const sql = unwrap(call.arguments[0]);
        const text = ts.isStringLiteralLike(sql) ? sql.text : ts.isTemplateExpression(sql) ? sql.getText() : '';
        const table = /insert\s+into\s+["`]?([\w.]+)/i.exec(text)?.[1];
        const params = unwrap(call.arguments[1]);
        if (table && INBOX_NAME.test(table) && !/outbox/i.test(table) && ts.isArrayLiteralExpression(params)) {
          for (const el of params.elements) out.push({ key: el, use: `\`${table}\` insert`, external: false });
        }
      }
    }
    const variable = (d: ts.VariableDeclaration): void => {
      if (ts.isIdentifier(d.name) && d.initializer && DEDUP_VARIABLE.test(d.name.text)) {
        // An idempotency key is usually handed to an API (Stripe, HTTP); a dedup key is checked locally.
        out.push({ key: d.initializer, use: `\`${d.name.text}\``, external: /idempot/i.test(d.name.text) });
      }
    };
    const walk = (n: ts.Node): void => {
      if (ts.isPropertyAssignment(n) && IDEMPOTENCY_PROPERTY.test(propertyNameText(n.name) ?? '')) {
        out.push({ key: n.initializer, use: `\`${propertyNameText(n.name)}\``, external: true });
      }
      if (ts.isVariableDeclaration(n)) variable(n);
    };
    // A file whose text names no such property, and no such variable but `idempoten…` ones, has
    // only those variables to find, among the declarations the engine's walk collected: a scan of
    // the text instead of a walk over every node.
    const text = facts.sourceFile.text;
    if (KEY_NAME_TEXT.test(text) || !facts.walked) walkTree(facts.sourceFile, walk);
    else if (/idempoten/i.test(text)) facts.variables.forEach(variable);
    // One report per key expression: a variable reported at its declaration is not reported again where used.
    const seen = new Set<ts.Node>();
    return out.filter((s) => !seen.has(s.key) && seen.add(s.key));
  });
}

/** Keys read and later written in the same function: a check-then-act pair makes any key a dedup key. */
function checkedThenWrittenKeys(ops: RedisOp[]): Set<string> {
  const out = new Set<string>();
  for (const read of ops) {
    if (read.kind !== 'read') continue;
    const fn = enclosingFunction(read.call);
    const text = keyText(read.key);
    if (ops.some((w) => (w.kind === 'write' || w.kind === 'claim') && w.call.pos > read.call.pos && keyText(w.key) === text && fn && contains(fn, w.call))) out.add(text);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// What a key is derived from
// ---------------------------------------------------------------------------------------------

/** Why a key is unstable. */
export type Instability =
  /** New on every evaluation: clock, randomness, a fresh UUID. */
  | { kind: 'fresh'; source: string; node: ts.Node }
  /** Changes with every delivery of the same message (receipt handle, ackId, redelivery count...). */
  | { kind: 'per-delivery'; source: string; node: ts.Node; broker: string; stable?: string }
  /** A time of publish/send: collides across messages and differs on a producer resend. */
  | { kind: 'timestamp'; source: string; node: ts.Node; broker: string }
  /** `JSON.stringify` of an object: key order follows insertion order. */
  | { kind: 'json'; source: string; node: ts.CallExpression };

/** Properties that change on every delivery of the same message, with the stable id to use instead. */
const PER_DELIVERY: ReadonlyArray<{ name: RegExp; broker: string; stable?: string }> = [
  { name: /^ReceiptHandle$|^receiptHandle$/, broker: 'SQS', stable: 'MessageId' },
  { name: /^ApproximateReceiveCount$/, broker: 'SQS' },
  { name: /^ackId$/, broker: 'Pub/Sub', stable: 'id' },
  { name: /^deliveryAttempt$/, broker: 'Pub/Sub' },
  { name: /^deliveryTag$/, broker: 'RabbitMQ' },
  { name: /^redelivered$/, broker: 'RabbitMQ' },
  { name: /^redeliveryCount$|^deliveryCount$/, broker: 'NATS JetStream' },
  { name: /^deliverySequence$/, broker: 'NATS JetStream', stable: 'streamSequence' },
  { name: /^attemptsMade$|^attemptsStarted$/, broker: 'BullMQ' },
];
/** An activity's info object: `Context.current().info`, `activityInfo()`, or a variable named `info`. */
const TEMPORAL_INFO = /(^|\.)info$|activityInfo\(\)$/;
/** Header names that count deliveries. */
const PER_DELIVERY_HEADER = /^(x-death|x-delivery-count|x-retry-count)$/i;
/** Publish / send times: stable across redeliveries, but shared by distinct messages and new on a resend. */
const TIMESTAMPS: ReadonlyArray<{ name: RegExp; broker: string }> = [
  { name: /^publishTime$|^publishTimestamp$|^publish_time$/, broker: 'Pub/Sub' },
  { name: /^SentTimestamp$|^ApproximateFirstReceiveTimestamp$/, broker: 'SQS' },
  { name: /^timestampNanos$/, broker: 'NATS JetStream' },
  { name: /^timestamp$/, broker: '' },
];
/** Serializers with a canonical key order. */
const STABLE_STRINGIFY = /stable|canonical|canonicalize|sortKeys|sorted/i;
/** Names of identity parts that make a key unique even when a timestamp is part of it. */
const IDENTITY = /id$|Id$|ID$|key$|Key$|offset|seq|sequence/;

/**
 * The reasons a key expression is unstable, following `const` names (two levels), template
 * literals, concatenation and hash calls. `messageNames` are the consumer's message variables, so
 * `message.timestamp` is recognised as delivery metadata and `order.timestamp` (a payload field) is not.
 */
export function instabilitiesOf(key: ts.Expression, messageNames: ReadonlySet<string>): Instability[] {
  const out: Instability[] = [];
  let identity = false;
  const timestamps: Instability[] = [];
  // Recursion only through `const` names (at most four levels); within an expression, an
  // explicit-stack walk (a key can be a long concatenation, see tree-walk.ts).
  const visit = (root: ts.Node, depth: number): void => {
    if (depth > 3) return;
    walkTree(root, (n) => {
      if (ts.isIdentifier(n) && !(n.parent && ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) {
        if (IDENTITY.test(n.text)) identity = true;
        const init = constInitializer(n);
        if (init && init !== key) visit(init, depth + 1);
        return false;
      }
      if (ts.isCallExpression(n) || ts.isNewExpression(n)) {
        const fresh = freshSourceIn(n as ts.Expression);
        if (fresh) {
          out.push({ kind: 'fresh', source: fresh, node: n });
          return false;
        }
      }
      if (ts.isCallExpression(n) && isJsonStringify(n)) {
        const arg = n.arguments[0] && unwrap(n.arguments[0]);
        const replacer = n.arguments[1] && unwrap(n.arguments[1]);
        const stableInput = !arg || ts.isArrayLiteralExpression(arg) || ts.isStringLiteralLike(arg) || (ts.isCallExpression(arg) && /^JSON\.parse$/.test(arg.expression.getText()));
        if (!stableInput && !(replacer && (ts.isArrayLiteralExpression(replacer) || ts.isCallExpression(replacer)))) {
          out.push({ kind: 'json', source: n.getText().length > 60 ? 'JSON.stringify(…)' : n.getText(), node: n });
        }
        return false;
      }
      if (ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n)) {
        const name = ts.isPropertyAccessExpression(n) ? n.name.text : ts.isStringLiteralLike(n.argumentExpression) ? n.argumentExpression.text : '';
        if (IDENTITY.test(name)) identity = true;
        // Temporal's attempt counter (`Context.current().info.attempt`, `activityInfo().attempt`) grows on every retry.
        if (name === 'attempt' && ts.isPropertyAccessExpression(n) && TEMPORAL_INFO.test(n.expression.getText().replace(/\s+/g, ''))) {
          out.push({ kind: 'per-delivery', source: n.getText(), node: n, broker: 'Temporal' });
          return false;
        }
        const perDelivery = PER_DELIVERY.find((p) => p.name.test(name));
        if (perDelivery) {
          out.push({ kind: 'per-delivery', source: n.getText(), node: n, broker: perDelivery.broker, stable: perDelivery.stable });
          return false;
        }
        if (PER_DELIVERY_HEADER.test(name)) {
          out.push({ kind: 'per-delivery', source: n.getText(), node: n, broker: 'RabbitMQ' });
          return false;
        }
        const stamp = TIMESTAMPS.find((t) => t.name.test(name));
        if (stamp && rootName(n) !== undefined && messageNames.has(rootName(n)!)) {
          timestamps.push({ kind: 'timestamp', source: n.getText(), node: n, broker: stamp.broker });
          return false;
        }
        if (stamp && stamp.broker !== '') {
          timestamps.push({ kind: 'timestamp', source: n.getText(), node: n, broker: stamp.broker });
          return false;
        }
      }
      return !(ts.isCallExpression(n) && STABLE_STRINGIFY.test(n.expression.getText()));
    });
  };
  visit(key, 0);
  // A timestamp next to an identity part (`${order.id}:${msg.publishTime}`) does not collide.
  if (!identity) out.push(...timestamps);
  return out;
}

function isJsonStringify(call: ts.CallExpression): boolean {
  return unwrap(call.expression).getText() === 'JSON.stringify';
}

/** The root identifier of a property chain (`msg` in `msg.properties.timestamp`). */
function rootName(expr: ts.Expression): string | undefined {
  let e: ts.Expression = expr;
  while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) || ts.isCallExpression(e) || ts.isNonNullExpression(e)) e = e.expression;
  return ts.isIdentifier(e) ? e.text : undefined;
}

// ---------------------------------------------------------------------------------------------
// Consumer context
// ---------------------------------------------------------------------------------------------

/** The consumer whose handler runs `node` (directly, or through same-file helpers two calls deep). */
export function consumerRunning(node: ts.Node, facts: FileFacts, project: ProjectIndex): ConsumerHandler | undefined {
  const reach = facts.memo('dedup-keys:consumer-reach', () => {
    const out: Array<{ consumer: ConsumerHandler; fns: Set<ts.Node> }> = [];
    for (const consumer of consumersOf(facts, project)) {
      const root = consumer.scope ?? consumer.handler;
      if (!root) continue;
      const fns = new Set<ts.Node>([root]);
      let frontier: ts.Node[] = [root];
      for (let depth = 0; depth < 2 && frontier.length > 0; depth++) {
        const next: ts.Node[] = [];
        for (const fn of frontier) {
          for (const call of callsWithin(fn)) {
            const target = project.resolveFunction(facts, call.expression);
            if (target && !fns.has(target) && target.getSourceFile() === facts.sourceFile) {
              fns.add(target);
              next.push(target);
            }
          }
        }
        frontier = next;
      }
      out.push({ consumer, fns });
    }
    return out;
  });
  for (const { consumer, fns } of reach) {
    for (const fn of fns) if (contains(fn, node) && fn.getSourceFile() === node.getSourceFile()) return consumer;
  }
  return undefined;
}
