import { ts } from 'ts-morph';
import type { ProjectIndex } from '../facts/project/project-index';
import { createRule, type RuleContext } from '../engine/rule';
import { BROKER_LABEL, brokerPhrase, brokersImported } from '../facts/broker-libraries';
import { consumerRunning, DEDUP_KEY_TEXT, keyText, redisOpsOf, type RedisOp } from '../facts/dedup-keys';
import { inDeliveryContext, isInMemoryCollection } from '../facts/delivery-context';
import { formatMs } from '../facts/durations';
import { callsInFlow, flowOwner, sideEffectsIn, transactionOf, transactionsIn, type Effect, type Transaction, INBOX_NAME, OUTBOX_NAME } from '../facts/effects';
import type { FileFacts } from '../facts/file-facts';
import { unwrap } from '../facts/origins';
import { calleeName, contains, excerpt, receiverOf } from '../facts/syntax';
import { walkTree } from '../facts/tree-walk';

/**
 * One step of a dedup protocol inside a function: looking the message up (check), recording it
 * after the work (mark), claiming it before the work (claim), or dropping a claim (release).
 */
interface Step {
  kind: 'check' | 'mark' | 'claim' | 'release';
  store: 'redis' | 'db' | 'helper';
  /** What the step is about: the Redis key text, or the inbox table / model / repository. */
  id: string;
  call: ts.CallExpression;
  /** For Redis claims and marks: the expiry, when known. */
  ttlMs?: number;
  noTtl?: boolean;
}

const DB_CHECKS = new Set(['findOne', 'findOneBy', 'findUnique', 'findFirst', 'findById', 'count', 'exists', 'exist', 'existsBy', 'findByPk']);
const DB_INSERTS = new Set(['create', 'insert', 'save', 'upsert', 'createMany', 'insertOne', 'add', 'bulkCreate']);
const DB_DELETES = new Set(['delete', 'deleteOne', 'deleteMany', 'destroy', 'remove']);
/** Helper names of check-style and mark-style dedup functions (the seed article's `is_duplicate` / `mark_processed`). */
const CHECK_HELPER = /^(is\w*Duplicated?|is\w*Processed|already\w*Processed|has\w*Processed|was\w*Processed|hasBeenProcessed|checkDuplicate|hasSeen|seen|isHandled|wasHandled)$/i;
const MARK_HELPER = /^(mark\w*(Processed|Duplicate|Seen|Handled|Done|Consumed)|recordProcessed|saveProcessed|rememberProcessed)$/i;
/** Keys that are locks or leases, not dedup records. */
const LOCK_KEY = /lock|mutex|leader|semaphore|lease|throttle|rate/i;
/** Calls that are not work: logging, settling the message, parsing. */
const NOT_WORK = /^(log|info|warn|error|debug|trace|ack|nack|reject|term|nak|ackAck|working|parse|stringify|toString|String|Number|JSON|resolve|isRunning|heartbeat)$/;

/** The last receiver segment, lower-cased: `this.inboxRepo` → 'inboxrepo', `prisma.processedMessage` → 'processedmessage'. */
function receiverId(receiver: ts.Expression): string {
  const text = receiver.getText().replace(/\(.*?\)/g, '');
  return (text.split('.').pop() ?? text).toLowerCase();
}

/** SQL text of a `query('...')`-style call, when literal. */
function sqlOf(call: ts.CallExpression): string | undefined {
  const method = calleeName(call);
  if (!method || !/^(query|execute|run|exec|raw|none|one|oneOrNone|any|many|result)$/.test(method)) return undefined;
  const first = call.arguments[0] && unwrap(call.arguments[0]);
  if (!first) return undefined;
  if (ts.isStringLiteralLike(first)) return first.text;
  if (ts.isTemplateExpression(first)) return first.getText();
  return undefined;
}

function dbStep(call: ts.CallExpression): Step | undefined {
  const sql = sqlOf(call);
  if (sql !== undefined) {
    const select = /select[\s\S]+?from\s+["`]?([\w.]+)/i.exec(sql);
    if (select && INBOX_NAME.test(select[1]) && !OUTBOX_NAME.test(select[1]) && !/for\s+update/i.test(sql)) return { kind: 'check', store: 'db', id: select[1].toLowerCase(), call };
    const insert = /insert\s+(?:ignore\s+)?into\s+["`]?([\w.]+)/i.exec(sql);
    if (insert && INBOX_NAME.test(insert[1]) && !OUTBOX_NAME.test(insert[1])) {
      const claim = /on\s+conflict[\s\S]*do\s+nothing|insert\s+ignore|on\s+duplicate\s+key/i.test(sql);
      return { kind: claim ? 'claim' : 'mark', store: 'db', id: insert[1].toLowerCase(), call };
    }
    const del = /delete\s+from\s+["`]?([\w.]+)/i.exec(sql);
    if (del && INBOX_NAME.test(del[1])) return { kind: 'release', store: 'db', id: del[1].toLowerCase(), call };
    return undefined;
  }
  const method = calleeName(call);
  const receiver = receiverOf(call);
  if (!method || !receiver) return undefined;
  const text = receiver.getText();
  if (!INBOX_NAME.test(text) || OUTBOX_NAME.test(text)) return undefined;
  // `seen.add(id)` on a `new Set()`: an in-memory list of this run, not a store that outlives it.
  if (isInMemoryCollection(receiver)) return undefined;
  // Stores that take `add` (Firestore's `collection.add(doc)`) take a document; `add(id)` or
  // `add(1, labels)` is a `Set` behind a getter or a metric, which records no message.
  const first = call.arguments[0] && unwrap(call.arguments[0]);
  if (method === 'add' && !(first && ts.isObjectLiteralExpression(first))) return undefined;
  const id = receiverId(receiver);
  if (DB_CHECKS.has(method)) return { kind: 'check', store: 'db', id, call };
  // typeorm's `repo.create(...)` only builds the entity; `save` / `insert` write it.
  if (DB_INSERTS.has(method) && !(method === 'create' && /repo/i.test(text))) return { kind: 'mark', store: 'db', id, call };
  if (DB_DELETES.has(method)) return { kind: 'release', store: 'db', id, call };
  return undefined;
}

function redisStep(op: RedisOp): Step | undefined {
  const text = keyText(op.key);
  if (LOCK_KEY.test(text)) return undefined;
  const id = `redis:${text}`;
  switch (op.kind) {
    case 'read':
      return { kind: 'check', store: 'redis', id, call: op.call };
    case 'claim':
      return { kind: 'claim', store: 'redis', id, call: op.call, ttlMs: op.ttlMs?.value, noTtl: op.noTtl };
    case 'write':
      return { kind: 'mark', store: 'redis', id, call: op.call, ttlMs: op.ttlMs?.value, noTtl: op.noTtl };
    case 'delete':
      return { kind: 'release', store: 'redis', id, call: op.call };
    default:
      return undefined;
  }
}

/** Steps in the flow of `fn`, in document order, with helper calls summarised by what their body does. */
function stepsOf(fn: ts.Node, facts: FileFacts, project: ProjectIndex, visiting: Set<ts.Node> = new Set([fn])): Step[] {
  // Built once per file, not once per function (and per helper it calls).
  const redis = facts.memo('non-atomic-dedup:redis-ops-by-call', () => new Map(redisOpsOf(facts, project).map((op) => [op.call, op])));
  // A call is in the flow of its function and of every function it is nested in: judged once.
  const judged = facts.memo('non-atomic-dedup:step-of-call', () => new Map<ts.CallExpression, Step | null>());
  const out: Step[] = [];
  for (const call of callsInFlow(fn)) {
    let step = judged.get(call);
    if (step === undefined) {
      const op = redis.get(call);
      step = (op ? redisStep(op) : dbStep(call)) ?? null;
      judged.set(call, step);
    }
    if (step) {
      out.push(step);
      continue;
    }
    const name = calleeName(call);
    if (name && (CHECK_HELPER.test(name) || MARK_HELPER.test(name))) {
      const body = project.resolveFunction(facts, call.expression);
      // A helper counts when its body (in this file) touches a store, or when it cannot be read. A
      // helper already being summarised (`markHandled` calling `this.model.markHandled`, resolved
      // by name to itself) adds nothing more.
      if (body && visiting.has(body)) continue;
      const inner = body && body.getSourceFile() === facts.sourceFile ? stepsOf(body, facts, project, new Set(visiting).add(body)) : undefined;
      const touches = !inner || inner.some((s) => (CHECK_HELPER.test(name) ? s.kind === 'check' : s.kind === 'mark' || s.kind === 'claim'));
      if (touches) out.push({ kind: CHECK_HELPER.test(name) ? 'check' : 'mark', store: 'helper', id: `helper:${name}`, call });
    }
  }
  return out;
}

/** Whether the value of `call` decides an early exit (`if (await redis.exists(k)) return;`, `const seen = …; if (seen) …`). */
function guardsExit(call: ts.CallExpression): boolean {
  let n: ts.Node = call;
  while (n.parent && (ts.isAwaitExpression(n.parent) || ts.isParenthesizedExpression(n.parent) || ts.isPrefixUnaryExpression(n.parent) || ts.isBinaryExpression(n.parent) || ts.isCallExpression(n.parent) && n.parent !== call)) {
    n = n.parent;
  }
  if (n.parent && (ts.isIfStatement(n.parent) || ts.isConditionalExpression(n.parent))) return true;
  if (n.parent && ts.isVariableDeclaration(n.parent) && ts.isIdentifier(n.parent.name)) {
    const name = n.parent.name.text;
    const scope = flowOwner(call) ?? call.getSourceFile();
    let used = false;
    walkTree(scope, (m): boolean | void => {
      if (used) return false;
      if (ts.isIfStatement(m) && m.pos > call.pos && new RegExp(`\\b${name}\\b`).test(m.expression.getText())) used = true;
    }, false);
    return used;
  }
  return false;
}

/** Whether the claim's result is tested (a real claim), rather than written and ignored. */
const claimIsTested = guardsExit;

function sameTransaction(a: ts.Node, b: ts.Node, txs: readonly Transaction[]): boolean {
  const ta = transactionOf(a, txs);
  return ta !== undefined && ta === transactionOf(b, txs);
}

/** Business writes of the function: database writes that are not the dedup record itself. */
function businessWrites(effects: Effect[]): Effect[] {
  return effects.filter((e) => e.kind === 'db-write' && !(e.target && (INBOX_NAME.test(e.target) || OUTBOX_NAME.test(e.target))) && !INBOX_NAME.test(e.at.getText().slice(0, 200)));
}

/** Calls after `step` that do work (not logging, not settling, not the dedup store itself). */
function workAfter(step: Step, fn: ts.Node, steps: Step[]): ts.CallExpression | undefined {
  const storeCalls = new Set(steps.map((s) => s.call));
  return callsInFlow(fn).find((c) => {
    if (c.pos <= step.call.end || storeCalls.has(c) || contains(step.call, c)) return false;
    const name = calleeName(c) ?? '';
    if (NOT_WORK.test(name)) return false;
    const receiver = receiverOf(c);
    return !(receiver && /^(console|logger|this\.logger|log)$/.test(receiver.getText()));
  });
}

/** A release of the claimed key/table that runs when the work fails (a catch or finally after the claim). */
function released(claim: Step, steps: Step[]): boolean {
  return steps.some((s) => s.kind === 'release' && s.call.pos > claim.call.pos && (s.id === claim.id || (s.store === 'db' && claim.store === 'db')) && inFailurePath(s.call));
}

function inFailurePath(node: ts.Node): boolean {
  for (let n = node.parent; n; n = n.parent) {
    if (ts.isCatchClause(n)) return true;
    if (ts.isTryStatement(n) && n.finallyBlock && contains(n.finallyBlock, node)) return true;
    if (ts.isCallExpression(n) && calleeName(n) === 'catch') return true;
    if (ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n)) return false;
  }
  return false;
}

function brokerOf(node: ts.Node, context: RuleContext): string {
  const consumer = consumerRunning(node, context.facts, context.project);
  if (consumer) return BROKER_LABEL[consumer.broker];
  const imported = brokersImported(context.facts);
  // Webhook handlers and job runners dedup redeliveries too; say so instead of naming no broker.
  return imported.length > 0 ? brokerPhrase(imported) : 'Redelivered messages (queue or webhook)';
}

function storeName(step: Step): string {
  if (step.store === 'redis') return 'Redis';
  const receiver = receiverOf(step.call);
  return step.store === 'db' ? `\`${receiver && !sqlOf(step.call) ? receiver.getText() : step.id}\`` : `\`${step.id.replace(/^helper:/, '')}()\``;
}

/** Functions of the file that hold at least one dedup step (the handler, or a helper it calls). */
function functionsWithSteps(facts: FileFacts): ts.Node[] {
  const owners = new Set<ts.Node>();
  for (const call of facts.calls) {
    const name = calleeName(call) ?? '';
    const interesting = DB_CHECKS.has(name) || DB_INSERTS.has(name) || CHECK_HELPER.test(name) || MARK_HELPER.test(name) || /^(set|setnx|setNX|setex|setEx|psetex|exists|get|sismember|sIsMember|sadd|sAdd|query|execute|run)$/.test(name);
    if (!interesting) continue;
    const owner = flowOwner(call);
    if (owner) owners.add(owner);
  }
  return [...owners];
}

export const nonAtomicDedup = createRule({
  meta: {
    id: 'non-atomic-dedup',
    description: 'Dedup must claim the message atomically and commit the record with the work: no check-then-act, no record in another store or transaction than the work, no claim that survives a failure.',
    defaultSeverity: 'error',
    fixable: 'none',
    requiresTypes: false,
    brokers: ['rabbitmq', 'kafka', 'sqs', 'pubsub', 'nats', 'bullmq'],
    consequence: 'message-lost-or-doubled',
  },
  messages: {
    checkThenAct:
      '{{broker}}: check-then-act dedup — `{{check}}` looks the message up and `{{mark}}` records it later, in two separate steps, so two deliveries of the same message that overlap (a redelivery after a timeout or rebalance while the first is still running, two consumers) both pass the check and both do the work (effect doubled). Fix: claim atomically before the work — `SET key 1 NX PX <ttl>` and skip when it returns null, releasing the key if the work fails — or insert the dedup row with `ON CONFLICT DO NOTHING` inside the same database transaction as the work.',
    otherStore:
      '{{broker}}: the dedup record is written to {{store}} after the work, while the work (`{{work}}`) commits {{where}}: the two cannot commit together, so a crash after the work and before `{{mark}}` leaves no record and the redelivery does the work again (effect doubled). Fix: insert the dedup row in the same database transaction as `{{work}}` (a unique violation then means duplicate).',
    claimNoRelease:
      '{{broker}}: `{{claim}}` claims the message before the work, but nothing releases the claim when the work fails, so every redelivery finds it and skips the message {{duration}} (message lost). Fix: release the claim in a `catch` ({{release}}) and rethrow, or write the claim in the same database transaction as the work so a failure rolls it back.',
  },
  triggers: /dedup|idempot|processed|inbox|Idempotency|handled|seen|consumed|isDuplicate|markProcessed|\.exists\(|setnx|setNX|\bNX\b|ON CONFLICT|INSERT IGNORE/i,
  create(context) {
    return {
      end() {
        const { facts, project } = context;
        for (const fn of functionsWithSteps(facts)) {
          const steps = stepsOf(fn, facts, project);
          if (steps.length === 0) continue;
          // Only code a redelivery runs again: a consumer's, a webhook's or a job's.
          if (!inDeliveryContext(fn, facts, project)) continue;
          const txs = transactionsIn(fn, facts);
          const effects = sideEffectsIn(fn, facts, project);
          const writes = businessWrites(effects);
          const reported = new Set<ts.Node>();

          // 1. check → … → mark, as two separate steps.
          for (const check of steps.filter((s) => s.kind === 'check')) {
            if (!guardsExit(check.call)) continue;
            const mark = steps.find((s) => (s.kind === 'mark' || (s.kind === 'claim' && !claimIsTested(s.call))) && s.call.pos > check.call.pos &&
              (s.id === check.id || (s.store === 'helper' && check.store === 'helper' && sameFirstArgument(s.call, check.call)) ||
                (s.store === 'helper') !== (check.store === 'helper') ||
                (s.store === 'db' && check.store === 'db' && s.id.replace(/repo(sitory)?$/, '') === check.id.replace(/repo(sitory)?$/, ''))));
            if (!mark) continue;
            // A tested claim between the check and the record serialises the deliveries already.
            if (steps.some((s) => s.kind === 'claim' && s.call.pos > check.call.pos && s.call.pos < mark.call.pos && claimIsTested(s.call))) continue;
            if (check.store !== 'redis' && !DEDUP_KEY_TEXT.test(check.id) && check.store !== 'helper' && !INBOX_NAME.test(check.id)) continue;
            if (check.store === 'redis' && !DEDUP_KEY_TEXT.test(check.id)) continue;
            // Check and insert in one transaction: the unique key turns the race into a rollback.
            if (mark.store === 'db' && sameTransaction(check.call, mark.call, txs)) continue;
            // The insert commits with the work: a concurrent duplicate fails on the unique key and
            // rolls its work back, so the check outside is only a fast path.
            if (mark.store === 'db' && transactionOf(mark.call, txs) && writes.some((w) => sameTransaction(w.at, mark.call, txs))) continue;
            reported.add(check.call);
            context.report({
              node: check.call,
              messageId: 'checkThenAct',
              data: { broker: brokerOf(check.call, context), check: excerpt(check.call.getText(), 70), mark: excerpt(mark.call.getText(), 70) },
              related: [{ node: mark.call, message: 'the record is written here, after the check' }],
            });
          }

          // 2. A record written after the work, in another store or transaction than the work.
          for (const mark of steps.filter((s) => s.kind === 'mark' && s.store !== 'helper')) {
            if (mark.store === 'redis' && !DEDUP_KEY_TEXT.test(mark.id)) continue;
            const before = writes.filter((w) => w.at.pos < mark.call.pos && !contains(w.at, mark.call));
            const work = before.find((w) => mark.store === 'redis' || !sameTransaction(w.at, mark.call, txs));
            if (!work) continue;
            const txWork = transactionOf(work.at, txs);
            context.report({
              node: mark.call,
              messageId: 'otherStore',
              data: {
                broker: brokerOf(mark.call, context),
                store: storeName(mark),
                work: work.description,
                where: mark.store === 'redis' ? `in the database (${work.library})` : txWork ? 'in another transaction' : 'in its own autocommit statement',
                mark: excerpt(mark.call.getText(), 70),
              },
              related: [{ node: work.at, message: 'the work commits here' }],
            });
          }

          // 3. A claim before the work that nothing releases on failure.
          // A Redis record written right after a guarded check and before the work is used as a claim.
          const usedAsClaim = (s: Step): boolean => s.kind === 'mark' && s.store === 'redis' &&
            steps.some((c) => c.kind === 'check' && c.id === s.id && c.call.pos < s.call.pos && guardsExit(c.call)) &&
            !businessWrites(effects).some((w) => w.at.pos < s.call.pos && w.at.pos > (steps.find((c) => c.kind === 'check' && c.id === s.id)?.call.pos ?? 0));
          for (const claim of steps.filter((s) => s.kind === 'claim' || (s.kind === 'mark' && s.store === 'db') || usedAsClaim(s))) {
            if (reported.has(claim.call)) continue;
            if (claim.store === 'redis' && !(DEDUP_KEY_TEXT.test(claim.id) || consumerRunning(claim.call, facts, project))) continue;
            if (claim.kind === 'mark' && !claimIsTested(claim.call) && claim.store === 'db') {
              // A plain inbox insert before the work: a unique key makes it a claim; after the work it is a mark (case 2).
              if (writes.some((w) => w.at.pos < claim.call.pos)) continue;
            }
            if (claim.kind === 'claim' && !claimIsTested(claim.call) && claim.store === 'redis') continue;
            if (claim.kind === 'mark' && claim.store === 'redis' && !DEDUP_KEY_TEXT.test(claim.id)) continue;
            const work = workAfter(claim, fn, steps);
            if (!work) continue;
            // Claim and work in one database transaction roll back together.
            if (claim.store === 'db' && (transactionOf(claim.call, txs) !== undefined) && writes.every((w) => w.at.pos < claim.call.pos || sameTransaction(w.at, claim.call, txs))) continue;
            if (released(claim, steps)) continue;
            const duration = claim.store === 'redis'
              ? claim.noTtl ? 'forever, since the key has no expiry' : claim.ttlMs !== undefined ? `until the key expires in ${formatMs(claim.ttlMs)}` : 'until the key expires'
              : 'for as long as the record stays';
            context.report({
              node: claim.call,
              messageId: 'claimNoRelease',
              data: {
                broker: brokerOf(claim.call, context),
                claim: excerpt(claim.call.getText(), 70),
                duration,
                release: claim.store === 'redis' ? `\`await ${receiverOf(claim.call)?.getText() ?? 'redis'}.del(${unwrapKey(claim.call)})\`` : `delete the ${storeName(claim)} record`,
              },
              related: [{ node: work, message: 'the work the claim protects' }],
            });
          }
        }
      },
    };
  },
});

/** Two helper calls about the same message: `isDuplicate(key)` … `markDuplicate(key)`. */
function sameFirstArgument(a: ts.CallExpression, b: ts.CallExpression): boolean {
  const x = a.arguments[0];
  const y = b.arguments[0];
  return x !== undefined && y !== undefined && x.getText().replace(/\s+/g, '') === y.getText().replace(/\s+/g, '');
}


function unwrapKey(call: ts.CallExpression): string {
  const key = call.arguments[0];
  return key ? key.getText() : 'key';
}
