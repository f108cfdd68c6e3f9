import { ts } from 'ts-morph';
import { calleeName, contains } from './syntax';
import { unwrap } from './origins';
import { walkTree } from './tree-walk';
import { workCallsIn } from './work';

/**
 * What becomes of an in-memory buffer a handler pushes messages into: whether anything later
 * takes them out to do work. A buffer whose items are only counted or logged (a debugging list of
 * what arrived) holds nothing a crash could lose that anybody would have processed.
 */

/** Calls that settle or log, not work done with a buffered item. */
const NOT_ITEM_WORK = /^(commitOffsets|commit|resolveOffset|ack|nack|heartbeat)$/;
/** `console.log`, `logger.info`, `this.logger.debug`: a logger call. */
const LOGGER_CALL = /^(console|log|logger|this\.logger|this\.log)\.(log|info|debug|warn|error|trace)$/;

/**
 * Whether the items of `buffer` (a variable, or a `this.field`) are taken out somewhere in the
 * file for work: read by a loop whose body does work, or handed to anything else (a call, a
 * `splice`, a return). Reads of `.length` and loops that only log or settle do not count.
 */
export function bufferFeedsWork(buffer: ts.Expression, push: ts.CallExpression): boolean {
  const target = unwrap(buffer);
  const field = ts.isPropertyAccessExpression(target) && target.expression.kind === ts.SyntaxKind.ThisKeyword ? target.name.text : undefined;
  const name = ts.isIdentifier(target) ? target.text : field;
  if (!name) return true;
  const root = field ? classOf(target) : target.getSourceFile();
  if (!root) return true;
  let feeds = false;
  walkTree(root, (n) => {
    if (feeds) return false;
    const isRef = field
      ? ts.isPropertyAccessExpression(n) && n.name.text === field && n.expression.kind === ts.SyntaxKind.ThisKeyword
      : ts.isIdentifier(n) && n.text === name && !isDeclarationName(n) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n);
    if (isRef && !contains(push, n) && usesItems(n as ts.Expression)) feeds = true;
    return !feeds;
  });
  return feeds;
}

function classOf(node: ts.Node): ts.Node | undefined {
  for (let n = node.parent; n; n = n.parent) if (ts.isClassLike(n)) return n;
  return undefined;
}

function isDeclarationName(id: ts.Identifier): boolean {
  const p = id.parent;
  return (ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isPropertyDeclaration(p)) && p.name === id;
}

/** Whether this reference to the buffer takes its items somewhere that may do work. */
function usesItems(ref: ts.Expression): boolean {
  let n: ts.Node = ref;
  while (ts.isParenthesizedExpression(n.parent) || ts.isNonNullExpression(n.parent)) n = n.parent;
  const parent = n.parent;
  // `buffer.length`, `buffer.push(…)` (more pushes), `buffer = []` (a reset): no item leaves.
  if (ts.isPropertyAccessExpression(parent) && parent.expression === n) {
    if (parent.name.text === 'length') return false;
    if (['push', 'unshift'].includes(parent.name.text) && ts.isCallExpression(parent.parent)) return false;
    return true;
  }
  if (ts.isBinaryExpression(parent) && parent.left === n && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) return false;
  if (ts.isForOfStatement(parent) && parent.expression === n) {
    return workCallsIn(parent.statement).some((c) => !NOT_ITEM_WORK.test(calleeName(c) ?? ''));
  }
  // Passed to a logger only.
  if (ts.isCallExpression(parent) && parent.arguments.includes(n as ts.Expression)) {
    return !LOGGER_CALL.test(unwrap(parent.expression).getText());
  }
  return true;
}
