import { ts } from 'ts-morph';
import type { FileFacts } from '../file-facts';
import type { TransactionScope } from '../model';
import { unwrap } from '../origins';
import { sqlTextOf } from './db';
import { callsInFlow, flowOwner } from './flow';
import { familyOf, importedFamilies, moduleOf, shapeOf, TRANSACTION_METHODS } from './shape';
import { readSql } from './sql';

/** A transaction scope with how it was opened and, for BEGIN…COMMIT, where it commits. */
export interface Transaction extends TransactionScope {
  /** `callback`: the library commits when the callback resolves; `statements`: explicit begin and commit calls. */
  form: 'callback' | 'statements';
  /** The call that opens the transaction. */
  begin: ts.CallExpression;
  /** The commit call of the statements form, when found in the same function. */
  commit?: ts.CallExpression;
}

/** Families whose `transaction(...)` is not a database transaction. */
const NOT_DB = new Set(['kafkajs', 'amqplib', 'pubsub', 'nats', 'sqs', 'bullmq', 'redis', 'in-process']);
const BEGIN_METHODS = new Set(['startTransaction', 'beginTransaction', 'begin']);
const COMMIT_METHODS = new Set(['commitTransaction', 'commit']);

function libraryOf(call: ts.CallExpression, facts: FileFacts, method: string): string {
  const callee = unwrap(call.expression);
  const family = ts.isPropertyAccessExpression(callee) ? familyOf(moduleOf(callee.expression, facts)) : undefined;
  if (family && family !== 'db-transaction') return family;
  if (method === '$transaction') return 'prisma';
  if (method === 'withTransaction' || method === 'startSession') return 'mongodb';
  return importedFamilies(facts).find((f) => ['prisma', 'typeorm', 'knex', 'sequelize', 'mongoose', 'mongodb', 'drizzle', 'pg', 'mysql2', 'sqlite'].includes(f)) ?? 'database';
}

/**
 * Database transactions opened in a node's own flow: callback forms (`prisma.$transaction(fn)`,
 * `dataSource.transaction(fn)`, `knex.transaction(fn)`, `sequelize.transaction(fn)`,
 * `session.withTransaction(fn)`, better-sqlite3 `db.transaction(fn)`) and statement forms
 * (`query('BEGIN')` … `query('COMMIT')`, QueryRunner `startTransaction`/`commitTransaction`,
 * mysql2 `beginTransaction`/`commit`, unmanaged `const t = await sequelize.transaction()` … `t.commit()`).
 */
export function transactionsIn(node: ts.Node, facts: FileFacts): Transaction[] {
  return facts.memo(`transactions:${node.pos}:${node.end}:${node.kind}`, () => find(node, facts));
}

function find(node: ts.Node, facts: FileFacts): Transaction[] {
  const out: Transaction[] = [];
  const calls = callsInFlow(node);
  calls.forEach((call, i) => {
    const s = shapeOf(call, facts);
    const m = s.method;
    if (!m) return;
    const family = familyOf(s.module);
    if (family && NOT_DB.has(family)) return;
    if (TRANSACTION_METHODS.has(m)) {
      const fnArg = call.arguments.find((a) => ts.isArrowFunction(unwrap(a)) || ts.isFunctionExpression(unwrap(a)));
      const arrayArg = m === '$transaction' ? call.arguments.find((a) => ts.isArrayLiteralExpression(unwrap(a))) : undefined;
      const scope = fnArg ? unwrap(fnArg) : arrayArg ? unwrap(arrayArg) : undefined;
      if (scope) {
        out.push({ library: libraryOf(call, facts, m), node: scope, start: scope.getStart(), end: scope.getEnd(), form: 'callback', begin: call });
        return;
      }
      // const trx = await knex.transaction(); … trx.commit()
      if (call.arguments.length === 0 || (call.arguments.length === 1 && ts.isObjectLiteralExpression(unwrap(call.arguments[0])))) {
        const holder = variableOf(call);
        if (holder) out.push(statements(call, calls.slice(i + 1), facts, libraryOf(call, facts, m), (c) => isCommitOn(c, holder)));
      }
      return;
    }
    const sql = sqlTextOf(s);
    if (sql !== undefined && readSql(sql).verb === 'begin') {
      out.push(statements(call, calls.slice(i + 1), facts, libraryOf(call, facts, m), (c) => {
        const t = sqlTextOf(shapeOf(c, facts));
        return t !== undefined && readSql(t).verb === 'commit';
      }));
      return;
    }
    if (BEGIN_METHODS.has(m) && s.receiver && (m !== 'begin' || /client|conn|connection|db|tx|pool/i.test(s.names.join('.')))) {
      out.push(statements(call, calls.slice(i + 1), facts, libraryOf(call, facts, m), (c) => {
        const cs = shapeOf(c, facts);
        return cs.method !== undefined && COMMIT_METHODS.has(cs.method);
      }));
    }
  });
  return out;
}

function statements(begin: ts.CallExpression, rest: ts.CallExpression[], facts: FileFacts, library: string, isCommit: (c: ts.CallExpression) => boolean): Transaction {
  void facts;
  const owner = flowOwner(begin);
  const commit = rest.find((c) => flowOwner(c) === owner && isCommit(c));
  const end = commit ? commit.getEnd() : (owner ?? begin.getSourceFile()).getEnd();
  return { library, node: begin, start: begin.getStart(), end, form: 'statements', begin, commit };
}

/** `const trx = await knex.transaction()` → 'trx'. */
function variableOf(call: ts.CallExpression): string | undefined {
  let n: ts.Node = call.parent;
  while (n && (ts.isAwaitExpression(n) || ts.isParenthesizedExpression(n))) n = n.parent;
  if (n && ts.isVariableDeclaration(n) && ts.isIdentifier(n.name)) return n.name.text;
  if (n && ts.isBinaryExpression(n) && ts.isIdentifier(n.left)) return n.left.text;
  return undefined;
}

function isCommitOn(call: ts.CallExpression, holder: string): boolean {
  const callee = unwrap(call.expression);
  return ts.isPropertyAccessExpression(callee) && callee.name.text === 'commit' && ts.isIdentifier(unwrap(callee.expression)) && (unwrap(callee.expression) as ts.Identifier).text === holder;
}

/** The innermost transaction of `txs` whose extent contains `node`. */
export function transactionOf(node: ts.Node, txs: readonly Transaction[]): Transaction | undefined {
  const at = node.getStart();
  let best: Transaction | undefined;
  for (const t of txs) {
    if (at >= t.start && node.getEnd() <= t.end && (!best || t.start >= best.start)) best = t;
  }
  return best;
}
