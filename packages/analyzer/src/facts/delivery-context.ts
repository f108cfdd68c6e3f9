import { ts } from 'ts-morph';
import type { ProjectIndex } from './project/project-index';
import { brokersImported } from './broker-libraries';
import { consumerRunning } from './dedup-keys';
import type { FileFacts } from './file-facts';
import { unwrap } from './origins';

/**
 * Whether code runs for a delivery that can come again (a broker message, a webhook, a job), and
 * whether a "store" is only an in-memory collection. Consumer-side rules that look for dedup
 * steps in any function (non-atomic-dedup) ask both, so that a `Set` used to skip items already
 * seen in a loop — an IDE's workspace roots, a link resolver's visited ids — is not taken for
 * message dedup: nothing is redelivered there, and a `Set` survives no crash anyway.
 */

/**
 * Names that say a function, its class or its file handles deliveries or guards against repeats.
 * Deliberately narrow: "event" and "handle" alone are everywhere in UI code.
 */
const DELIVERY_NAME = /webhook|consumer|subscriber|listener|processor|worker|job|inbox|dedup|idempot|message|delivery|queue/i;

/**
 * Whether `node` is code a redelivery runs again: reached (in its file) from a recognised
 * consumer; in a file that uses a broker client library; or in a function, class or file named
 * for webhooks, consumers, jobs, inboxes or dedup (handlers registered in another file, webhook
 * controllers, dedup services).
 */
export function inDeliveryContext(node: ts.Node, facts: FileFacts, project: ProjectIndex): boolean {
  if (brokersImported(facts).length > 0) return true;
  if (consumerRunning(node, facts, project)) return true;
  const base = facts.sourceFile.fileName.split(/[\\/]/).pop() ?? '';
  if (DELIVERY_NAME.test(base)) return true;
  for (let n: ts.Node | undefined = node; n; n = n.parent) {
    const name = declaredName(n);
    if (name && DELIVERY_NAME.test(name)) return true;
  }
  return false;
}

function declaredName(n: ts.Node): string | undefined {
  if ((ts.isFunctionDeclaration(n) || ts.isClassDeclaration(n) || ts.isMethodDeclaration(n) || ts.isClassExpression(n)) && n.name && (ts.isIdentifier(n.name) || ts.isStringLiteral(n.name))) return n.name.text;
  if ((ts.isArrowFunction(n) || ts.isFunctionExpression(n)) && ts.isVariableDeclaration(n.parent) && ts.isIdentifier(n.parent.name)) return n.parent.name.text;
  if ((ts.isArrowFunction(n) || ts.isFunctionExpression(n)) && ts.isPropertyAssignment(n.parent) && ts.isIdentifier(n.parent.name)) return n.parent.name.text;
  return undefined;
}

const COLLECTION_CLASS = /^(Set|Map|WeakSet|WeakMap|Array)$/;
const COLLECTION_TYPE = /^(Set|Map|WeakSet|WeakMap|ReadonlySet|ReadonlyMap|Record|Array)\s*</;

/**
 * Whether a receiver is an in-memory collection of the process: its root variable (or `this`
 * field) is declared with `new Set()` / `new Map()` / `[]` / `{}`, or typed `Set<…>`, `Map<…>`,
 * `Record<…>`, `T[]`. `seen[key].add(id)` on `const seen: Record<string, Set<string>> = {}` counts.
 */
export function isInMemoryCollection(receiver: ts.Expression): boolean {
  let e = unwrap(receiver);
  while (ts.isElementAccessExpression(e) || ts.isNonNullExpression(e)) e = unwrap(e.expression);
  const declaration = ts.isIdentifier(e) ? variableDeclarationOf(e)
    : ts.isPropertyAccessExpression(e) && e.expression.kind === ts.SyntaxKind.ThisKeyword ? fieldDeclarationOf(e) : undefined;
  if (!declaration) return false;
  const type = declaration.type;
  if (type && (ts.isArrayTypeNode(type) || COLLECTION_TYPE.test(type.getText()))) return true;
  const init = declaration.initializer && unwrap(declaration.initializer);
  if (!init) return false;
  if (ts.isNewExpression(init) && ts.isIdentifier(init.expression) && COLLECTION_CLASS.test(init.expression.text)) return true;
  return ts.isArrayLiteralExpression(init) || (ts.isObjectLiteralExpression(init) && init.properties.length === 0);
}

/** The nearest declaration of a variable named like `id`, in the enclosing functions and the file. */
function variableDeclarationOf(id: ts.Identifier): ts.VariableDeclaration | ts.ParameterDeclaration | undefined {
  for (let scope: ts.Node | undefined = id.parent; scope; scope = scope.parent) {
    if (ts.isFunctionLike(scope)) {
      const param = scope.parameters.find((p) => ts.isIdentifier(p.name) && p.name.text === id.text);
      if (param) return param;
    }
    if (!ts.isBlock(scope) && !ts.isSourceFile(scope)) continue;
    for (const stmt of scope.statements) {
      if (!ts.isVariableStatement(stmt)) continue;
      const found = stmt.declarationList.declarations.find((d) => ts.isIdentifier(d.name) && d.name.text === id.text);
      if (found) return found;
    }
  }
  return undefined;
}

/** The class property `this.name` refers to, in the enclosing class. */
function fieldDeclarationOf(access: ts.PropertyAccessExpression): ts.PropertyDeclaration | undefined {
  for (let n: ts.Node | undefined = access.parent; n; n = n.parent) {
    if (ts.isClassLike(n)) {
      return n.members.find((m): m is ts.PropertyDeclaration => ts.isPropertyDeclaration(m) && ts.isIdentifier(m.name) && m.name.text === access.name.text);
    }
  }
  return undefined;
}
