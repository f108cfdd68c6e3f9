import { ts } from 'ts-morph';
import type { ConsumerHandler } from '../model';
import { unwrap } from '../origins';
import { resolveHandler, type BrokerRecognizer } from './recognizer';
import { sqsSettle } from './sqs';
import { bindingNames, calleeName, importsAny, parameterNames, propertyNameText, startsFrom } from '../syntax';
import { walkTree } from '../tree-walk';

/**
 * AWS Lambda functions fed by an SQS event source mapping: a handler whose event parameter is
 * typed `SQSEvent` (or a `const handler: SQSHandler = …`), from `aws-lambda`. Lambda deletes the
 * whole batch when the handler returns normally and returns it to the queue when it throws,
 * unless the handler reports `batchItemFailures` (ReportBatchItemFailures). One consumer is
 * reported per loop over `event.Records` (`for…of`, or a `map` / `forEach` callback, also over a
 * variable holding the records or their parsed form), scoped to the loop body or the callback.
 * JavaScript handlers, with no types, are recognised when exported and reading `record.body`.
 */
const LAMBDA_TYPES = 'aws-lambda';

export const lambdaSqs: BrokerRecognizer = {
  find({ facts, project }) {
    const out: ReturnType<BrokerRecognizer['find']> = [];
    const typed = importsAny(facts, [LAMBDA_TYPES]);
    // Untyped (JavaScript) handlers are known by their shape: an exported function that reads
    // `record.body` of each of `event.Records` (S3, SNS and DynamoDB records have no `body`).
    if (!typed && !/\.Records\b/.test(facts.sourceFile.text)) return out;
    const isLambdaType = (type: ts.TypeNode | undefined, name: string) => {
      if (!typed || !type || !ts.isTypeReferenceNode(type) || !ts.isIdentifier(type.typeName)) return false;
      const binding = facts.origins.importOf(type.typeName.text);
      return binding?.module === LAMBDA_TYPES && binding.imported === name;
    };
    for (const fn of facts.functions) {
      if (!fn.body) continue;
      const typedEvent = isLambdaType(fn.parameters[0]?.type, 'SQSEvent');
      const holder = fn.parent;
      const typedHandler = ts.isVariableDeclaration(holder) && isLambdaType(holder.type, 'SQSHandler');
      const untyped = !typedEvent && !typedHandler && !fn.parameters[0]?.type && isExported(fn);
      if (!typedEvent && !typedHandler && !untyped) continue;
      const event = new Set(parameterNames(fn, 0));
      if (event.size === 0) continue;
      const base = { broker: 'sqs' as const, library: 'aws-lambda', settlement: 'on-resolve' as const, handler: fn, registration: fn };
      for (const loop of recordLoops(fn.body, event)) {
        const consumer: ConsumerHandler = loop.fn
          ? { ...base, handler: loop.fn, kind: 'message', messageNames: loop.names, registration: loop.node }
          : { ...base, kind: 'message', messageNames: loop.names, scope: loop.scope };
        if (untyped && !readsBody(loop.scope ?? loop.fn?.body, loop.names)) continue;
        out.push({ consumer });
      }
    }
    return out;

    /** Loops over the event's records: `for (const r of event.Records)`, `event.Records.map(…)` / `forEach(…)`, also through a variable holding them or their mapping. */
    function recordLoops(body: ts.Node, event: ReadonlySet<string>): Array<{ names: string[]; scope?: ts.Node; fn?: ts.FunctionLikeDeclaration; node: ts.Node }> {
      const records = new Set<string>();
      const isRecords = (expr: ts.Expression): boolean => {
        const e = unwrap(expr);
        if (ts.isPropertyAccessExpression(e) && e.name.text === 'Records') return ts.isIdentifier(unwrap(e.expression)) && event.has((unwrap(e.expression) as ts.Identifier).text);
        if (ts.isIdentifier(e)) return records.has(e.text);
        // event.Records.filter(…), records.slice(…): still the records.
        if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression)) return isRecords(e.expression.expression);
        return false;
      };
      const found: Array<{ names: string[]; scope?: ts.Node; fn?: ts.FunctionLikeDeclaration; node: ts.Node }> = [];
      walkTree(body, (n) => {
        // const records = event.Records; const batch = event.Records.map(parse)
        if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer && isRecords(n.initializer)) records.add(n.name.text);
        if (ts.isForOfStatement(n) && ts.isVariableDeclarationList(n.initializer) && isRecords(n.expression)) {
          found.push({ names: n.initializer.declarations.flatMap((d) => bindingNames(d.name)), scope: n.statement, node: n });
        }
        if (ts.isCallExpression(n) && ITERATORS.has(calleeName(n) ?? '') && n.arguments.length > 0 && ts.isPropertyAccessExpression(n.expression) && isRecords(n.expression.expression)) {
          const cb = unwrap(n.arguments[0]);
          if (ts.isArrowFunction(cb) || ts.isFunctionExpression(cb)) found.push({ names: parameterNames(cb, 0), scope: cb.body, node: n });
          else {
            const target = resolveHandler(facts, project, cb);
            if (target?.body) found.push({ names: parameterNames(target, 0), fn: target, node: n });
          }
        }
        return true;
      });
      return found;
    }
  },
  settleOf: sqsSettle,
};

/** Array methods that run a callback per record. */
const ITERATORS = new Set(['map', 'forEach', 'flatMap']);

/** `export const handler = …`, `export async function handler`, `exports.handler = …`, `module.exports = …`. */
function isExported(fn: ts.FunctionLikeDeclaration): boolean {
  if (ts.isFunctionDeclaration(fn)) return (ts.getModifiers(fn) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  const holder = fn.parent;
  if (ts.isVariableDeclaration(holder)) {
    const stmt = holder.parent?.parent;
    return !!stmt && ts.isVariableStatement(stmt) && (ts.getModifiers(stmt) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  }
  if (ts.isBinaryExpression(holder) && holder.operatorToken.kind === ts.SyntaxKind.EqualsToken) return /^(module\.)?exports\b/.test(holder.left.getText());
  return false;
}

/** Whether the per-record code reads `.body` of the record: the mark of an SQS record. */
function readsBody(scope: ts.Node | undefined, names: readonly string[]): boolean {
  if (!scope) return false;
  const set = new Set(names);
  let found = false;
  walkTree(scope, (n) => {
    if (found) return false;
    if (ts.isPropertyAccessExpression(n) && n.name.text === 'body' && startsFrom(n.expression, set)) found = true;
    if (ts.isBindingElement(n) && propertyNameText(n.propertyName ?? n.name) === 'body') found = true;
    return true;
  });
  return found;
}
