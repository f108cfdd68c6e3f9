import { ts } from 'ts-morph';
import { createRule, type RuleContext } from '../engine/rule';
import { callsInFlow, classifyCall, readSql, runsInline, sideEffectsIn, transactionOf, transactionsIn, OUTBOX_NAME, type Effect, type Transaction, sqlTextOf, DB_WRITE_EVIDENCE, OUTGOING_EFFECT_EVIDENCE, OUTGOING_EVIDENCE, OUTGOING_PACKAGE, shapeOf } from '../facts/effects';
import { RELATIVE_IMPORT_TEXT } from '../engine/prefilter';
import type { ProjectIndex } from '../facts/project/project-index';
import { BROKER_LABEL } from '../facts/broker-libraries';
import { consumersOf } from '../facts/consumers';
import type { FileFacts } from '../facts/file-facts';
import type { ConsumerHandler } from '../facts/model';
import { calleeText, excerpt, isFunctionWithBody } from '../facts/syntax';
import { isAwaited } from '../facts/flow';
import { pathOf } from '../facts/summaries/path';

/** A constructor parameter property (`constructor(private readonly bus: EventBus)`) or a token injection. */
const INJECTED_DEPENDENCY = /constructor\s*\([^)]*\b(private|protected|public|readonly)\s|@[Ii]nject\s*\(/;

/** A transaction opened with a callback, as `transactionsIn` finds it. */
const TRANSACTION_CALLBACK = /\b(\$transaction|transaction|withTransaction|runTransaction|transactional)\s*\(/;

/**
 * Effects that leave the service and that another system builds on: a publish to a broker, and a
 * payment (money taken with no record of why). Always paired with a database write.
 */
const OUTGOING = new Set<Effect['kind']>(['publish', 'payment']);
/**
 * Calls to another system that are not events: an HTTP request, an e-mail, an SMS. Next to a
 * write they are inconsistent only in the way any two calls are (a resend, a repeated request
 * heals them), and a web app writes and mails on almost every request, so pairing them by default
 * buries the lost events under noise. The `externalEffects` option adds them; in a Temporal
 * activity they always count (see below).
 */
const EXTERNAL_CALL = new Set<Effect['kind']>(['http', 'email', 'sms']);
/**
 * Messages to a person. Inside a consumer or job handler one next to a write is not a second
 * record that another system builds on: the message being handled drives the work, a crash
 * between the two redelivers it, and the e-mail repeated by that redelivery is missing-dedup's
 * finding. Outside a handler (an HTTP request) nothing retries it, and the pair stays a dual write;
 * so it does in a Temporal activity, where the fix is to make the send an activity of its own.
 */
const NOTIFICATION = new Set<Effect['kind']>(['email', 'sms']);
/** Libraries whose "counter" lives in a database (Redis counters are not part of a DB transaction). */
const DB_COUNTER = /^(pg|mysql2|sqlite|prisma|typeorm|sequelize|mongoose|mongodb|knex|drizzle|dynamodb|orm|sql|db-transaction)$/;
/** Reads that a relay makes of its outbox: `SELECT … FROM outbox`, `outboxRepo.find(…)`, `prisma.outboxEvent.findMany(…)`. */
const READ_METHOD = /^(find\w*|get\w*|select\w*|fetch\w*|claim\w*|query|execute|many|any|manyOrNone|lock\w*|all)$/;

function isDbWrite(e: Effect): boolean {
  return e.kind === 'db-write' || (e.kind === 'counter' && DB_COUNTER.test(e.library));
}

/** The effect as a message names it, with the path to it when it is in another function. */
function what(e: Effect, fn: ts.Node): string {
  const path = pathOf(e, fn).text;
  const via = path ? ` (through ${path})` : e.via.length > 0 ? ` (through \`${calleeText(e.at)}\`)` : '';
  return `\`${e.description}\`${via}`;
}

/** Related locations walking the path to an effect in another function; none when it is in the function itself. */
function pathSteps(e: Effect, fn: ts.Node): Array<{ node: ts.Node; message: string }> {
  return pathOf(e, fn).related;
}

function destination(e: Effect): string {
  switch (e.kind) {
    case 'publish':
      return e.broker ?? 'the broker';
    case 'http':
      return 'an external HTTP API';
    case 'email':
      return 'an e-mail service';
    case 'sms':
      return 'an SMS service';
    default:
      return 'a payment provider';
  }
}

/**
 * Whether two calls can never both run in one execution: opposite branches of an `if`, a
 * conditional expression, different `switch` cases, or a `try` block and its `catch`.
 */
function exclusive(a: ts.Node, b: ts.Node): boolean {
  const ancestorsOfA = new Set<ts.Node>();
  for (let n: ts.Node | undefined = a; n; n = n.parent) ancestorsOfA.add(n);
  let childOfB: ts.Node = b;
  for (let n: ts.Node | undefined = b.parent; n; childOfB = n, n = n.parent) {
    if (!ancestorsOfA.has(n)) continue;
    let childOfA: ts.Node = a;
    for (let m: ts.Node | undefined = a.parent; m && m !== n; m = m.parent) childOfA = m;
    if (childOfA === childOfB) return false;
    if (ts.isIfStatement(n)) return childOfA !== n.expression && childOfB !== n.expression;
    if (ts.isConditionalExpression(n)) return childOfA !== n.condition && childOfB !== n.condition;
    if (ts.isCaseBlock(n)) return true;
    if (ts.isTryStatement(n)) return (childOfA === n.tryBlock && childOfB === n.catchClause) || (childOfB === n.tryBlock && childOfA === n.catchClause);
    return false;
  }
  return false;
}

/**
 * Whether the function is an outbox relay or already writes through an outbox: it reads or
 * writes an outbox table (directly or through a function named after one), or calls something
 * named after one (`outbox.enqueue(tx, event)`).
 */
function usesOutbox(fn: ts.Node, effects: readonly Effect[], facts: FileFacts): boolean {
  // A write reached through a function or class named after an outbox (a relay's
  // `this.store.claimBatch()` on an `OutboxStore`) is the outbox's own bookkeeping.
  if (effects.some((e) => isDbWrite(e) && (OUTBOX_NAME.test(e.target ?? '') || (e.hops ?? []).some((h) => OUTBOX_NAME.test(h.label))))) return true;
  for (const call of callsInFlow(fn)) {
    const callee = call.expression.getText();
    if (OUTBOX_NAME.test(callee)) return true;
    const s = shapeOf(call, facts);
    const sql = sqlTextOf(s);
    if (sql !== undefined && OUTBOX_NAME.test(readSql(sql).table ?? '')) return true;
    if (s.method && READ_METHOD.test(s.method) && call.arguments.some((a) => OUTBOX_NAME.test(a.getText()))) return true;
  }
  return false;
}

/** The consumer whose handler is `fn`, if any: there a redelivery may repeat the whole handler. */
function consumerOwning(fn: ts.Node, facts: FileFacts, project: ProjectIndex): ConsumerHandler | undefined {
  return consumersOf(facts, project).find((c) => c.handler === fn || (c.scope !== undefined && c.scope.pos >= fn.pos && c.scope.end <= fn.end));
}

/**
 * An outbox relay must see each send succeed before it deletes or marks the rows it sent. A send
 * whose promise nobody waits for, followed by that bookkeeping, drops the rows of a failed send:
 * the one place the event was kept is gone.
 */
function checkRelayWaits(context: RuleContext, fn: ts.Node, effects: readonly Effect[], writes: readonly Effect[]): void {
  for (const out of effects) {
    // amqplib's publish returns a boolean, not a promise: its confirms come by callback or waitForConfirms.
    if (out.kind !== 'publish' || out.at !== out.call || /^amqplib(\/|$)/.test(out.library) || isAwaited(out.call)) continue;
    const later = writes.find((w) => w.at.getStart() > out.at.getStart() && !exclusive(w.at, out.at));
    if (!later) continue;
    context.report({
      node: out.at,
      messageId: 'relayNotWaited',
      data: { out: what(out, fn), dest: destination(out), write: what(later, fn) },
      related: [{ node: later.at, message: `the outbox bookkeeping that runs without waiting: ${later.description}` }, ...pathSteps(later, fn)],
    });
  }
}

/**
 * The write whose completion callback `fn` is: `connection.query('INSERT …', values, (err) => { … })`,
 * `pool.query(sql, (err, res) => { … })`. What the callback sends, it sends after the write committed.
 */
function completedWrite(fn: ts.Node, facts: FileFacts): Effect | undefined {
  const call = fn.parent;
  if (!call || !ts.isCallExpression(call) || call.arguments[call.arguments.length - 1] !== fn) return undefined;
  const raw = classifyCall(call, facts);
  return raw && (raw.kind === 'db-write' || (raw.kind === 'counter' && DB_COUNTER.test(raw.library))) ? { ...raw, at: call, via: [] } : undefined;
}

/** The client a transaction was opened on (`client` in `client.$transaction(…)`) and the callback's handle (`tx`). */
function callbackClients(tx: Transaction): { client: string; handle: string } | undefined {
  if (tx.form !== 'callback' || !(ts.isArrowFunction(tx.node) || ts.isFunctionExpression(tx.node))) return undefined;
  const param = tx.node.parameters[0];
  const callee = tx.begin.expression;
  if (!param || !ts.isIdentifier(param.name) || !ts.isPropertyAccessExpression(callee)) return undefined;
  return { client: callee.expression.getText(), handle: param.name.text };
}

/**
 * Writes inside a transaction callback made on the client the transaction was opened on rather
 * than on the callback's handle (`prisma.$transaction(async (tx) => { await prisma.order.create(…) })`)
 * commit on their own. Reported where the callback also writes an outbox row: the record and its
 * event were meant to commit together.
 */
function checkOuterClientWrites(context: RuleContext, writes: readonly Effect[], txs: readonly Transaction[]): void {
  for (const tx of txs) {
    const clients = callbackClients(tx);
    if (!clients) continue;
    const inside = writes.filter((w) => w.via.length === 0 && transactionOf(w.at, txs) === tx && ts.isCallExpression(w.at));
    if (inside.length < 2 || !inside.some((w) => OUTBOX_NAME.test(w.target ?? ''))) continue;
    const outer = inside.filter((w) => (w.at as ts.CallExpression).expression.getText().startsWith(`${clients.client}.`));
    const first = outer[0];
    if (!first) continue;
    const other = inside.find((w) => w !== first)!;
    const callee = (first.at as ts.CallExpression).expression.getText();
    context.report({
      node: first.at,
      messageId: 'outsideTransaction',
      data: {
        write: `\`${first.description}\``, begin: `${excerpt(tx.begin.expression.getText(), 40)}(…)`, client: clients.client, tx: clients.handle,
        other: `\`${other.description}\``, fixed: `${clients.handle}.${callee.slice(clients.client.length + 1)}(…)`,
      },
      related: [{ node: other.at, message: `the other write of the transaction: ${other.description}` }, { node: tx.begin, message: 'the transaction opened here' }],
    });
  }
}

const OPTIONS = {
  externalEffects: {
    type: 'boolean',
    default: false,
    description: 'Also pair a database write with an HTTP call, e-mail or SMS (outside consumer and job handlers), not only with a broker publish or a payment.',
  },
} as const;

export const dualWrite = createRule({
  meta: {
    id: 'dual-write',
    description: 'A function writes its database and also publishes to a broker (or takes a payment) without an outbox, so a crash between the two loses the event, and a publish before commit announces a change that may roll back.',
    defaultSeverity: 'warning',
    fixable: 'none',
    requiresTypes: false,
    brokers: ['rabbitmq', 'kafka', 'sqs', 'pubsub', 'nats', 'bullmq', 'redis-streams', 'temporal'],
    consequence: 'event-lost-or-phantom',
  },
  messages: {
    afterWrite:
      '{{out}} sends to {{dest}} after {{write}} commits, as a second, separate write: if the process crashes or {{dest}} is unreachable between the two, the database change stays and the event is lost, and no retry will ever send it (event lost). Fix: insert the event into an outbox table in the same transaction as the write and let a relay publish it (`eos scaffold outbox`); consumers dedup by event id.',
    afterWriteInConsumer:
      '{{out}} sends to {{dest}} after {{write}} inside this {{broker}} consumer, as a second, separate write: if the process crashes between the two, the event is sent only if the redelivered message runs this handler again all the way, and any check that skips a repeated message (a dedup record, a status check) makes the loss permanent (event lost). Fix: insert the event into an outbox table in the same transaction as the write and let a relay publish it (`eos scaffold outbox`).',
    afterWriteInActivity:
      '{{out}} sends to {{dest}} after {{write}} inside this Temporal activity, as a second, separate write: if the attempt fails or the worker dies between the two, Temporal retries the whole activity, which runs the write again (a second row, or a duplicate-key error that fails every retry) before it reaches the send, and a check that skips the already-done write, or a retry policy that gives up, loses the event for good (event lost). Fix: make the send its own activity that the workflow runs after this one completes (each keyed by the workflow and activity ids), or insert the event into an outbox table in the same transaction as the write and let a relay publish it (`eos scaffold outbox`).',
    beforeWrite:
      '{{out}} sends to {{dest}} before {{write}}: if the write then fails or the process crashes, consumers have already seen an event for a change that never happened (phantom event). Fix: insert the event into an outbox table in the same transaction as the write and let a relay publish it after commit (`eos scaffold outbox`).',
    externalBeforeWrite:
      '{{out}} calls {{dest}} before {{write}}: if the write then fails or the process crashes, the external effect has happened with no record of it here, and nothing will reconcile the two (phantom event). Fix: record the intent in the database first and make the call from a relay (outbox, `eos scaffold outbox`), or pass an idempotency key derived from the record so the whole operation can be retried safely.',
    relayNotWaited:
      'This outbox relay hands {{out}} to {{dest}} without waiting for it, then {{write}} runs: if the send fails or the process stops before it completes, the outbox rows are already gone or marked sent and the event is never published (event lost). Fix: await the send (and its acknowledgement) before deleting or marking the rows it carried.',
    outsideTransaction:
      '{{write}} runs inside the callback of `{{begin}}` but on the outer client `{{client}}`, not on the transaction\'s `{{tx}}`: it commits on its own, at once, so a failure or a crash between it and {{other}} leaves a record without its outbox event (event lost) or an outbox event without its record (phantom event). Fix: make every write of the callback on `{{tx}}` (`{{fixed}}`), so the record and its outbox row commit together.',
    inTransaction:
      '{{out}} sends to {{dest}} inside an open {{library}} transaction, before it commits: if the transaction rolls back (or the commit fails) the event announces a change that never happened (phantom event), and a retry of the transaction sends it again. Fix: insert the event into an outbox table inside this transaction and let a relay publish it after commit (`eos scaffold outbox`).',
  },
  options: OPTIONS,
  // A function can write and send through callees in the files it imports: those files' text counts too.
  triggers: new RegExp(`${DB_WRITE_EVIDENCE.source}|${OUTGOING_EVIDENCE.source}|${RELATIVE_IMPORT_TEXT.source}`, 'i'),
  // The outgoing side by what the file imports (or, with --types, what the checker can name), not
  // by generic method names: most files that call `.add(` or `.create(` send nothing anywhere. A
  // file holding injected dependencies needs only one half within reach: their implementations
  // (followed by class name, through path aliases and interfaces) may hold the other in files no
  // relative import leads to.
  admits: {
    any: [
      { all: [{ reaches: DB_WRITE_EVIDENCE }, { any: [{ reaches: OUTGOING_EFFECT_EVIDENCE }, { typesFrom: OUTGOING_PACKAGE }] }] },
      { all: [{ text: INJECTED_DEPENDENCY }, { any: [{ reaches: DB_WRITE_EVIDENCE }, { reaches: OUTGOING_EVIDENCE }] }] },
      // An outbox row written in a transaction callback, perhaps on the outer client (checkOuterClientWrites).
      { all: [{ text: OUTBOX_NAME }, { text: TRANSACTION_CALLBACK }] },
    ],
  },
  create(context) {
    return {
      end() {
        const { facts, project } = context;
        for (const fn of facts.functions) {
          if (!isFunctionWithBody(fn) || runsInline(fn)) continue;
          const own = sideEffectsIn(fn, facts, project);
          // A write's completion callback runs after that write has committed.
          const completed = completedWrite(fn, facts);
          const effects = completed ? [completed, ...own] : own;
          const writes = effects.filter(isDbWrite);
          if (writes.length === 0) continue;
          checkOuterClientWrites(context, writes, transactionsIn(fn, facts));
          const consumer = consumerOwning(fn, facts, project);
          // A Temporal activity is the unit Temporal retries: a call in it next to a write is
          // repeated or skipped with it, whatever kind of call it is.
          const withCalls = context.options.externalEffects || consumer?.broker === 'temporal';
          const counts = (e: Effect) => OUTGOING.has(e.kind) || (withCalls && EXTERNAL_CALL.has(e.kind));
          // A payment call with an idempotency key can be retried together with the write, so the pair converges.
          const outs = effects.filter((e) => counts(e) && !(e.kind === 'payment' && e.idempotent) && !(consumer && consumer.broker !== 'temporal' && NOTIFICATION.has(e.kind)));
          if (outs.length === 0) continue;
          if (usesOutbox(fn, effects, facts)) {
            checkRelayWaits(context, fn, effects, writes);
            continue;
          }
          const txs: Transaction[] = transactionsIn(fn, facts);
          const reported = new Set<ts.Node>();
          for (const out of outs) {
            if (reported.has(out.at)) continue;
            // The write and the send must be two steps of this function, not both inside one callee (reported there).
            const partners = writes.filter((w) => w.at !== out.at && !exclusive(w.at, out.at));
            if (partners.length === 0) continue;
            const tx = transactionOf(out.at, txs);
            const inTx = tx && partners.find((w) => transactionOf(w.at, txs) === tx);
            reported.add(out.at);
            if (tx && inTx) {
              context.report({
                node: out.at, messageId: 'inTransaction',
                data: { out: what(out, fn), dest: destination(out), library: tx.library },
                related: [{ node: inTx.at, message: `the transaction's write: ${inTx.description}` }, { node: tx.begin, message: 'the transaction opened here' }, ...pathSteps(out, fn), ...pathSteps(inTx, fn)],
              });
              continue;
            }
            const before = partners.filter((w) => w.at.getStart() < out.at.getStart());
            const write = before[before.length - 1] ?? partners[0];
            context.report({
              node: out.at,
              messageId: before.length === 0 ? (out.kind === 'publish' ? 'beforeWrite' : 'externalBeforeWrite') : consumer?.broker === 'temporal' ? 'afterWriteInActivity' : consumer ? 'afterWriteInConsumer' : 'afterWrite',
              data: { out: what(out, fn), dest: destination(out), write: what(write, fn), broker: consumer ? BROKER_LABEL[consumer.broker] : '' },
              related: [{ node: write.at, message: `the database write: ${write.description}` }, ...pathSteps(out, fn), ...pathSteps(write, fn)],
            });
          }
        }
      },
    };
  },
});
