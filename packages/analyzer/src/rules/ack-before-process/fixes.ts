/**
 * The fixes and suggestions of ack-before-process, built with the fix builder (fix/edits.ts): what
 * to change once the detection (index.ts) has decided there is a finding.
 */
import { ts } from 'ts-morph';
import type { ConsumerHandler } from '../../facts/model';
import { definitelyExits } from '../../facts/flow';
import { unwrap } from '../../facts/origins';
import { calleeName, enclosingFunction, parameterNames } from '../../facts/syntax';
import { isAsyncFunction } from '../../facts/work';
import { indentOf, insertAfter, insertBefore, insertLineAfter, replace, replaceBetween } from '../../fix/edits';
import type { Fix } from '../../types';

/** Set `noAck: false` and ack at the end of the handler, when the handler is a plain block in this file. */
export function noAckSuggestion(consumer: ConsumerHandler, prop: ts.ObjectLiteralElementLike): Fix[] | undefined {
  const handler = consumer.handler;
  const registration = consumer.registration;
  if (!handler?.body || !ts.isBlock(handler.body) || !ts.isCallExpression(registration) || !ts.isPropertyAccessExpression(unwrap(registration.expression))) return undefined;
  if (handler.getSourceFile() !== registration.getSourceFile()) return undefined;
  const msg = parameterNames(handler, 0)[0];
  if (!msg) return undefined;
  const channel = (unwrap(registration.expression) as ts.PropertyAccessExpression).expression.getText();
  const stmts = handler.body.statements;
  const last = stmts[stmts.length - 1];
  if (last && definitelyExits(last)) return undefined;
  return [{
    description: `Consume with noAck: false and ack ${msg} after the handler's work`,
    safety: 'unsafe',
    edits: [
      replace(prop, 'noAck: false'),
      // After the last statement, or as the first line of an empty body.
      last ? insertLineAfter(last, `${channel}.ack(${msg});`) : insertAfter(handler.body.getChildAt(0), `\n${indentOf(handler.body)}  ${channel}.ack(${msg});`),
    ],
  }];
}

/**
 * Adding `await` to a work call that is a statement of its own in an async handler is safe: the
 * handler now waits for the work (and sees its failure), which is what the finding asks.
 * `forEach(async …)` becomes `await Promise.all(….map(async …))` as a suggestion.
 */
export function awaitFix(work: ts.CallExpression): { fix?: Fix; suggestions?: Fix[] } {
  const fn = enclosingFunction(work);
  const async = !!fn && isAsyncFunction(fn);
  const parent = work.parent;
  if (calleeName(work) === 'forEach' && ts.isPropertyAccessExpression(work.expression) && ts.isExpressionStatement(parent) && async) {
    const name = work.expression.name;
    const edits = [insertBefore(work, 'await Promise.all('), replace(name, 'map'), insertAfter(work, ')')];
    return { suggestions: [{ description: 'Await every callback with Promise.all(….map(…))', safety: 'unsafe', edits }] };
  }
  if (ts.isVoidExpression(parent) && async) {
    return { suggestions: [{ description: 'Await the work instead of discarding it', safety: 'unsafe', edits: [replaceBetween(parent, work, 'await ')] }] };
  }
  if (!ts.isExpressionStatement(parent)) return {};
  if (async) return { fix: { description: 'Await the work', safety: 'safe', edits: [insertBefore(work, 'await ')] } };
  return {};
}
