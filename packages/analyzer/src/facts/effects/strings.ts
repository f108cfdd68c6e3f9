import { ts } from 'ts-morph';
import { unwrap } from '../origins';

/** Placeholder for an interpolated value inside a template string. */
const HOLE = '?';

/**
 * The static text of an expression when it is (or is built from) string literals: plain and
 * template literals (each `${…}` becomes `?`), `sql\`…\``-style tagged templates, `+`
 * concatenation, and `const` variables of the same file initialised with one of those.
 * Undefined when the text is not visible syntactically.
 */
export function staticText(expr: ts.Expression | undefined, depth = 0): string | undefined {
  if (!expr || depth > 4) return undefined;
  const e = unwrap(expr);
  if (ts.isStringLiteralLike(e)) return e.text;
  if (ts.isTemplateExpression(e)) return e.head.text + e.templateSpans.map((s) => HOLE + s.literal.text).join('');
  if (ts.isTaggedTemplateExpression(e)) return templateText(e.template);
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const left = staticText(e.left, depth + 1);
    const right = staticText(e.right, depth + 1);
    if (left === undefined && right === undefined) return undefined;
    return (left ?? HOLE) + (right ?? HOLE);
  }
  if (ts.isIdentifier(e)) return staticText(constInitializer(e), depth + 1);
  // SQL.INSERT_ORDER where `const SQL = { INSERT_ORDER: '…' }` in the same file.
  if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)) {
    const obj = constInitializer(e.expression);
    if (obj && ts.isObjectLiteralExpression(unwrap(obj))) return staticText(propertyValue(unwrap(obj) as ts.ObjectLiteralExpression, e.name.text), depth + 1);
  }
  return undefined;
}

function templateText(t: ts.TemplateLiteral): string {
  return ts.isNoSubstitutionTemplateLiteral(t) ? t.text : t.head.text + t.templateSpans.map((s) => HOLE + s.literal.text).join('');
}

/**
 * The initialiser of the `const` a name refers to, searched from the use outwards through the
 * enclosing blocks and the file's top level (a syntactic stand-in for scope resolution).
 */
export function constInitializer(name: ts.Identifier): ts.Expression | undefined {
  for (let scope: ts.Node | undefined = name.parent; scope; scope = scope.parent) {
    if (scope.kind !== BLOCK && scope.kind !== SOURCE_FILE && scope.kind !== MODULE_BLOCK) continue;
    const init = initializersOf(scope as ScopeWithStatements, true).get(name.text);
    if (init) return init;
  }
  return undefined;
}

const BLOCK = ts.SyntaxKind.Block;
const SOURCE_FILE = ts.SyntaxKind.SourceFile;
const MODULE_BLOCK = ts.SyntaxKind.ModuleBlock;
const VARIABLE_STATEMENT = ts.SyntaxKind.VariableStatement;
const IDENTIFIER = ts.SyntaxKind.Identifier;
const CONST_FLAG = ts.NodeFlags.Const;
type ScopeWithStatements = ts.Block | ts.SourceFile | ts.ModuleBlock;

/**
 * The first initialiser per declared name among a scope's own statements (`const` ones only, or
 * all). Built once per scope: name lookups run for every call's receiver and arguments, and
 * scanning the top level of a large file for each of them was quadratic. Keyed by the scope
 * node, which is safe across an editor's incremental reparse: a reused node keeps its statements.
 */
function initializersOf(scope: ScopeWithStatements, constOnly: boolean): ReadonlyMap<string, ts.Expression> {
  const cache = constOnly ? constInitializers : anyInitializers;
  let byName = cache.get(scope);
  if (byName) return byName;
  let found: Map<string, ts.Expression> | undefined;
  // By kind and with the flag read once: every block around every looked-up name is scanned here,
  // and each `ts.isX` / `ts.NodeFlags` goes through ts-morph's `ts` getter.
  for (const stmt of scope.statements) {
    if (stmt.kind !== VARIABLE_STATEMENT) continue;
    const list = (stmt as ts.VariableStatement).declarationList;
    if (constOnly && !(list.flags & CONST_FLAG)) continue;
    for (const d of list.declarations) {
      if (d.name.kind !== IDENTIFIER || !d.initializer) continue;
      const name = (d.name as ts.Identifier).text;
      found ??= new Map();
      if (!found.has(name)) found.set(name, d.initializer);
    }
  }
  // Blocks that declare nothing (many: `if` and loop bodies) share one empty map.
  byName = found ?? NO_INITIALIZERS;
  cache.set(scope, byName);
  return byName;
}

const NO_INITIALIZERS: ReadonlyMap<string, ts.Expression> = new Map();
const constInitializers = new WeakMap<ts.Node, ReadonlyMap<string, ts.Expression>>();
const anyInitializers = new WeakMap<ts.Node, ReadonlyMap<string, ts.Expression>>();

/** The value of property `name` in an object literal (`name: v` or shorthand `name`). */
export function propertyValue(obj: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const p of obj.properties) {
    if (ts.isPropertyAssignment(p) && propertyName(p.name) === name) return p.initializer;
    if (ts.isShorthandPropertyAssignment(p) && p.name.text === name) return p.name;
  }
  return undefined;
}

/** Whether an object literal has property `name` (any form, including methods). */
export function hasProperty(obj: ts.ObjectLiteralExpression, name: string): boolean {
  return obj.properties.some((p) => p.name !== undefined && propertyName(p.name) === name);
}

/** The text of a property name that is an identifier or a string/number literal. */
export function propertyName(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteralLike(name) || ts.isNumericLiteral(name) || ts.isPrivateIdentifier(name)) return name.text;
  return undefined;
}

/** An object literal argument, also through a `const opts = { … }` of the same scope. */
export function objectLiteralOf(expr: ts.Expression | undefined): ts.ObjectLiteralExpression | undefined {
  if (!expr) return undefined;
  const e = unwrap(expr);
  if (ts.isObjectLiteralExpression(e)) return e;
  if (ts.isIdentifier(e)) {
    const init = constInitializer(e) ?? letInitializer(e);
    return init && ts.isObjectLiteralExpression(unwrap(init)) ? (unwrap(init) as ts.ObjectLiteralExpression) : undefined;
  }
  return undefined;
}

/** Like `constInitializer`, for `let`/`var` declarations too (read-only use: an approximation). */
export function letInitializer(name: ts.Identifier): ts.Expression | undefined {
  for (let scope: ts.Node | undefined = name.parent; scope; scope = scope.parent) {
    if (scope.kind !== BLOCK && scope.kind !== SOURCE_FILE) continue;
    const init = initializersOf(scope as ScopeWithStatements, false).get(name.text);
    if (init) return init;
  }
  return undefined;
}
