import { ts } from 'ts-morph';
import type { RuleContext } from '../../engine/rule';
import { isRequestReply } from '../../facts/consumers';
import { callsInFlow } from '../../facts/effects';
import { canReach, isAwaited } from '../../facts/flow';
import type { ConsumerHandler, SettleCall } from '../../facts/model';
import { pathOf } from '../../facts/summaries/path';
import { inThrowingCatch, resultUnused, swallowedThrough, type SwallowedFailure } from '../../facts/summaries/swallows';
import { booleanValue, contains, enclosingCatch, propertyValue } from '../../facts/syntax';
import { isWork } from '../../facts/work';

/** The words of the consumer this check needs (see `describe` in index.ts). */
interface Words {
  broker: string;
  unit: string;
  autoSettle: string;
  negative: string;
}

/**
 * The handler awaits a project function whose work fails without it hearing of it: a `catch` in
 * that function (or one it awaits, in any file) only logs the failure, or it only logs a failed
 * HTTP response (see facts/summaries/swallows). The handler then returns normally, or goes on to
 * its settle call, and the failed message is settled as if it had been processed.
 *
 * Reported at the swallowing `catch` (or `if`) when it is in the handler's file, where the fix
 * goes; otherwise at the handler's call, since a helper shared with other callers may drop
 * failures on purpose for them. Request–reply handlers are left alone (the caller hears of the
 * failure), and so is `@nestjs/microservices` Kafka (Nest commits after a failure anyway).
 */
export function checkSwallowedInCallees(
  consumer: ConsumerHandler, scope: ts.Node, settles: SettleCall[], positive: SettleCall[], context: RuleContext, d: Words,
): void {
  if (!settlesAfterSwallow(consumer) || isRequestReply(consumer)) return;
  const facts = context.project.factsOf(scope.getSourceFile().fileName) ?? context.facts;
  const handler = consumer.handler ?? scope;
  const reported = new Set<ts.Node>();
  for (const call of callsInFlow(scope)) {
    if (settles.some((s) => contains(s.call, call)) || !isWork(call) || !isAwaited(call) || inThrowingCatch(call)) continue;
    // A recovery in a `catch` followed by a `finally` settle: finallyAfterRecovery reports that settle.
    if (recoveryBeforeFinallySettle(call, positive)) continue;
    // Manual settlement: only a settle call that runs after the swallowed failure gives the message up.
    const next = consumer.settlement === 'manual' ? positive.find((s) => canReach(call, s.call)) : undefined;
    if (consumer.settlement === 'manual' && !next) continue;
    const found = swallowedThrough(call, facts, context.project).filter((s) => !(s.signals && !resultUnused(call)) && !inScope(s.at, scope));
    for (const s of found) {
      const node = s.at.getSourceFile() === call.getSourceFile() ? s.at : call;
      // One finding per place: several calls may lead to the same `catch` of the handler's file.
      if (reported.has(node)) continue;
      reported.add(node);
      reportSwallow(consumer, call, s, node, handler, next, context, d);
    }
  }
}

function reportSwallow(
  consumer: ConsumerHandler, call: ts.CallExpression, found: SwallowedFailure, node: ts.Node, handler: ts.Node,
  next: SettleCall | undefined, context: RuleContext, d: Words,
): void {
  const path = pathOf({ ...found.work, hops: [...found.hops, ...(found.work.hops ?? [])] }, handler);
  const dropper = found.hops[found.hops.length - 1].label;
  context.report({
    node,
    messageId: 'swallowedInCallee',
    data: {
      ...d,
      call: callText(call),
      drop: found.kind === 'catch'
        ? `a \`catch\` in \`${dropper}\` swallows the failure of \`${found.work.description}\` (it logs or records it and carries on)`
        : `\`${dropper}\` only logs a failed response of \`${found.work.description}\` (its status is tested, nothing is thrown)`,
      path: path.text,
      settles: next ? `\`${callText(next.call)}\` runs next` : d.autoSettle,
      swallowFix: fixOf(consumer, found, d),
    },
    related: [
      { node: call, message: `the handler awaits \`${callText(call)}\`, which returns normally after the failure` },
      ...path.related,
      { node: found.at, message: found.kind === 'catch' ? 'the failure is caught here and dropped' : 'the failed response is only logged here' },
    ],
  });
}

/** Whether a node is part of the handler's own code (positions alone would match other files too). */
function inScope(node: ts.Node, scope: ts.Node): boolean {
  return node.getSourceFile() === scope.getSourceFile() && contains(scope, node);
}

function recoveryBeforeFinallySettle(call: ts.CallExpression, positive: SettleCall[]): boolean {
  const clause = enclosingCatch(call);
  const tryStmt = clause?.parent;
  return !!tryStmt && ts.isTryStatement(tryStmt) && !!tryStmt.finallyBlock && positive.some((s) => contains(tryStmt.finallyBlock!, s.call));
}

/** Whether returning normally after a swallowed failure settles the message (or lets a manual settle run). */
function settlesAfterSwallow(consumer: ConsumerHandler): boolean {
  if (consumer.settlement === 'manual') return true;
  if (consumer.settlement !== 'on-resolve') return false;
  if (consumer.library === '@nestjs/microservices' && consumer.broker === 'kafka') return false;
  // sqs-consumer v7+ deletes only what the handler returns, unless told to always acknowledge.
  if (consumer.library === 'sqs-consumer') return !!consumer.options && booleanValue(propertyValue(consumer.options, 'alwaysAcknowledge')) === true;
  return true;
}

function fixOf(consumer: ConsumerHandler, s: SwallowedFailure, d: Words): string {
  const pass = s.kind === 'catch' ? 'rethrow in that `catch`' : 'throw when the response is not OK';
  const then = consumer.library === 'aws-lambda'
    ? 'report the record in `batchItemFailures` when it fails'
    : d.negative;
  return `let the failure reach the handler: ${pass} (or return a failure the handler checks), and then ${then}.`;
}

/** `this.service.notify(…)` for messages. */
function callText(call: ts.CallExpression): string {
  const callee = call.expression.getText().replace(/\s+/g, ' ');
  const short = callee.length > 50 ? `${callee.slice(0, 49)}…` : callee;
  return `${short}(${call.arguments.length > 0 ? '…' : ''})`;
}
