import { ts } from 'ts-morph';
import type { ProjectIndex } from '../project/project-index';
import type { FileFacts } from '../file-facts';
import { unwrap } from '../origins';
import { classLocation } from '../summaries/receivers';
import { objectLiteralOf, propertyNameText, propertyValue } from '../syntax';
import { FRESH_KEY } from './db';

/**
 * What a TypeORM entity declares about its keys, read from its class's decorators: whether its
 * primary key is given by the application (`@PrimaryColumn`, `@Column({ primary: true })`) rather
 * than made by the database (`@PrimaryGeneratedColumn`, `@ObjectIdColumn`), and its unique keys
 * (the primary columns, `@Column({ unique: true })`, `@Unique([...])`, `@Index([...], { unique: true })`).
 *
 * `repository.save(entity)` with a primary key the application gives loads the row by that key and
 * updates it when it exists: a repeated message that carries the same key writes the same row
 * again. An `insert` that writes a whole unique key fails on a repeat.
 */
export interface EntityKeys {
  givenPrimary: boolean;
  unique: string[][];
}

const memos = new WeakMap<ProjectIndex, Map<string, EntityKeys | null>>();

/** The keys of the entity a TypeORM write targets, when its class can be found in the project. */
export function entityKeysOfWrite(call: ts.CallExpression, facts: FileFacts, project: ProjectIndex): EntityKeys | undefined {
  const name = entityNameOf(call);
  if (!name) return undefined;
  const at = classLocation(name, facts, project);
  if (!at) return undefined;
  let memo = memos.get(project);
  if (!memo) memos.set(project, (memo = new Map()));
  const key = `${at.file}\0${at.name}`;
  let keys = memo.get(key);
  if (keys === undefined) {
    const other = at.file === facts.sourceFile.fileName ? facts : project.factsOf(at.file);
    const cls = other?.sourceFile.statements.find((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === at.name);
    keys = cls ? readEntity(cls) : null;
    memo.set(key, keys);
  } else if (project.tracking) project.record(at.file);
  return keys ?? undefined;
}

/**
 * Whether a TypeORM write is idempotent by the entity's keys: a `save` of an entity whose primary
 * key the application gives (unless the function making it draws a fresh key: `uuid()`), or an
 * `insert` / `save` of an object literal that writes a whole unique key from the message.
 */
export function typeormWriteIsKeyed(call: ts.CallExpression, method: string, keys: EntityKeys): boolean {
  const data = objectLiteralOf(call.arguments[call.arguments.length >= 2 && ts.isIdentifier(unwrap(call.arguments[0])) ? 1 : 0]);
  if (data && writesUniqueKey(data, keys.unique)) return true;
  if (method !== 'save' || !keys.givenPrimary) return false;
  let fn: ts.Node = call;
  while (fn.parent && !ts.isFunctionLike(fn)) fn = fn.parent;
  return !FRESH_KEY.test(fn.getText());
}

function writesUniqueKey(data: ts.ObjectLiteralExpression, unique: string[][]): boolean {
  return unique.some((key) => key.length > 0 && key.every((f) => {
    const v = propertyValue(data, f);
    return v !== undefined && !FRESH_KEY.test(v.getText()) && !ts.isLiteralExpression(unwrap(v));
  }));
}

/** The entity class a write names: `manager.save(Order, …)`, `getRepository(Order).save`, `this.orders.save` with `Repository<Order>` or `@InjectRepository(Order)`. */
function entityNameOf(call: ts.CallExpression): string | undefined {
  const first = call.arguments[0] && unwrap(call.arguments[0]);
  if (call.arguments.length >= 2 && first && ts.isIdentifier(first) && /^[A-Z]/.test(first.text)) return first.text;
  const callee = unwrap(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const receiver = unwrap(callee.expression);
  if (ts.isCallExpression(receiver)) {
    const inner = unwrap(receiver.expression);
    const name = ts.isPropertyAccessExpression(inner) ? inner.name.text : ts.isIdentifier(inner) ? inner.text : '';
    const arg = receiver.arguments[0] && unwrap(receiver.arguments[0]);
    return /^get(Mongo)?Repository$/.test(name) && arg && ts.isIdentifier(arg) ? arg.text : undefined;
  }
  if (ts.isPropertyAccessExpression(receiver) && receiver.expression.kind === ts.SyntaxKind.ThisKeyword) return memberEntity(receiver);
  if (ts.isIdentifier(receiver)) return declaredEntity(receiver);
  return undefined;
}

/** `Repository<Order>` / `MongoRepository<Order>` → 'Order'. */
function repositoryEntity(type: ts.TypeNode | undefined): string | undefined {
  if (!type || !ts.isTypeReferenceNode(type) || !/Repository$/.test(type.typeName.getText())) return undefined;
  const arg = type.typeArguments?.[0];
  return arg && ts.isTypeReferenceNode(arg) && ts.isIdentifier(arg.typeName) ? arg.typeName.text : undefined;
}

function injectedEntity(node: ts.Node): string | undefined {
  for (const d of ts.canHaveDecorators(node) ? ts.getDecorators(node) ?? [] : []) {
    const e = d.expression;
    if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'InjectRepository' && e.arguments[0] && ts.isIdentifier(e.arguments[0])) return e.arguments[0].text;
  }
  return undefined;
}

function memberEntity(access: ts.PropertyAccessExpression): string | undefined {
  let cls: ts.Node | undefined = access.parent;
  while (cls && !ts.isClassDeclaration(cls) && !ts.isClassExpression(cls)) cls = cls.parent;
  if (!cls) return undefined;
  const field = access.name.text;
  for (const member of (cls as ts.ClassLikeDeclaration).members) {
    if (ts.isPropertyDeclaration(member) && propertyNameText(member.name) === field) return injectedEntity(member) ?? repositoryEntity(member.type);
    if (ts.isConstructorDeclaration(member)) {
      const p = member.parameters.find((q) => ts.isIdentifier(q.name) && q.name.text === field);
      if (p) return injectedEntity(p) ?? repositoryEntity(p.type);
    }
  }
  return undefined;
}

/** A parameter or variable typed `Repository<Order>`, or initialised with `getRepository(Order)`. */
function declaredEntity(id: ts.Identifier): string | undefined {
  for (let n: ts.Node | undefined = id.parent; n; n = n.parent) {
    if (ts.isFunctionLike(n)) {
      const p = n.parameters.find((q) => ts.isIdentifier(q.name) && q.name.text === id.text);
      if (p) return injectedEntity(p) ?? repositoryEntity(p.type);
    }
    if (ts.isBlock(n) || ts.isSourceFile(n)) {
      for (const stmt of n.statements) {
        if (!ts.isVariableStatement(stmt)) continue;
        for (const d of stmt.declarationList.declarations) {
          if (!ts.isIdentifier(d.name) || d.name.text !== id.text) continue;
          const init = d.initializer && unwrap(d.initializer);
          if (init && ts.isCallExpression(init)) {
            const inner = unwrap(init.expression);
            const name = ts.isPropertyAccessExpression(inner) ? inner.name.text : ts.isIdentifier(inner) ? inner.text : '';
            const arg = init.arguments[0] && unwrap(init.arguments[0]);
            if (/^get(Mongo)?Repository$/.test(name) && arg && ts.isIdentifier(arg)) return arg.text;
          }
          return repositoryEntity(d.type);
        }
      }
    }
  }
  return undefined;
}

/** Reads an entity class's key decorators. */
function readEntity(cls: ts.ClassDeclaration): EntityKeys {
  const out: EntityKeys = { givenPrimary: false, unique: [] };
  for (const d of ts.getDecorators(cls) ?? []) {
    const e = d.expression;
    if (!ts.isCallExpression(e) || !ts.isIdentifier(e.expression)) continue;
    const fields = e.arguments.find((a) => ts.isArrayLiteralExpression(a)) as ts.ArrayLiteralExpression | undefined;
    const names = fields?.elements.filter(ts.isStringLiteralLike).map((s) => s.text) ?? [];
    const options = objectLiteralOf(e.arguments[e.arguments.length - 1]);
    if (e.expression.text === 'Unique' || (e.expression.text === 'Index' && options && propertyValue(options, 'unique')?.kind === ts.SyntaxKind.TrueKeyword)) {
      if (names.length > 0) out.unique.push(names);
    }
  }
  for (const m of cls.members) {
    if (!ts.isPropertyDeclaration(m)) continue;
    const field = propertyNameText(m.name);
    if (!field) continue;
    for (const d of ts.getDecorators(m) ?? []) {
      const e = d.expression;
      if (!ts.isCallExpression(e) || !ts.isIdentifier(e.expression)) continue;
      const options = e.arguments.map((a) => objectLiteralOf(a)).find((o) => o !== undefined);
      const flag = (name: string): boolean => options !== undefined && propertyValue(options, name)?.kind === ts.SyntaxKind.TrueKeyword;
      const kind = e.expression.text;
      if (kind === 'PrimaryColumn' || (kind === 'Column' && flag('primary'))) {
        // `@PrimaryColumn() @Generated('uuid') id` is made by the database after all.
        if (!(ts.getDecorators(m) ?? []).some((g) => ts.isCallExpression(g.expression) && g.expression.expression.getText() === 'Generated')) out.givenPrimary = true;
        out.unique.push([field]);
      } else if ((kind === 'Column' && flag('unique')) || (kind === 'Index' && flag('unique'))) out.unique.push([field]);
    }
  }
  // A key the entity draws itself (`@BeforeInsert() setId() { this.id = randomUUID(); }`, a field
  // initialiser `id = uuid()`) is fresh on every save.
  if (FRESH_KEY.test(cls.getText())) out.givenPrimary = false;
  return out;
}
