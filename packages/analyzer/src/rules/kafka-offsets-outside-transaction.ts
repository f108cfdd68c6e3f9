import { ts } from 'ts-morph';
import type { ProjectIndex } from '../facts/project/project-index';
import { createRule } from '../engine/rule';
import type { FileFacts } from '../facts/file-facts';
import { KAFKA_MODULE, kafkaRuns, type KafkaRun } from '../facts/kafka-runs';
import { unwrap } from '../facts/origins';
import type { Fix } from '../types';
import { boundName, calleeName, callsWithin, contains, enclosingFunction, nameKey, propertyNameText, propertyNode, receiverOf, statementOf } from '../facts/syntax';
import { indentOf, insertAboveComments, insertBefore, replace } from '../fix/edits';
import { walkTree } from '../facts/tree-walk';

/** Functions reachable from `root` through calls resolvable syntactically (bounded depth). */
function reachableFrom(facts: FileFacts, project: ProjectIndex, root: ts.FunctionLikeDeclaration): Set<ts.FunctionLikeDeclaration> {
  const seen = new Set<ts.FunctionLikeDeclaration>([root]);
  let frontier = [root];
  for (let depth = 0; depth < 3 && frontier.length > 0; depth++) {
    const next: ts.FunctionLikeDeclaration[] = [];
    for (const fn of frontier) {
      for (const call of callsWithin(fn)) {
        const target = project.resolveFunction(facts, call.expression);
        if (target && !seen.has(target) && target.getSourceFile() === facts.sourceFile) {
          seen.add(target);
          next.push(target);
        }
      }
    }
    frontier = next;
  }
  return seen;
}

/** A `producer.transaction()` call of kafkajs, stored in a name. */
interface TransactionUse {
  begin: ts.CallExpression;
  name: string;
  fn: ts.FunctionLikeDeclaration;
  commits: ts.CallExpression[];
  sendOffsets: ts.CallExpression[];
  /** The transaction object is handed to other code (which may send the offsets). */
  escapes: boolean;
}

function isTransactionBegin(facts: FileFacts, call: ts.CallExpression): boolean {
  if (calleeName(call) !== 'transaction' || call.arguments.length > 0) return false;
  const receiver = receiverOf(call);
  if (!receiver) return false;
  const origin = facts.originOf(receiver);
  // A value from the user's own module (a producer factory or manager) says nothing; judge by name.
  if (origin && !/^[./]/.test(origin.module)) return KAFKA_MODULE.test(origin.module) && origin.chain.some((c) => c === 'producer()' || c === ':Producer');
  // Producers built in another module: trust the name only in a file that uses a Kafka client.
  return /producer/i.test(receiver.getText()) && facts.importsModule((m) => KAFKA_MODULE.test(m));
}

/** The callback of `producer.transaction().then(async (tx) => …)` and its parameter name. */
function thenCallback(begin: ts.CallExpression): { name: string; fn: ts.FunctionLikeDeclaration } | undefined {
  const access = begin.parent;
  const call = access?.parent;
  if (!access || !ts.isPropertyAccessExpression(access) || access.name.text !== 'then' || !call || !ts.isCallExpression(call)) return undefined;
  const cb = call.arguments[0] && unwrap(call.arguments[0]);
  if (!cb || !(ts.isArrowFunction(cb) || ts.isFunctionExpression(cb))) return undefined;
  const p = cb.parameters[0];
  return p && ts.isIdentifier(p.name) ? { name: p.name.text, fn: cb } : undefined;
}

function transactionUses(facts: FileFacts): TransactionUse[] {
  const out: TransactionUse[] = [];
  for (const begin of facts.calls) {
    if (!isTransactionBegin(facts, begin)) continue;
    // `const tx = await producer.transaction()`, or `producer.transaction().then(async (tx) => …)`
    const then = thenCallback(begin);
    const name = then ? then.name : boundName(begin);
    const fn = then ? then.fn : enclosingFunction(begin);
    if (!name || !fn) continue;
    const use: TransactionUse = { begin, name, fn, commits: [], sendOffsets: [], escapes: false };
    for (const call of callsWithin(fn)) {
      const receiver = receiverOf(call);
      if (receiver && nameKey(receiver) === name) {
        const method = calleeName(call);
        if (method === 'commit') use.commits.push(call);
        if (method === 'sendOffsets') use.sendOffsets.push(call);
      }
      if (call.arguments.some((a) => nameKey(a) === name)) use.escapes = true;
    }
    fn.body && walkTree(fn.body, (n): boolean | void => {
      if (ts.isReturnStatement(n) && n.expression && nameKey(n.expression) === name) use.escapes = true;
    }, false);
    out.push(use);
  }
  return out;
}

/** Whether a catch around the transaction aborts it and returns normally (no rethrow). */
function swallowsAbort(use: TransactionUse): boolean {
  let found = false;
  walkTree(use.fn, (n): boolean | void => {
    if (found) return false;
    if (ts.isCatchClause(n)) {
      const text = n.block.getText();
      if (new RegExp(`\\b${use.name}\\.abort\\(`).test(text) && !/\bthrow\b/.test(text)) found = true;
    }
  }, false);
  return found;
}

/** `message.offset`, `batch.lastOffset()`, possibly wrapped in String()/toString()/template: the processed offset, not the next. */
function processedOffset(expr: ts.Expression): ts.Expression | undefined {
  let e = unwrap(expr);
  for (;;) {
    if (ts.isCallExpression(e) && (calleeName(e) === 'String' || calleeName(e) === 'toString' || calleeName(e) === 'Number')) {
      const inner = calleeName(e) === 'toString' ? receiverOf(e) : e.arguments[0];
      if (!inner) return undefined;
      e = unwrap(inner);
      continue;
    }
    if (ts.isTemplateExpression(e) && e.head.text === '' && e.templateSpans.length === 1 && e.templateSpans[0].literal.text === '') {
      e = unwrap(e.templateSpans[0].expression);
      continue;
    }
    // `x.offset + ''` is still the same offset as a string
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken && ts.isStringLiteralLike(e.right) && e.right.text === '') {
      e = unwrap(e.left);
      continue;
    }
    break;
  }
  if (ts.isPropertyAccessExpression(e) && e.name.text === 'offset') return e;
  if (ts.isCallExpression(e) && calleeName(e) === 'lastOffset') return e;
  return undefined;
}

/** Offset values inside a `sendOffsets({ topics: [{ partitions: [{ offset }] }] })` argument. */
function offsetValues(call: ts.CallExpression): ts.Expression[] {
  const out: ts.Expression[] = [];
  const arg = call.arguments[0];
  if (!arg) return out;
  const walk = (n: ts.Node): boolean | void => {
    if (ts.isPropertyAssignment(n) && propertyNameText(n.name) === 'offset') out.push(n.initializer);
  };
  walkTree(arg, walk);
  return out;
}

/** The eachMessage payload names (`{ topic, partition, message }`), when destructured. */
function eachMessageNames(handler: ts.FunctionLikeDeclaration): { topic: string; partition: string; message: string } | undefined {
  const p = handler.parameters[0];
  if (!p || !ts.isObjectBindingPattern(p.name)) return undefined;
  const names: Record<string, string> = {};
  for (const el of p.name.elements) {
    const prop = propertyNameText(el.propertyName ?? el.name);
    if (prop && ts.isIdentifier(el.name)) names[prop] = el.name.text;
  }
  return names.topic && names.partition && names.message ? { topic: names.topic, partition: names.partition, message: names.message } : undefined;
}

/** A group id usable at the commit site: a literal, or a module-level constant. */
function portableGroupId(groupId: ts.Expression | undefined): string | undefined {
  if (!groupId) return undefined;
  const e = unwrap(groupId);
  if (ts.isStringLiteralLike(e)) return e.getText();
  if (ts.isIdentifier(e)) return e.text;
  return undefined;
}

function sendOffsetsFix(use: TransactionUse, run: KafkaRun, commit: ts.CallExpression): Fix | undefined {
  const names = run.kind === 'eachMessage' && run.handler === use.fn ? eachMessageNames(use.fn) : undefined;
  const group = portableGroupId(run.groupId);
  const stmt = statementOf(commit, { acrossFunctions: true });
  if (!names || !group || !stmt || !ts.isBlock(stmt.parent)) return undefined;
  const indent = indentOf(stmt);
  const text = `await ${use.name}.sendOffsets({ consumerGroupId: ${group}, topics: [{ topic: ${names.topic}, partitions: [{ partition: ${names.partition}, offset: String(Number(${names.message}.offset) + 1) }] }] });\n${indent}`;
  // Above the comments that lead the commit statement, so they keep describing the commit.
  return { description: 'Send the consumed offset inside the transaction before commit()', safety: 'safe', edits: [insertAboveComments(stmt, text)] };
}

export const kafkaOffsetsOutsideTransaction = createRule({
  meta: {
    id: 'kafka-offsets-outside-transaction',
    description: 'A kafkajs consume-transform-produce transaction must commit the consumed offset itself, with sendOffsets, as the next offset to read.',
    defaultSeverity: 'error',
    fixable: 'safe',
    requiresTypes: false,
    brokers: ['kafka'],
    consequence: 'message-lost-or-doubled',
  },
  messages: {
    missingSendOffsets:
      'Kafka (kafkajs): this consume-transform-produce transaction commits its output without `{{tx}}.sendOffsets({ consumerGroupId, topics })` for the consumed message, so the consumer offset is committed {{how}}, outside the transaction. A crash between the two commits re-runs the message after its output was committed (output duplicated), or commits the offset of a message whose transaction aborted (message lost). Fix: call `await {{tx}}.sendOffsets({ consumerGroupId, topics: [{ topic, partitions: [{ partition, offset: String(Number(message.offset) + 1) }] }] })` before `commit()`, and run the consumer with `autoCommit: false`.',
    offsetNotNext:
      'Kafka (kafkajs): `sendOffsets` commits `{{offset}}`, the offset of the message just processed, but Kafka reads a committed offset as the NEXT record to consume: after a restart or rebalance that message is consumed again and its output produced twice (effect doubled). Fix: commit `String(Number({{offset}}) + 1)`.',
    autoCommitAlongside:
      'Kafka (kafkajs): this consumer commits offsets through the producer transaction (`sendOffsets`) but runs with auto-commit on (`autoCommit` defaults to true), so kafkajs also commits offsets outside the transaction — after a swallowed abort, or resolved `eachBatch` offsets before the transaction commits — and a crash then skips messages whose output never committed (message lost). Fix: `{{consumer}}.run({ autoCommit: false, ... })` so the transaction is the only place offsets are committed.',
  },
  triggers: /\.transaction\(|sendOffsets/,
  create(context) {
    return {
      end() {
        const { facts, project } = context;
        const runs = kafkaRuns(facts, project);
        if (runs.length === 0) return;
        const reach = runs.map((run) => ({ run, fns: run.handler ? reachableFrom(facts, project, run.handler) : new Set<ts.FunctionLikeDeclaration>() }));
        const runOf = (fn: ts.FunctionLikeDeclaration): KafkaRun | undefined =>
          reach.find((r) => r.fns.has(fn) || (r.run.handler !== undefined && contains(r.run.handler, fn)))?.run;
        const autoCommitReported = new Set<KafkaRun>();
        for (const use of transactionUses(facts)) {
          const run = runOf(use.fn);
          if (!run) continue; // a producer-only transaction has no consumed offset to commit
          if (use.sendOffsets.length === 0) {
            if (use.escapes || use.commits.length === 0) continue;
            const commit = use.commits[0];
            const separately = callsWithin(run.handler ?? use.fn).some((c) => calleeName(c) === 'commitOffsets');
            const fix = sendOffsetsFix(use, run, commit);
            context.report({
              node: commit,
              messageId: 'missingSendOffsets',
              data: {
                tx: use.name,
                how: separately ? 'separately by `commitOffsets()`' : run.autoCommitOff ? 'not at all (auto-commit is off: every restart re-reads from the last committed offset)' : 'by kafkajs auto-commit after the handler returns',
              },
              fix,
              related: [{ node: use.begin, message: 'transaction begins here' }],
            });
            continue;
          }
          for (const call of use.sendOffsets) {
            for (const value of offsetValues(call)) {
              const processed = processedOffset(value);
              if (!processed) continue;
              context.report({
                node: value,
                messageId: 'offsetNotNext',
                data: { offset: processed.getText() },
                fix: {
                  description: 'Commit the offset after the processed message',
                  safety: 'safe',
                  edits: [replace(value, `String(Number(${processed.getText()}) + 1)`)],
                },
              });
            }
          }
          // With eachMessage, auto-commit after a handler that committed its transaction commits the
          // same offset again (harmless); it bites after a swallowed abort. With eachBatch it commits
          // resolved offsets on its own schedule, before the transaction does.
          if (!run.autoCommitOff && !autoCommitReported.has(run) && (run.kind === 'eachBatch' || swallowsAbort(use))) {
            autoCommitReported.add(run);
            const consumer = receiverOf(run.run);
            const explicit = propertyNode(run.options, 'autoCommit');
            const edit = explicit && ts.isPropertyAssignment(explicit)
              ? replace(explicit.initializer, 'false')
              : insertBefore(run.handlerProperty, `autoCommit: false,\n${indentOf(run.handlerProperty)}`);
            context.report({
              node: run.handlerProperty,
              messageId: 'autoCommitAlongside',
              data: { consumer: consumer ? consumer.getText() : 'consumer' },
              suggestions: [{
                description: 'Turn auto-commit off for this consumer',
                safety: 'unsafe',
                edits: [edit],
              }],
            });
          }
        }
      },
    };
  },
});
