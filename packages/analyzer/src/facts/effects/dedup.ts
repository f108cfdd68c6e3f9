import { ts } from 'ts-morph';
import type { ProjectIndex } from '../project/project-index';
import type { FileFacts } from '../file-facts';
import type { DedupGuard } from '../model';
import { unwrap } from '../origins';
import { sqlTextOf } from './db';
import { sideEffectsIn } from './effects';
import { callsInFlow } from './flow';
import { calleeOf } from '../project/lookup';
import { familyOf, isLocalModule, shapeOf } from './shape';
import { readSql } from './sql';
import { transactionOf, transactionsIn } from './transactions';
import { INBOX_NAME, OUTBOX_NAME } from './types';
import { constInitializer, localInitializer } from '../syntax';

/** Functions of the user's own dedup module that run the work at most once per key (wrapper style: claim and work together). */
const WRAPPER_GUARD = /^(processOnce|withIdempotency\w*|idempotent\w*|withInbox|inbox\w*|dedup\w*|deduplicate\w*|withDedup\w*|runOnce|onceOnly|ensureOnce|exactlyOnce|handleOnce|consumeOnce)$/i;
/** Check- or claim-style guard functions (claim and work are separate steps). */
const CHECK_GUARD = /^(claim\w*|tryClaim\w*|markProcessed|markAsProcessed|recordProcessed|isDuplicate|alreadyProcessed|isProcessed|hasProcessed|wasProcessed|hasBeenProcessed|isAlreadyProcessed|checkDuplicate|checkIdempotency\w*|seen|hasSeen|markSeen)$/i;
const CHECK_METHODS = new Set(['exists', 'get', 'hget', 'hGet', 'sismember', 'sIsMember', 'hexists', 'hExists', 'findUnique', 'findFirst', 'findOne', 'findOneBy', 'findById', 'count', 'has', 'exist', 'existsBy']);
/** Keys derived from the message's identity. */
const MESSAGE_KEY = /message_?id|messageId|event_?id|eventId|idempotency_?key|idempotencyKey|dedup\w*|delivery_?id|\bmsg\w*\.(id|key)\b|\.properties\.messageId/i;
const MAX_DEPTH = 2;

/**
 * What makes a redelivered message a no-op in a node's flow (and up to two calls deep): an
 * insert into an inbox/processed table (or a keyed insert that fails on a duplicate), Redis
 * `SET key NX` / `SETNX`, a processed-check against a store, an idempotent upsert, or a guard
 * function of the user's own dedup module. `atomic` is true when the claim commits with the
 * work (inside the same transaction, or a wrapper that runs the work inside it).
 */
export function dedupGuardsIn(node: ts.Node, facts: FileFacts, project: ProjectIndex): DedupGuard[] {
  return facts.memo(`dedup:${node.pos}:${node.end}:${node.kind}`, () => {
    const out: DedupGuard[] = [];
    const txs = transactionsIn(node, facts);
    for (const e of sideEffectsIn(node, facts, project)) {
      const target = e.target ?? '';
      const inboxSave = e.op === 'unknown' && INBOX_NAME.test(target) && !OUTBOX_NAME.test(target);
      if (e.kind !== 'db-write' || !(e.op === 'insert' || e.op === 'upsert' || inboxSave)) continue;
      const inTx = transactionOf(e.at, txs) !== undefined;
      if (INBOX_NAME.test(target) && !OUTBOX_NAME.test(target)) out.push({ kind: 'unique-insert', node: e.at, atomic: inTx });
      else if (e.op === 'insert' && e.idempotent && !e.sql?.onConflict && !e.declaredKey) out.push({ kind: 'unique-insert', node: e.at, atomic: inTx });
      else if (e.idempotent) out.push({ kind: 'idempotent-upsert', node: e.at, atomic: true });
    }
    collectCallGuards(node, facts, project, 0, new Set([node]), undefined, out);
    return out;
  });
}

function collectCallGuards(node: ts.Node, facts: FileFacts, project: ProjectIndex, depth: number, visiting: Set<ts.Node>, at: ts.CallExpression | undefined, out: DedupGuard[]): void {
  for (const call of callsInFlow(node)) {
    const here = at ?? call;
    const guard = guardOf(call, facts);
    if (guard) {
      out.push({ ...guard, node: here });
      continue;
    }
    if (depth >= MAX_DEPTH) continue;
    const target = calleeOf(call, facts, project);
    if (target && !visiting.has(target.fn)) {
      visiting.add(target.fn);
      collectCallGuards(target.fn, target.facts, project, depth + 1, visiting, here, out);
      visiting.delete(target.fn);
    }
  }
}

function guardOf(call: ts.CallExpression, facts: FileFacts): Omit<DedupGuard, 'node'> | undefined {
  const s = shapeOf(call, facts);
  const m = s.method;
  if (!m) return undefined;
  const family = familyOf(s.module);
  const receiverText = s.names.join('.');
  // Redis SET key value NX [PX ttl] (ioredis), set(key, value, { NX: true }) (node-redis), SETNX.
  if (/^setnx$/i.test(m)) return { kind: 'set-nx', atomic: false };
  if (/^set$/i.test(m) && call.arguments.length >= 3 && call.arguments.slice(2).some((a) => isNxFlag(a))) return { kind: 'set-nx', atomic: false };
  // The user's own dedup module, by name or by where it is imported from.
  const binding = ts.isIdentifier(unwrap(call.expression)) ? facts.origins.importOf(m) : undefined;
  const fromDedupModule = (binding && /dedup|idempot|inbox|exactly-?once/i.test(binding.module)) || (s.module !== undefined && isLocalModule(s.module) && /dedup|idempot|inbox/i.test(s.module));
  if (WRAPPER_GUARD.test(m) || (fromDedupModule && call.arguments.some((a) => ts.isArrowFunction(unwrap(a)) || ts.isFunctionExpression(unwrap(a))))) return { kind: 'library', atomic: true };
  if (CHECK_GUARD.test(m) || fromDedupModule || (/inbox|dedup|idempot/i.test(receiverText) && !/outbox/i.test(receiverText))) return { kind: 'library', atomic: false };
  // A processed-check: a lookup keyed by the message's identity, or in an inbox/processed store.
  if (CHECK_METHODS.has(m) && family !== 'in-process' && family !== 'http') {
    const argText = call.arguments.map(keyArgumentText).join(' ');
    if ((INBOX_NAME.test(receiverText) && !OUTBOX_NAME.test(receiverText)) || INBOX_NAME.test(argText) || MESSAGE_KEY.test(argText)) return { kind: 'processed-check', atomic: false };
  }
  const sql = sqlTextOf(s);
  if (sql !== undefined) {
    const read = readSql(sql);
    if (read.verb === 'select' && read.table && INBOX_NAME.test(read.table) && !OUTBOX_NAME.test(read.table)) return { kind: 'processed-check', atomic: false };
  }
  return undefined;
}

/**
 * The text of a key argument; a variable stands with the value it was declared with
 * (`const key = \`processed:${event.id}\`; redis.exists(key)` reads as the template).
 */
function keyArgumentText(arg: ts.Expression): string {
  const e = unwrap(arg);
  const init = ts.isIdentifier(e) ? localInitializer(e) : undefined;
  return init ? `${e.getText()} ${init.getText()}` : arg.getText();
}

function isNxFlag(arg: ts.Expression): boolean {
  const e = unwrap(arg);
  if (ts.isStringLiteralLike(e)) return /^nx$/i.test(e.text);
  if (ts.isObjectLiteralExpression(e)) {
    return e.properties.some((p) => ts.isPropertyAssignment(p) && p.name.getText().replace(/['"]/g, '') === 'NX' && p.initializer.kind === ts.SyntaxKind.TrueKeyword);
  }
  return false;
}

/** Redis commands that remove a key (ioredis / node-redis spellings). */
const KEY_REMOVALS = new Set(['del', 'unlink', 'DEL', 'UNLINK']);

/**
 * Whether `call` releases a claim or lock taken earlier in `scope` with `SET key … NX` / `SETNX`
 * on the same key (`await redis.del(claim)` after `redis.set(claim, '1', 'PX', ttl, 'NX')`).
 * Releasing is bookkeeping of the claim, not work a settle confirms: if the process dies before
 * it, the claim only lingers until its TTL, on a message that is already done.
 */
export function isClaimRelease(call: ts.CallExpression, scope: ts.Node, facts: FileFacts, project: ProjectIndex): boolean {
  const callee = unwrap(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || !KEY_REMOVALS.has(callee.name.text) || call.arguments.length !== 1) return false;
  const key = plainKeyText(call.arguments[0]);
  if (key === undefined) return false;
  return dedupGuardsIn(scope, facts, project).some((g) => g.kind === 'set-nx' && ts.isCallExpression(g.node) &&
    g.node.getStart() < call.getStart() && g.node.arguments.length > 0 && plainKeyText(g.node.arguments[0]) === key &&
    sameReceiver(g.node, callee.expression));
}

/**
 * A key written as a variable, a property path, a literal or a template of those (`claim`,
 * `this.key`, `` `lock:${m.seq}` ``), whose text names it; a key computed by a call may differ
 * between calls. A `const` visible where the key is written stands for its initialiser (see
 * `constInitializer`), so `claim` and the template it was built from name the same key.
 */
function plainKeyText(arg: ts.Expression): string | undefined {
  let e = unwrap(arg);
  if (ts.isIdentifier(e)) {
    const init = constInitializer(e);
    if (init && plainKey(unwrap(init))) e = unwrap(init);
  }
  return plainKey(e) ? e.getText() : undefined;
}

function plainKey(n: ts.Node): boolean {
  return ts.isIdentifier(n) || ts.isStringLiteralLike(n) ||
    (ts.isPropertyAccessExpression(n) && (plainKey(n.expression) || n.expression.kind === ts.SyntaxKind.ThisKeyword)) ||
    (ts.isTemplateExpression(n) && n.templateSpans.every((s) => plainKey(s.expression)));
}

/** Whether the claim was taken on the same client the release runs on (`redis.set` / `redis.del`). */
function sameReceiver(claim: ts.CallExpression, receiver: ts.Expression): boolean {
  const callee = unwrap(claim.expression);
  return ts.isPropertyAccessExpression(callee) && unwrap(callee.expression).getText() === unwrap(receiver).getText();
}
