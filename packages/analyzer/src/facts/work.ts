import { ts } from 'ts-morph';
import type { ProjectIndex } from './project/project-index';
import type { FileFacts } from './file-facts';
import { isPromiseCombinator, runsIn } from './flow';
import { unwrap } from './origins';
import { calleeName, callsWithin, contains, isModule, propertyNameText, propertyValue, receiverOf } from './syntax';

/**
 * "Work" in a message handler: what must complete before the message may be settled. Until the
 * side-effect facts (facts/effects) classify calls precisely, work is any call that is not
 * logging, metrics, pure computation or promise / timer plumbing, and not excluded by the caller
 * (the settle calls themselves). A call that takes callbacks (`items.forEach(i => save(i))`,
 * `db.transaction(async tx => …)`) is work when it is not pure or when its callbacks hold work.
 */

/** Methods that compute a value without effects outside the process (strings, arrays, parsing, context getters). */
const PURE_METHODS = new Set([
  'toString', 'toJSON', 'valueOf', 'toLowerCase', 'toUpperCase', 'toLocaleString', 'trim', 'trimStart', 'trimEnd', 'split',
  'join', 'slice', 'substring', 'substr', 'replace', 'replaceAll', 'startsWith', 'endsWith', 'includes', 'indexOf',
  'lastIndexOf', 'padStart', 'padEnd', 'charAt', 'charCodeAt', 'at', 'concat', 'match', 'matchAll', 'test', 'exec',
  'keys', 'values', 'entries', 'has', 'get', 'map', 'filter', 'reduce', 'find', 'findIndex', 'some', 'every', 'flat', 'flatMap',
  'sort', 'reverse', 'push', 'pop', 'shift', 'unshift', 'splice', 'fill', 'forEach', 'parse', 'stringify', 'from',
  'isArray', 'isBuffer', 'alloc', 'now', 'floor', 'ceil', 'round', 'max', 'min', 'abs', 'random', 'assign', 'freeze',
  'fromEntries', 'toISOString', 'getTime', 'toFixed', 'decode', 'encode', 'readUInt32BE', 'readInt32BE',
  // Broker message / context accessors.
  'getMessage', 'getChannelRef', 'getPattern', 'getArgs', 'getTopic', 'getPartition', 'getConsumer', 'getHeartbeat',
  'getData', 'getContext', 'json', 'string', 'promise',
  // Unhooking a listener once the awaited message came: teardown, not work the settle confirms.
  'removeListener', 'removeAllListeners', 'off',
]);

/** Plain functions that compute a value, or only plumb promises and callbacks. */
const PURE_FUNCTIONS = new Set([
  'String', 'Number', 'Boolean', 'BigInt', 'Symbol', 'parseInt', 'parseFloat', 'isNaN', 'isFinite', 'encodeURIComponent',
  'decodeURIComponent', 'encodeURI', 'decodeURI', 'structuredClone', 'require', 'clearTimeout', 'clearInterval',
  'resolve', 'reject', 'done', 'next', 'cb', 'callback', 'sleep', 'delay', 'wait', 'randomUUID', 'uuid', 'uuidv4', 'v4',
]);

/** Functions that run their callback later: work only when the callback holds work. */
const DEFERRING = new Set(['setTimeout', 'setImmediate', 'setInterval', 'queueMicrotask', 'nextTick']);

/** Receivers that log or measure. */
const LOGGER = /^(console|log|logger|_logger|\w*Logger|\w*Log|pino|winston|debug)$/i;
const METRICS = /(metric|stats|statsd|counter|histogram|gauge|span|tracer|telemetry|prometheus|sentry)/i;
const LOG_FUNCTIONS = /^(log|debug|trace|info|warn|error|print|printf)$/;

/** Modules whose client calls return promises (so an un-awaited call is fire-and-forget). */
const ASYNC_CLIENT_MODULES = [
  'pg', 'mysql2', 'mysql', 'mongodb', 'mongoose', '@prisma/client', 'axios', 'got', 'node-fetch', 'undici', 'ioredis',
  'redis', 'knex', 'typeorm', 'sequelize', 'drizzle-orm', 'nodemailer', 'stripe', '@aws-sdk', 'aws-sdk', 'kafkajs',
  '@confluentinc/kafka-javascript', 'bullmq', '@google-cloud', 'nats', '@nats-io',
];
/**
 * Modules whose client calls are synchronous: better-sqlite3 runs every statement on the calling
 * thread (`db.prepare(sql).run(...)` has finished when it returns), except `db.backup()`.
 */
const SYNC_CLIENT_MODULES = ['better-sqlite3'];
const ASYNC_METHODS_OF_SYNC_CLIENTS = new Set(['backup']);
/** Methods a promise has: a call whose value receives any other method call is not a bare promise. */
const PROMISE_METHODS = new Set(['then', 'catch', 'finally']);
/** Client methods that are synchronous even on those clients. */
const SYNC_CLIENT_METHODS = new Set(['release', 'on', 'once', 'off', 'emit', 'pipe', 'removeListener', 'addListener', 'prepare', 'model', 'collection', 'db', 'table', 'from', 'select', 'where']);

/** Whether a call's receiver chain names a logger or a metrics object (last segment). */
function isLoggingOrMetrics(call: ts.CallExpression): boolean {
  const receiver = receiverOf(call);
  if (!receiver) return LOG_FUNCTIONS.test(calleeName(call) ?? '');
  const e = unwrap(receiver);
  const last = ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) ? e.name.text : undefined;
  return last !== undefined && (LOGGER.test(last) || METRICS.test(last));
}

/** Options of `workCallsIn`. */
export interface WorkOptions {
  /** Calls that are not work (the consumer's settle calls); calls inside them are not work either. */
  exclude?: ReadonlySet<ts.CallExpression>;
  /** Count logging and metrics calls as work (a consumer whose purpose is to log). */
  loggingIsWork?: boolean;
}

/** The work calls that run as part of `scope` (not in callbacks, which their outer call stands for), in document order. */
export function workCallsIn(scope: ts.Node, options: WorkOptions = {}): ts.CallExpression[] {
  const excluded = [...(options.exclude ?? [])];
  return callsWithin(scope, { intoNestedFunctions: false }).filter((call) => runsIn(call, scope) && !excluded.some((x) => contains(x, call)) && isWork(call, options));
}

/** Whether one call is work (see the module comment). */
export function isWork(call: ts.CallExpression, options: WorkOptions = {}): boolean {
  if (options.exclude?.has(call)) return false;
  const name = calleeName(call);
  if (!options.loggingIsWork && isLoggingOrMetrics(call)) return false;
  const callee = unwrap(call.expression);
  if (callee.kind === ts.SyntaxKind.ImportKeyword || callee.kind === ts.SyntaxKind.SuperKeyword) return false;
  if (name && DEFERRING.has(name)) return callbacksHoldWork(call, options);
  if (isPromiseCombinator(call)) return call.arguments.some((a) => holdsWork(a, options));
  if (name && ['then', 'catch', 'finally'].includes(name)) {
    const receiver = receiverOf(call);
    return callbacksHoldWork(call, options) || (!!receiver && holdsWork(receiver, options));
  }
  if (ts.isIdentifier(callee) && PURE_FUNCTIONS.has(callee.text)) return false;
  if (isProcessExit(callee)) return false;
  if (ts.isPropertyAccessExpression(callee) && name && PURE_METHODS.has(name)) return callbacksHoldWork(call, options);
  return true;
}

/** `process.exit(…)` / `process.abort()`: ending the process is not work a settle could confirm. */
function isProcessExit(callee: ts.Expression): boolean {
  return ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'process' &&
    (callee.name.text === 'exit' || callee.name.text === 'abort');
}

function callbacksHoldWork(call: ts.CallExpression, options: WorkOptions): boolean {
  return call.arguments.some((a) => {
    const fn = unwrap(a);
    return (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && holdsWork(fn.body, options, fn);
  });
}

function holdsWork(node: ts.Node, options: WorkOptions, fn?: ts.Node): boolean {
  const scope = fn ?? node;
  return callsWithin(node, { intoNestedFunctions: false }).some((c) => runsIn(c, scope) && isWork(c, options));
}

/** `setTimeout(() => work())` and friends: the callback, holding work, runs after the caller has returned. */
export function defersWork(call: ts.CallExpression, options: WorkOptions = {}): boolean {
  const name = calleeName(call);
  return !!name && DEFERRING.has(name) && name !== 'setInterval' && callbacksHoldWork(call, options);
}

/**
 * Whether a call certainly yields a promise, so that not awaiting it is fire-and-forget: an
 * `async` function (or one declared to return a Promise) of the project, a `.then/.catch`
 * chain, `Promise.all(...)`, `fetch`, a client of a promise-based library, or
 * `forEach` with an async callback.
 */
export function isKnownAsync(call: ts.CallExpression, facts: FileFacts, project: ProjectIndex): boolean {
  if (isBuilderLink(call)) return false;
  const name = calleeName(call);
  // Node's naming convention: `writeFileSync`, `logging.logSync(…)` finish before they return.
  if (name && /[a-z]Sync$/.test(name)) return false;
  const callee = unwrap(call.expression);
  if (name && ['then', 'catch', 'finally'].includes(name) && ts.isPropertyAccessExpression(callee)) return true;
  if (isPromiseCombinator(call)) return true;
  if (ts.isIdentifier(callee) && callee.text === 'fetch') return true;
  if (name === 'forEach') {
    return call.arguments.some((a) => {
      const fn = unwrap(a);
      return (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && isAsyncFunction(fn);
    });
  }
  if (ts.isPropertyAccessExpression(callee) && name) {
    const origin = facts.originOf(callee.expression);
    if (origin && isModule(origin.module, SYNC_CLIENT_MODULES)) return ASYNC_METHODS_OF_SYNC_CLIENTS.has(name);
    if (origin && !SYNC_CLIENT_METHODS.has(name) && !PURE_METHODS.has(name) && isModule(origin.module, ASYNC_CLIENT_MODULES)) return true;
  }
  const fn = project.resolveFunction(facts, call.expression);
  return !!fn && isAsyncFunction(fn);
}

/**
 * Whether a call's value is the receiver of a further method call that is not a promise method
 * (`knex('t').insert(row).onConflict('id').merge()`, `db.insert(t).values(v)`,
 * `sqlite.prepare(sql).run(x)`): a promise has no such methods, so the value is a query builder
 * or a client object, and the outermost call of the chain stands for the work (awaited or not).
 * aws-sdk v2 `request.promise()` counts as a promise method: the request is what it awaits.
 */
export function isBuilderLink(call: ts.CallExpression): boolean {
  let top: ts.Node = call;
  while (ts.isParenthesizedExpression(top.parent) || ts.isNonNullExpression(top.parent)) top = top.parent;
  const access = top.parent;
  if (!ts.isPropertyAccessExpression(access) || access.expression !== top) return false;
  if (PROMISE_METHODS.has(access.name.text) || access.name.text === 'promise') return false;
  return ts.isCallExpression(access.parent) && access.parent.expression === access;
}

/** `async` functions, and functions declared to return `Promise<…>`. */
export function isAsyncFunction(fn: ts.FunctionLikeDeclaration): boolean {
  if (fn.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) return true;
  const type = fn.type;
  return !!type && ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && type.typeName.text === 'Promise';
}

/** Fields that track a job's or record's progress rather than hold its result. */
const PROGRESS_FIELD = /^(status|state|stage|phase|progress|retried|retries|retryCount|attempts?|attemptsMade|lastError|error(Message)?|\w+At|\w+Status)$/i;

/**
 * Whether `call` only writes progress fields: `repo.update({ where, data: { status: 'PROCESSING',
 * startedAt } })`, `Model.updateOne(filter, { $set: { status } })`. Where a handler also does its
 * real work, such a write is bookkeeping around it; losing it loses no message.
 */
export function writesOnlyProgress(call: ts.CallExpression): boolean {
  const written = writtenFields(call);
  return written !== undefined && written.length > 0 && written.every((f) => PROGRESS_FIELD.test(f));
}

/** The field names a write call sets: Prisma's `data`, a `$set`, or the last object argument; undefined when unclear. */
function writtenFields(call: ts.CallExpression): string[] | undefined {
  const objects = call.arguments.map((a) => unwrap(a)).filter(ts.isObjectLiteralExpression);
  if (objects.length === 0) return undefined;
  const data = objects.map((o) => propertyValue(o, 'data')).find((v) => v !== undefined);
  let record = data !== undefined ? unwrap(data) : objects[objects.length - 1];
  const set = ts.isObjectLiteralExpression(record) ? propertyValue(record, '$set') : undefined;
  if (set !== undefined) record = unwrap(set);
  if (!ts.isObjectLiteralExpression(record)) return undefined;
  const names: string[] = [];
  for (const p of record.properties) {
    const name = p.name ? propertyNameText(p.name) : undefined;
    if (name === undefined) return undefined;
    names.push(name);
  }
  return names;
}

