import { ts } from 'ts-morph';
import type { ProjectIndex } from '../project/project-index';
import type { FileFacts } from '../file-facts';
import { factsOfNode } from '../project/lookup';
import { unwrap } from '../origins';
import { constInitializer } from '../syntax';
import { functionLabel } from '../project/outline';
import type { CallTarget } from './receivers';

/** Entries of a dispatch table followed per call: a table of handlers is read whole, but not without end. */
const MAX_ENTRIES = 8;

/**
 * The functions a call through a dispatch table may run: `this.handlers[job.name](job)`,
 * `handlers[type]?.(msg)`, or `const handle = handlers[type]; await handle(msg)`, where the table
 * is an object literal written in this file (a class field, a field set in the constructor, or a
 * `const`) whose entries are functions: inline arrows and methods, `this.handleX` (also bound),
 * or functions named by identifier (local or imported). Which entry runs depends on the message,
 * so every entry is a possible callee (bounded by MAX_ENTRIES).
 */
export function dispatchTargets(call: ts.CallExpression, facts: FileFacts, project: ProjectIndex): CallTarget[] {
  const access = tableAccess(unwrap(call.expression));
  if (!access) return [];
  const table = tableOf(unwrap(access.expression));
  if (!table) return [];
  const name = tableName(unwrap(access.expression));
  const out: CallTarget[] = [];
  for (const p of table.properties) {
    if (out.length >= MAX_ENTRIES) break;
    const fn = entryFunction(p, facts, project);
    if (!fn || !fn.body || out.some((t) => t.fn === fn)) continue;
    const own = functionLabel(fn);
    out.push({ fn, facts: factsOfNode(fn, facts, project), label: own === 'anonymous function' || !ts.isMethodDeclaration(fn) && !ts.isFunctionDeclaration(fn) ? `${name}[${keyText(p)}]` : own });
  }
  return out;
}

/**
 * The values of the table an expression picks from (`this.senders[channel]`, or a `const` set to
 * it): `[new EmailSender(), new SmsSender()]` for `{ email: new EmailSender(), sms: new SmsSender() }`.
 */
export function pickedTableValues(expr: ts.Expression): ts.Expression[] | undefined {
  const access = tableAccess(unwrap(expr));
  const table = access && tableOf(unwrap(access.expression));
  if (!table) return undefined;
  return table.properties.flatMap((p) => (ts.isPropertyAssignment(p) ? [unwrap(p.initializer)] : [])).slice(0, MAX_ENTRIES);
}

/** `table[key]` as the callee itself, or as the value of the `const` the callee names. */
function tableAccess(callee: ts.Expression): ts.ElementAccessExpression | undefined {
  if (ts.isElementAccessExpression(callee)) return callee;
  if (!ts.isIdentifier(callee)) return undefined;
  const init = constInitializer(callee);
  let e = init && unwrap(init);
  // `handlers[type] ?? handlers.default`
  if (e && ts.isBinaryExpression(e) && (e.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || e.operatorToken.kind === ts.SyntaxKind.BarBarToken)) e = unwrap(e.left);
  return e && ts.isElementAccessExpression(e) ? e : undefined;
}

/** The object literal a table expression holds: `this.handlers` (field or constructor assignment) or a `const`. */
function tableOf(expr: ts.Expression): ts.ObjectLiteralExpression | undefined {
  if (ts.isIdentifier(expr)) {
    const init = constInitializer(expr);
    const e = init && unwrap(init);
    return e && ts.isObjectLiteralExpression(e) ? e : undefined;
  }
  if (!ts.isPropertyAccessExpression(expr) || unwrap(expr.expression).kind !== ts.SyntaxKind.ThisKeyword) return undefined;
  const field = expr.name.text;
  let cls: ts.Node | undefined = expr.parent;
  while (cls && !ts.isClassDeclaration(cls) && !ts.isClassExpression(cls)) cls = cls.parent;
  if (!cls) return undefined;
  for (const member of (cls as ts.ClassLikeDeclaration).members) {
    if (ts.isPropertyDeclaration(member) && ts.isIdentifier(member.name) && member.name.text === field && member.initializer) {
      const e = unwrap(member.initializer);
      if (ts.isObjectLiteralExpression(e)) return e;
    }
    if (ts.isConstructorDeclaration(member) && member.body) {
      for (const stmt of member.body.statements) {
        if (!ts.isExpressionStatement(stmt) || !ts.isBinaryExpression(stmt.expression) || stmt.expression.operatorToken.kind !== ts.SyntaxKind.EqualsToken) continue;
        const left = stmt.expression.left;
        const right = unwrap(stmt.expression.right);
        if (ts.isPropertyAccessExpression(left) && left.expression.kind === ts.SyntaxKind.ThisKeyword && left.name.text === field && ts.isObjectLiteralExpression(right)) return right;
      }
    }
  }
  return undefined;
}

/** The function an entry of the table runs. */
function entryFunction(p: ts.ObjectLiteralElementLike, facts: FileFacts, project: ProjectIndex): ts.FunctionLikeDeclaration | undefined {
  if (ts.isMethodDeclaration(p)) return p;
  const value = ts.isPropertyAssignment(p) ? unwrap(p.initializer) : ts.isShorthandPropertyAssignment(p) ? p.name : undefined;
  if (!value) return undefined;
  // Inline functions, `this.handleX` (also `.bind(this)`), functions named by identifier (local or imported).
  return project.resolveFunction(facts, value);
}

function tableName(expr: ts.Expression): string {
  return ts.isPropertyAccessExpression(expr) ? expr.name.text : expr.getText();
}

function keyText(p: ts.ObjectLiteralElementLike): string {
  const n = p.name;
  if (!n) return '…';
  // `EMAIL`, `MessageType.EMAIL` (a computed key without its brackets), `'email'`.
  return ts.isComputedPropertyName(n) ? n.expression.getText() : n.getText();
}
