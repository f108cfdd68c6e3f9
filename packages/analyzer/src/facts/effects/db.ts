import { ts } from 'ts-morph';
import type { FileFacts } from '../file-facts';
import { unwrap } from '../origins';
import { familyOf, importedFamilies, laterCalls, type CallShape } from './shape';
import { isWriteVerb, looksLikeSql, readSql } from './sql';
import { staticText } from './strings';
import type { Effect, WriteOp } from './types';
import { constInitializer, localInitializer, objectLiteralOf, propertyNameText, propertyValue } from '../syntax';
import { walkTree } from '../tree-walk';

/** An effect before it is placed relative to the analysed function. */
export type RawEffect = Omit<Effect, 'at' | 'via'>;

/** Families that write to a database. */
const DB_FAMILIES = new Set(['prisma', 'typeorm', 'sequelize', 'mongoose', 'mongodb', 'knex', 'drizzle', 'pg', 'mysql2', 'sqlite', 'db-transaction', 'firestore', 'datastore']);

/** Methods that take SQL text as their first argument (pg, mysql2, pg-promise, sqlite, knex.raw, prisma raw, TypeORM QueryRunner/DataSource). */
const SQL_METHODS = new Set([
  'query', 'execute', 'exec', 'run', 'none', 'one', 'oneOrNone', 'many', 'manyOrNone', 'any', 'result', 'multi',
  'raw', 'unsafe', '$executeRaw', '$executeRawUnsafe', '$queryRaw', '$queryRawUnsafe',
]);

const PRISMA_WRITES = new Set(['create', 'createMany', 'createManyAndReturn', 'update', 'updateMany', 'updateManyAndReturn', 'upsert', 'delete', 'deleteMany']);
const MONGO_WRITES = new Set([
  'insertOne', 'insertMany', 'updateOne', 'updateMany', 'replaceOne', 'deleteOne', 'deleteMany', 'findOneAndUpdate',
  'findByIdAndUpdate', 'findOneAndReplace', 'findOneAndDelete', 'findByIdAndDelete', 'findOneAndRemove', 'findByIdAndRemove', 'bulkWrite',
]);
/** TypeORM Repository/EntityManager, Sequelize models, Mongoose models and documents. */
const ORM_WRITES = new Set(['save', 'insert', 'update', 'upsert', 'delete', 'remove', 'destroy', 'create', 'bulkCreate', 'increment', 'decrement', 'softDelete', 'softRemove', 'findOrCreate']);
const KNEX_WRITES = new Set(['insert', 'update', 'del', 'delete', 'increment', 'decrement', 'upsert']);
/** Globals whose `create`/`update` are not database writes. */
const NOT_MODELS = new Set(['Object', 'Array', 'Promise', 'Date', 'Map', 'Set', 'Buffer', 'JSON', 'Math', 'Reflect', 'Symbol', 'String', 'Number', 'URL', 'Error', 'Intl', 'WeakMap', 'WeakSet', 'Proxy']);
/** Values that make a fresh key on every run, so an insert keyed by them is not idempotent. */
export const FRESH_KEY = /\b(uuid\w*|randomUUID|nanoid|cuid2?|ulid|createId|generateId|ObjectId|Date\.now|Math\.random|crypto\.random\w*)\s*\(|\bnew\s+ObjectId\b/;
const KEY_PROPERTIES = new Set(['id', '_id', 'messageId', 'message_id', 'eventId', 'event_id', 'idempotencyKey', 'idempotency_key']);
/** Self-referencing arithmetic in a raw fragment: `x + 1`, `"count" - 1`. */
const ARITHMETIC = /[\w"`\]]\s*[+-]\s*[\d:?$]/;

/** Drizzle's write builders (`db.insert(table)`). */
const DRIZZLE_WRITES = /^(insert|update|delete)$/;

/** Whether `dbWrite` can accept a call of this method name (it accepts no other). */
export function isDbWriteMethod(method: string): boolean {
  return FIRESTORE_WRITES.test(method) || SQL_METHODS.has(method) || PRISMA_WRITES.has(method) || MONGO_WRITES.has(method) || DRIZZLE_WRITES.test(method) ||
    KNEX_WRITES.has(method) || ORM_WRITES.has(method);
}

/** Classifies a call as a database write, when it is one. */
export function dbWrite(s: CallShape, facts: FileFacts): RawEffect | undefined {
  const family = familyOf(s.module);
  if (family && !DB_FAMILIES.has(family)) return undefined;
  return documentStoreWrite(s, family, facts) ?? sqlWrite(s, facts, family) ?? prismaWrite(s, family) ?? mongoWrite(s, family, importedFamilies(facts)) ?? queryBuilderWrite(s, facts, family) ?? ormWrite(s, facts, family);
}

/** Firestore writes: on a document (`set`, `create`, `update`, `delete`), on a collection (`add`). */
const FIRESTORE_WRITES = /^(set|add|create|update|delete)$/;
/** Datastore writes (`datastore.save(entity)`, …). */
const DATASTORE_WRITES = /^(save|insert|upsert|update|delete|merge)$/;

/**
 * Firestore and Datastore writes. Firestore: `collection(…).add(data)` makes a fresh document id
 * (a repeat adds a second document); `doc(id).set(data)` / `create` write the document the id
 * names (idempotent unless the id is fresh, `create` fails on a repeat); `update` sets fields
 * (a counter with `FieldValue.increment`). Datastore: `save` / `upsert` of an entity whose key names
 * an id overwrite it, one whose key has no id (`datastore.key(kind)`) is allocated a new one.
 */
function documentStoreWrite(s: CallShape, family: string | undefined, facts: FileFacts): RawEffect | undefined {
  const m = s.method;
  if (!m || !s.receiver) return undefined;
  const names = s.names;
  const onReference = names.some((n) => n === 'collection()' || n === 'doc()');
  // A client from elsewhere (`db` imported from the project's firebase module) counts where the
  // chain names Firestore itself, or the file works with Firestore (MongoDB's `collection()` is not one).
  const firestore = family === 'firestore' || names.includes('firestore()') ||
    (family === undefined && onReference && (names.includes('doc()') || importedFamilies(facts).includes('firestore')));
  if (firestore && FIRESTORE_WRITES.test(m) && (family === 'firestore' || onReference)) {
    const counter = m === 'update' && /FieldValue\.increment|\bincrement\s*\(/.test(s.call.getText());
    const docId = docIdOf(s.receiver);
    let op: WriteOp;
    let idempotent: boolean;
    if (m === 'add') [op, idempotent] = ['insert', false];
    else if (m === 'delete') [op, idempotent] = ['delete', true];
    else if (m === 'update') [op, idempotent] = ['update', !counter];
    // A document named without an id (`collection('x').doc()`) gets a fresh one.
    else [op, idempotent] = [m === 'create' ? 'insert' : 'upsert', docId !== undefined && !FRESH_KEY.test(docId.getText())];
    const target = names.find((n) => n === 'collection()') ? collectionName(s.receiver) : undefined;
    return { kind: counter ? 'counter' : 'db-write', library: 'firestore', call: s.call, idempotent, description: `firestore ${target ?? 'document'}.${m}`, op, target: target?.toLowerCase() };
  }
  if (family === 'datastore' && DATASTORE_WRITES.test(m)) {
    const entity = objectLiteralOf(s.call.arguments[0]);
    const key = entity && propertyValue(entity, 'key');
    const keyCall = key && unwrap(key);
    // datastore.key([kind, id]) names the entity; datastore.key(kind) asks for a new id.
    const named = keyCall !== undefined && ts.isCallExpression(keyCall) && keyCall.arguments.length > 0 && ts.isArrayLiteralExpression(unwrap(keyCall.arguments[0])) &&
      (unwrap(keyCall.arguments[0]) as ts.ArrayLiteralExpression).elements.length >= 2 && !FRESH_KEY.test(keyCall.getText());
    const op: WriteOp = m === 'delete' ? 'delete' : m === 'insert' ? 'insert' : m === 'update' || m === 'merge' ? 'update' : 'upsert';
    return { kind: 'db-write', library: 'datastore', call: s.call, idempotent: op === 'delete' || op === 'update' || named, description: `datastore ${m}`, op };
  }
  return undefined;
}

/** The id argument of the `doc(…)` a Firestore receiver names, if any. */
function docIdOf(receiver: ts.Expression): ts.Expression | undefined {
  for (let e: ts.Expression = unwrap(receiver); ; ) {
    if (!ts.isCallExpression(e)) return undefined;
    const callee = unwrap(e.expression);
    if (!ts.isPropertyAccessExpression(callee)) return undefined;
    if (callee.name.text === 'doc') return e.arguments[0];
    e = unwrap(callee.expression);
  }
}

/** The collection name a Firestore receiver names, as written (`'orders'`). */
function collectionName(receiver: ts.Expression): string | undefined {
  for (let e: ts.Expression = unwrap(receiver); ; ) {
    if (!ts.isCallExpression(e)) return undefined;
    const callee = unwrap(e.expression);
    if (!ts.isPropertyAccessExpression(callee)) return undefined;
    if (callee.name.text === 'collection') return staticText(e.arguments[0]) ?? e.arguments[0]?.getText();
    e = unwrap(callee.expression);
  }
}

/** The library to name for a write whose receiver's module is unknown: the file's first DB import. */
function fileDbLibrary(facts: FileFacts, fallback: string): string {
  return importedFamilies(facts).find((f) => DB_FAMILIES.has(f)) ?? fallback;
}

/** SQL text of a query call: `query('…')`, `query({ text: '…' })`, `prepare('…').run()`. */
export function sqlTextOf(s: CallShape): string | undefined {
  const first = s.call.arguments[0];
  if (s.method === 'run' && s.call.arguments.length <= 3 && s.receiver) {
    // better-sqlite3: db.prepare(sql).run(...) or const stmt = db.prepare(sql); stmt.run(...)
    let r = unwrap(s.receiver);
    if (ts.isIdentifier(r)) r = unwrap(constInitializer(r) ?? r);
    if (ts.isCallExpression(r) && ts.isPropertyAccessExpression(unwrap(r.expression)) && (unwrap(r.expression) as ts.PropertyAccessExpression).name.text === 'prepare') {
      return staticText(r.arguments[0]);
    }
  }
  if (!first) return undefined;
  const text = staticText(first);
  if (text !== undefined) return text;
  const obj = objectLiteralOf(first);
  if (obj) return staticText(propertyValue(obj, 'text') ?? propertyValue(obj, 'sql'));
  return undefined;
}

function sqlWrite(s: CallShape, facts: FileFacts, family: string | undefined): RawEffect | undefined {
  if (!s.method || !SQL_METHODS.has(s.method) || !s.receiver) return undefined;
  const text = sqlTextOf(s);
  if (text === undefined || !looksLikeSql(text)) return undefined;
  const sql = readSql(text);
  if (!isWriteVerb(sql.verb) && !sql.counter) return undefined;
  const library = family && family !== 'db-transaction' ? family : fileDbLibrary(facts, 'sql');
  const verb = sql.verb === 'other' ? 'write' : sql.verb.toUpperCase();
  return {
    kind: sql.counter ? 'counter' : 'db-write',
    library,
    call: s.call,
    idempotent: sql.idempotent,
    description: `${verb}${sql.table ? ` ${sql.verb === 'insert' || sql.verb === 'upsert' ? 'INTO ' : ''}${sql.table}` : ''}${library === 'sql' ? '' : ` via ${library}`}`,
    op: sql.verb === 'other' ? 'unknown' : (sql.verb as WriteOp),
    target: sql.table,
    sql,
  };
}

/** Tags that run their template as SQL on a client: Prisma's raw queries (`prisma.$executeRaw\`…\``, also on a transaction client). */
const SQL_TAG_METHODS = new Set(['$executeRaw', '$queryRaw']);

/**
 * Classifies a tagged template that runs SQL as a database write, when it is one: Prisma
 * `$executeRaw` / `$queryRaw`, and a postgres.js client (`const sql = postgres(url)`), which is
 * itself the tag. Tags that only build a fragment (drizzle `sql`, `Prisma.sql`) run nothing and are
 * not recognised. Interpolations are placeholders, as the libraries send them.
 */
export function taggedSqlWrite(tt: ts.TaggedTemplateExpression, facts: FileFacts): RawEffect | undefined {
  const tag = unwrap(tt.tag);
  let library: string | undefined;
  if (ts.isPropertyAccessExpression(tag) && SQL_TAG_METHODS.has(tag.name.text)) library = 'prisma';
  else if (ts.isIdentifier(tag) && facts.originOf(tag)?.module === 'postgres') library = 'pg';
  if (!library) return undefined;
  const template = tt.template;
  const text = ts.isNoSubstitutionTemplateLiteral(template)
    ? template.text
    : template.head.text + template.templateSpans.map((span, i) => `$${i + 1}${span.literal.text}`).join('');
  if (!looksLikeSql(text)) return undefined;
  const sql = readSql(text);
  if (!isWriteVerb(sql.verb) && !sql.counter) return undefined;
  const verb = sql.verb === 'other' ? 'write' : sql.verb.toUpperCase();
  const via = library === 'prisma' ? `prisma ${(tag as ts.PropertyAccessExpression).name.text}` : 'postgres.js';
  return {
    kind: sql.counter ? 'counter' : 'db-write',
    library,
    call: tt,
    idempotent: sql.idempotent,
    description: `${verb}${sql.table ? ` ${sql.verb === 'insert' || sql.verb === 'upsert' ? 'INTO ' : ''}${sql.table}` : ''} via ${via}`,
    op: sql.verb === 'other' ? 'unknown' : (sql.verb as WriteOp),
    target: sql.table,
    sql,
  };
}

function lastName(s: CallShape): string {
  return s.names[s.names.length - 1] ?? '';
}

function prismaWrite(s: CallShape, family: string | undefined): RawEffect | undefined {
  if (!s.method || s.names.length < 2) return undefined;
  const prismaLike = family === 'prisma' || s.names.some((n) => /prisma/i.test(n));
  if (!prismaLike || !PRISMA_WRITES.has(s.method)) return undefined;
  const model = lastName(s);
  if (model.endsWith('()') || model === '[]') return undefined;
  const args = objectLiteralOf(s.call.arguments[0]);
  const data = args && objectLiteralOf(propertyValue(args, 'data'));
  const counter = (s.method.startsWith('update') || s.method === 'upsert') && hasPrismaArithmetic(args);
  let op: WriteOp;
  let idempotent: boolean;
  if (s.method === 'upsert') [op, idempotent] = ['upsert', !counter];
  else if (s.method.startsWith('delete')) [op, idempotent] = ['delete', true];
  else if (s.method.startsWith('update')) [op, idempotent] = ['update', !counter];
  else {
    op = 'insert';
    idempotent = s.method === 'create' ? keyedInsert(data) : args !== undefined && propertyValue(args, 'skipDuplicates')?.kind === ts.SyntaxKind.TrueKeyword;
  }
  return {
    kind: counter ? 'counter' : 'db-write', library: 'prisma', call: s.call, idempotent,
    description: `prisma ${model}.${s.method}`, op, target: model.toLowerCase(),
  };
}

/** `{ data: { stock: { increment: 1 } } }` */
function hasPrismaArithmetic(node: ts.Node | undefined): boolean {
  if (!node) return false;
  let found = false;
  walkTree(node, (n) => {
    if (found) return false;
    if (ts.isPropertyAssignment(n) && /^(increment|decrement|multiply|divide|push)$/.test(propertyNameText(n.name) ?? '')) found = true;
    return !found;
  });
  return found;
}

/** Whether an inserted object carries its own key (id from the message, not a fresh uuid). */
export function keyedInsert(data: ts.ObjectLiteralExpression | undefined): boolean {
  if (!data) return false;
  for (const name of KEY_PROPERTIES) {
    const v = propertyValue(data, name);
    if (v && !FRESH_KEY.test(v.getText())) return true;
  }
  return false;
}

function mongoWrite(s: CallShape, family: string | undefined, families: string[]): RawEffect | undefined {
  if (!s.method || !MONGO_WRITES.has(s.method) || !s.receiver) return undefined;
  const library = family === 'mongoose' || family === 'mongodb' ? family : families.includes('mongoose') ? 'mongoose' : 'mongodb';
  const target = s.receiver.getText().toLowerCase();
  const m = s.method;
  let op: WriteOp = 'unknown';
  let idempotent = false;
  let counter = false;
  if (m === 'insertOne') [op, idempotent] = ['insert', keyedInsert(objectLiteralOf(s.call.arguments[0]))];
  else if (m === 'insertMany' || m === 'bulkWrite') op = m === 'insertMany' ? 'insert' : 'unknown';
  else if (/^(delete|findOneAndDelete|findByIdAndDelete|findOneAndRemove|findByIdAndRemove)/.test(m)) [op, idempotent] = ['delete', true];
  else if (m === 'replaceOne' || m === 'findOneAndReplace') [op, idempotent] = ['upsert', true];
  else {
    const update = s.call.arguments[1];
    const doc = objectLiteralOf(update);
    const options = objectLiteralOf(s.call.arguments[2]);
    const upsert = options !== undefined && propertyValue(options, 'upsert')?.kind === ts.SyntaxKind.TrueKeyword;
    const operators = doc ? doc.properties.map((p) => (p.name ? propertyNameText(p.name) : undefined) ?? '') : [];
    counter = operators.some((o) => o === '$inc' || o === '$mul');
    const appends = operators.some((o) => o === '$push');
    // A pipeline update or an update built elsewhere cannot be judged: assume it repeats.
    const visible = doc !== undefined;
    op = upsert ? 'upsert' : 'update';
    idempotent = visible && !counter && !appends;
  }
  return { kind: counter ? 'counter' : 'db-write', library, call: s.call, idempotent, description: `${library} ${s.receiver.getText()}.${m}`, op, target };
}

/** Knex builders (`knex('t').insert(…)`), Drizzle (`db.insert(t).values(…)`) and TypeORM query builders. */
function queryBuilderWrite(s: CallShape, facts: FileFacts, family: string | undefined): RawEffect | undefined {
  if (!s.method || !s.receiver) return undefined;
  const later = laterCalls(s.call);
  const families = importedFamilies(facts);
  // TypeORM: createQueryBuilder().insert().into(T).values(v).execute()
  if (s.method === 'execute' && s.names.includes('createQueryBuilder()')) {
    const verb = s.names.find((n) => /^(insert|update|delete)\(\)$/.test(n));
    if (!verb) return undefined;
    const upsert = s.names.includes('orIgnore()') || s.names.includes('orUpdate()');
    const op = upsert ? 'upsert' : (verb.slice(0, -2) as WriteOp);
    const counter = op === 'update' && ARITHMETIC.test(s.receiver.getText().replace(/^[\s\S]*?\.set\(/, ''));
    return { kind: counter ? 'counter' : 'db-write', library: 'typeorm', call: s.call, idempotent: op !== 'insert' && !counter, description: `typeorm query builder ${op}`, op, target: s.receiver.getText().toLowerCase() };
  }
  // Drizzle: db.insert(table).values(…), db.update(table).set(…), db.delete(table)
  const drizzle = family === 'drizzle' || (families.includes('drizzle') && family === undefined) || family === 'db-transaction';
  if (drizzle && DRIZZLE_WRITES.test(s.method) && s.call.arguments.length === 1 && !ts.isObjectLiteralExpression(unwrap(s.call.arguments[0]))) {
    const table = s.call.arguments[0].getText();
    const op: WriteOp = later.some((c) => /^onConflictDo(Nothing|Update)$/.test(c)) || later.includes('onDuplicateKeyUpdate') ? 'upsert' : (s.method as WriteOp);
    const end = s.call.parent?.parent;
    const setArg = later[0] === 'set' && end && ts.isCallExpression(end) ? end.arguments[0] : undefined;
    const counter = setArg !== undefined && ARITHMETIC.test(setArg.getText());
    return { kind: counter ? 'counter' : 'db-write', library: 'drizzle', call: s.call, idempotent: op !== 'insert' && !counter, description: `drizzle ${s.method}(${table})`, op, target: table.toLowerCase() };
  }
  // Knex: knex('orders').insert(…), trx('orders').where(…).update(…), knex.table('t').del()
  if (!KNEX_WRITES.has(s.method)) return undefined;
  const root = s.names[0] ?? '';
  const builderRoot = /^\w+\(\)$/.test(root) || s.names.some((n) => /^(table|into|from|where\w*|withSchema)\(\)$/.test(n));
  const knexLike = family === 'knex' || (family === 'db-transaction' && builderRoot) || (builderRoot && families.includes('knex')) || (builderRoot && /^(knex|trx|db)\(\)$/.test(root));
  if (!knexLike) return undefined;
  const upsert = later.includes('onConflict') && (later.includes('ignore') || later.includes('merge'));
  const counter = s.method === 'increment' || s.method === 'decrement' || (s.method === 'update' && ARITHMETIC.test(s.call.arguments.map((a) => a.getText()).join(' ').replace(/['"`][^'"`]*['"`]\s*:/g, '')) && /raw\(/.test(s.call.getText()));
  const op: WriteOp = upsert ? 'upsert' : s.method === 'del' || s.method === 'delete' ? 'delete' : s.method === 'insert' ? 'insert' : 'update';
  const idempotent = !counter && (op !== 'insert' || keyedInsert(objectLiteralOf(s.call.arguments[0])) );
  return { kind: counter ? 'counter' : 'db-write', library: 'knex', call: s.call, idempotent, description: `knex ${s.receiver.getText()}.${s.method}`, op, target: s.receiver.getText().toLowerCase() };
}

/** TypeORM repositories/managers, Sequelize and Mongoose models and documents. */
function ormWrite(s: CallShape, facts: FileFacts, family: string | undefined): RawEffect | undefined {
  if (!s.method || !ORM_WRITES.has(s.method) || !s.receiver) return undefined;
  const families = importedFamilies(facts);
  const receiver = unwrap(s.receiver);
  const last = lastName(s);
  let library: string | undefined;
  if (family === 'typeorm' || family === 'sequelize' || family === 'mongoose') library = family;
  else if (family === 'db-transaction' && /^(save|insert|update|upsert|delete|remove|softDelete|increment|decrement)$/.test(s.method)) library = families.find((f) => f === 'typeorm' || f === 'sequelize') ?? 'orm';
  else if (/(repo|repository|manager)$/i.test(last) || last === 'getRepository()' || last === 'em' || s.names.includes('queryRunner')) library = families.includes('mongoose') && !families.includes('typeorm') ? 'mongoose' : 'typeorm';
  else if (ts.isIdentifier(receiver) && /^[A-Z]/.test(receiver.text) && !NOT_MODELS.has(receiver.text)) library = modelLibrary(receiver, s.method, facts, families);
  else if (s.method === 'save' && documentSaveArguments(s.call) && ts.isIdentifier(receiver)) return documentSave(s, receiver, families);
  else if (/model$/i.test(last) && !last.endsWith('()') && families.includes('mongoose')) library = 'mongoose';
  if (!library) return undefined;
  const m = s.method;
  // TypeORM's Repository/EntityManager `create` only builds an entity; `save` writes it.
  if (library === 'typeorm' && m === 'create') return undefined;
  const counter = m === 'increment' || m === 'decrement' || ((m === 'update' || m === 'upsert') && hasRawArithmetic(s.call));
  let op: WriteOp;
  let idempotent: boolean;
  if (m === 'upsert') [op, idempotent] = ['upsert', !counter];
  else if (/^(delete|remove|destroy|softDelete|softRemove)$/.test(m)) [op, idempotent] = ['delete', true];
  else if (m === 'update' || counter) [op, idempotent] = ['update', !counter];
  else {
    op = m === 'save' ? 'unknown' : 'insert';
    // manager.save(Entity, data) / repo.save(data) / Model.create(data)
    const data = objectLiteralOf(s.call.arguments[s.call.arguments.length >= 2 && m === 'save' && ts.isIdentifier(unwrap(s.call.arguments[0])) ? 1 : 0]);
    idempotent = keyedInsert(data);
    if (m === 'create' || m === 'bulkCreate') {
      const options = objectLiteralOf(s.call.arguments[1]);
      if (options && propertyValue(options, 'ignoreDuplicates')?.kind === ts.SyntaxKind.TrueKeyword) idempotent = true;
    }
  }
  const entity = s.call.arguments.length >= 2 && ts.isIdentifier(unwrap(s.call.arguments[0])) ? ` ${unwrap(s.call.arguments[0]).getText()}` : '';
  return {
    kind: counter ? 'counter' : 'db-write', library, call: s.call, idempotent,
    description: `${library} ${s.receiver.getText()}.${m}${entity ? `(${entity.trim()})` : ''}`,
    op, target: `${s.receiver.getText()}${entity}${builtEntities(s.call)}`.toLowerCase(),
  };
}

/** `doc.save()`, `doc.save({ session })` (options), `doc.save((err) => …)` (a completion callback). */
function documentSaveArguments(call: ts.CallExpression): boolean {
  if (call.arguments.length === 0) return true;
  if (call.arguments.length > 1) return false;
  const a = unwrap(call.arguments[0]);
  if (ts.isArrowFunction(a) || ts.isFunctionExpression(a)) return true;
  // Options only: an object of data (`repo.save({ id, … })`) is another kind of save.
  return ts.isObjectLiteralExpression(a) && a.properties.length > 0 &&
    a.properties.every((p) => (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) && SAVE_OPTIONS.test(propertyNameText(p.name) ?? ''));
}

/** Options of Mongoose's / Sequelize's document `save`. */
const SAVE_OPTIONS = /^(session|transaction|validateBeforeSave|validateModifiedOnly|timestamps|checkKeys|w|j|wtimeout|safe|hooks|fields|silent|logging)$/;

/** `Order.create(…)`: a model class when the file uses an ORM whose models write on that call, or imports it from a models module. */
function modelLibrary(receiver: ts.Identifier, method: string, facts: FileFacts, families: string[]): string | undefined {
  const binding = facts.origins.importOf(receiver.text);
  const fromModels = binding !== undefined && MODELS_MODULE.test(binding.module);
  const orm = families.find((f) => f === 'sequelize' || f === 'mongoose') ?? (families.includes('typeorm') && method !== 'create' ? 'typeorm' : undefined);
  if (orm) return orm;
  if (fromModels && !families.includes('typeorm')) return 'orm';
  return undefined;
}

/** Module specifiers that hold the user's models: './models', '../db/schema', '@db/models', './payment.model'. */
const MODELS_MODULE = /(^|[/.@])(models?|schemas?|db|database|entities)(\/|$|\.)/i;

/** Static methods that load an existing document / row. */
const LOADERS = /^(findById|findOne|findOneBy|findByPk|findFirst|findUnique|findByIdAndUpdate|findOneAndUpdate|get|load)$/;

/**
 * `doc.save()` on an Active Record / Mongoose document: an insert when the document was built
 * here (`new Order(data)`, `Order.build(data)`; idempotent when the data carries its own key), an
 * update when it was loaded (`await Order.findById(id)`; idempotent unless a field is changed
 * arithmetically, `doc.stock -= n`).
 */
function documentSave(s: CallShape, receiver: ts.Identifier, families: string[]): RawEffect | undefined {
  const ormFamily = families.find((f) => f === 'mongoose' || f === 'sequelize' || f === 'typeorm');
  const e = documentSource(receiver);
  let origin: 'new' | 'loaded' | undefined;
  let data: ts.ObjectLiteralExpression | undefined;
  if ((!e || ts.isIdentifier(e)) && declaredAsModel(e && ts.isIdentifier(e) ? e : receiver)) origin = 'loaded';
  else if (e && ts.isNewExpression(e) && ts.isIdentifier(e.expression) && /^[A-Z]/.test(e.expression.text) && !NOT_MODELS.has(e.expression.text)) {
    [origin, data] = ['new', objectLiteralOf(e.arguments?.[0])];
  } else if (e && ts.isCallExpression(e) && ts.isPropertyAccessExpression(unwrap(e.expression))) {
    const callee = unwrap(queryRoot(e).expression) as ts.PropertyAccessExpression;
    const model = unwrap(callee.expression);
    if (ts.isIdentifier(model) && /^[A-Z]/.test(model.text) && !NOT_MODELS.has(model.text)) {
      if (callee.name.text === 'build') [origin, data] = ['new', objectLiteralOf(e.arguments[0])];
      else if (LOADERS.test(callee.name.text)) origin = 'loaded';
    }
  }
  const library = ormFamily ?? (origin ? 'orm' : undefined);
  if (!library) return undefined;
  let op: WriteOp = 'unknown';
  let idempotent = false;
  if (origin === 'new') [op, idempotent] = ['insert', keyedInsert(data)];
  else if (origin === 'loaded') [op, idempotent] = ['update', !changedArithmetically(receiver)];
  return { kind: 'db-write', library, call: s.call, idempotent, description: `${library} ${receiver.text}.save`, op, target: receiver.text.toLowerCase() };
}

/** Query modifiers chained after a loader: `Order.findById(id).populate('ticket').exec()`. */
const QUERY_MODIFIERS = /^(populate|exec|select|sort|session|orFail|where|setOptions|read|collation|hint|comment)$/;

/** The loader call a chain of query modifiers starts from (`Order.findById(id)` in the example above), or the call itself. */
function queryRoot(call: ts.CallExpression): ts.CallExpression {
  let e: ts.CallExpression = call;
  for (let guard = 0; guard < 8; guard++) {
    const callee = unwrap(e.expression);
    if (!ts.isPropertyAccessExpression(callee) || !QUERY_MODIFIERS.test(callee.name.text)) return e;
    const inner = unwrap(callee.expression);
    if (!ts.isCallExpression(inner) || !ts.isPropertyAccessExpression(unwrap(inner.expression))) return e;
    e = inner;
  }
  return e;
}

/**
 * Where a document variable's value comes from: its initialiser, through plain aliases
 * (`const order = foundOrder!`), or the first assignment in the function (`found = await Order.findByPk(id)`).
 */
function documentSource(name: ts.Identifier, depth = 0): ts.Expression | undefined {
  if (depth > 3) return undefined;
  const init = constInitializer(name) ?? localInitializer(name) ?? assignedIn(name);
  const e = init && unwrap(init);
  if (e && ts.isIdentifier(e)) return documentSource(e, depth + 1) ?? e;
  return e;
}

function assignedIn(name: ts.Identifier): ts.Expression | undefined {
  // The outermost function: the variable is often assigned in the function that declares it, used in a callback.
  let fn: ts.Node = name;
  for (let n: ts.Node | undefined = name.parent; n && !ts.isSourceFile(n); n = n.parent) if (ts.isFunctionLike(n)) fn = n;
  let found: ts.Expression | undefined;
  walkTree(fn, (n) => {
    if (found) return false;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(n.left) && n.left.text === name.text) found = n.right;
    return !found;
  });
  return found;
}

/** `let ticket: Ticket | null` where `Ticket` comes from the user's models module. */
function declaredAsModel(name: ts.Identifier): boolean {
  for (let scope: ts.Node | undefined = name.parent; scope; scope = scope.parent) {
    if (!(ts.isBlock(scope) || ts.isSourceFile(scope))) continue;
    for (const stmt of scope.statements) {
      if (!ts.isVariableStatement(stmt)) continue;
      for (const d of stmt.declarationList.declarations) {
        if (!ts.isIdentifier(d.name) || d.name.text !== name.text || !d.type) continue;
        const types = ts.isUnionTypeNode(d.type) ? d.type.types : [d.type];
        return types.some((t) => ts.isTypeReferenceNode(t) && ts.isIdentifier(t.typeName) && importedFromModels(t.typeName));
      }
    }
  }
  return false;
}

function importedFromModels(id: ts.Identifier): boolean {
  const sf = id.getSourceFile();
  for (const stmt of sf.statements) {
    if (!ts.isImportDeclaration(stmt) || !ts.isStringLiteral(stmt.moduleSpecifier)) continue;
    const names = stmt.importClause?.namedBindings;
    const bound = stmt.importClause?.name?.text === id.text || (names !== undefined && ts.isNamedImports(names) && names.elements.some((e) => e.name.text === id.text));
    if (bound) return MODELS_MODULE.test(stmt.moduleSpecifier.text);
  }
  return false;
}

/**
 * Names of what a save writes when its argument was built just before:
 * `const inbox = manager.create(ConsumerInboxEntity, {…}); await manager.save(inbox)` → ' inbox ConsumerInboxEntity'.
 */
function builtEntities(call: ts.CallExpression): string {
  let out = '';
  for (const arg of call.arguments) {
    const a = unwrap(arg);
    if (!ts.isIdentifier(a)) continue;
    out += ` ${a.text}`;
    const init = constInitializer(a) ?? localInitializer(a);
    const e = init && unwrap(init);
    if (e && ts.isCallExpression(e) && e.arguments.length > 0 && ts.isIdentifier(unwrap(e.arguments[0]))) out += ` ${unwrap(e.arguments[0]).getText()}`;
    if (e && ts.isNewExpression(e) && ts.isIdentifier(e.expression)) out += ` ${e.expression.text}`;
  }
  return out;
}

/** `doc.stock -= n`, `doc.count++`, `doc.total = doc.total + x` in the function around `doc.save()`. */
function changedArithmetically(receiver: ts.Identifier): boolean {
  let fn: ts.Node = receiver;
  while (fn.parent && !ts.isFunctionLike(fn)) fn = fn.parent;
  const name = receiver.text.replace(/[$]/g, '\\$');
  const text = fn.getText();
  return new RegExp(`\\b${name}\\.(\\w+)\\s*([+\\-*]=|\\+\\+|--)|\\b${name}\\.(\\w+)\\s*=\\s*${name}\\.\\3\\s*[+\\-]|\\+\\+\\s*${name}\\.|--\\s*${name}\\.`).test(text) ||
    new RegExp(`\\b${name}\\.set\\(\\s*\\{[^}]*\\b${name}\\.\\w+\\s*[+\\-]`).test(text);
}

/** Raw arithmetic in an update: `sequelize.literal('n + 1')`, `() => 'n + 1'`, `knex.raw('n + 1')`. */
function hasRawArithmetic(call: ts.CallExpression): boolean {
  let found = false;
  const visit = (n: ts.Node): boolean => {
    if (found) return false;
    if ((ts.isStringLiteralLike(n) || ts.isTemplateExpression(n)) && ARITHMETIC.test(n.getText().slice(1, -1))) {
      const p = n.parent;
      if (p && (ts.isCallExpression(p) || ts.isArrowFunction(p))) found = true;
    }
    return true;
  };
  for (const arg of call.arguments) walkTree(arg, visit);
  return found;
}
