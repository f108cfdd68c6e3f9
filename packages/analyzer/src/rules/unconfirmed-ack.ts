import { ts } from 'ts-morph';
import { createRule } from '../engine/rule';
import { clientOfOrigin, receiverClient } from '../facts/broker-objects';
import type { FileFacts } from '../facts/file-facts';
import { consumersOf, settleCallsOf } from '../facts/consumers';
import { siblingsOf } from '../facts/flow';
import type { Fix } from '../types';
import { calleeName, enclosingFunction, objectLiteralOf, propertyValue, receiverOf, statementOf } from '../facts/syntax';
import { replace } from '../fix/edits';
import { walkTree } from '../facts/tree-walk';

/**
 * Acks that are fire-and-forget where the code needs to know they landed. Pub/Sub `ack()` on an
 * exactly-once subscription can fail silently (only `ackWithResponse()` reports it); JetStream
 * `ack()` is a publish without a reply (`ackAck()` waits for the server), so code that cleans up
 * after the ack, or exits, assumes a redelivery that can still happen.
 */
export const unconfirmedAck = createRule({
  meta: {
    id: 'unconfirmed-ack',
    description: 'A fire-and-forget ack where the code depends on it having landed: Pub/Sub ack() on an exactly-once subscription (use ackWithResponse()), JetStream ack() in an exactly-once pipeline or followed by cleanup or exit (use ackAck()).',
    defaultSeverity: 'warning',
    fixable: 'unsafe',
    requiresTypes: false,
    brokers: ['pubsub', 'nats'],
    consequence: 'effect-doubled',
  },
  messages: {
    pubsubExactlyOnce:
      'Pub/Sub: this subscription uses exactly-once delivery (`enableExactlyOnceDelivery: true`), but `{{call}}` is fire-and-forget: if the ack fails (an expired ack id, a lost response) nothing tells the handler, the message is redelivered and its work runs again (effect doubled), which is what exactly-once delivery was enabled to prevent. Fix: `await {{receiver}}.ackWithResponse()` and handle an `AckError` (the ack did not land: expect the redelivery, or make the work idempotent).',
    jetstreamExactlyOnce:
      'NATS JetStream: this handler publishes with `msgID` (an exactly-once pipeline: JetStream drops the repeat within the stream\'s duplicate_window, 2 minutes by default), but confirms its input with fire-and-forget `{{call}}`. If that ack is lost, the input is redelivered after AckWait and republished; once redeliveries fall outside the duplicate window the output is stored twice (effect doubled). Fix: `await {{receiver}}.ackAck()` (the double ack JetStream documents for exactly-once), and treat a rejected ackAck as "expect a redelivery".',
    jetstreamCleanup:
      'NATS JetStream: `{{call}}` is fire-and-forget, yet the code after it {{dependency}}. If the ack is lost the server redelivers after AckWait and the work runs again (effect doubled). Fix: `await {{receiver}}.ackAck()`, which resolves once the server has the ack (and rejects when it does not), and only then {{then}}.',
  },
  triggers: /@google-cloud\/pubsub|nats/,
  create(context) {
    return {
      end() {
        const reported = new Set<ts.Node>();
        const report = (call: ts.CallExpression, messageId: Parameters<typeof context.report>[0]['messageId'], data: Record<string, string>) => {
          if (reported.has(call)) return;
          reported.add(call);
          context.report({ node: call, messageId, data, fix: awaitedFix(call, data.replacement) });
        };
        const exactlyOnce = /enableExactlyOnceDelivery\s*:\s*true/.test(context.sourceFile.text);
        for (const consumer of consumersOf(context.facts, context.project)) {
          if (consumer.broker === 'pubsub' && exactlyOnce) {
            for (const s of settleCallsOf(consumer, context.facts)) {
              if (s.kind === 'ack' && calleeName(s.call) === 'ack') report(s.call, 'pubsubExactlyOnce', pubsubData(s.call));
            }
          }
          if (consumer.broker === 'nats') {
            for (const s of settleCallsOf(consumer, context.facts)) {
              if (s.kind !== 'ack' || calleeName(s.call) !== 'ack') continue;
              const dependency = dependencyAfter(s.call);
              if (dependency) report(s.call, 'jetstreamCleanup', { ...natsData(s.call), ...dependency });
              else if (publishesWithMsgId(consumer.scope ?? consumer.handler?.body, context.facts)) report(s.call, 'jetstreamExactlyOnce', natsData(s.call));
            }
          }
        }
        // A Pub/Sub message handler defined apart from its registration, known by its `Message` type.
        if (exactlyOnce) {
          for (const call of context.facts.calls) {
            if (calleeName(call) !== 'ack' || call.arguments.length > 0) continue;
            const receiver = receiverOf(call);
            if (receiver && clientOfOrigin(context.facts.originOf(receiver))?.kind === 'pubsub-message') report(call, 'pubsubExactlyOnce', pubsubData(call));
          }
        }
      },
    };
  },
});

function receiverText(call: ts.CallExpression): string {
  return receiverOf(call)?.getText() ?? 'message';
}

function pubsubData(call: ts.CallExpression): Record<string, string> {
  const receiver = receiverText(call);
  return { call: `${receiver}.ack()`, receiver, replacement: `${receiver}.ackWithResponse()` };
}

function natsData(call: ts.CallExpression): Record<string, string> {
  const receiver = receiverText(call);
  return { call: `${receiver}.ack()`, receiver, replacement: `${receiver}.ackAck()` };
}

/** Whether `scope` publishes to JetStream with a `msgID` (publish-side dedup: an exactly-once pipeline). */
function publishesWithMsgId(scope: ts.Node | undefined, facts: FileFacts): boolean {
  if (!scope) return false;
  let found = false;
  const walk = (n: ts.Node): boolean | void => {
    if (found) return false;
    if (ts.isCallExpression(n) && calleeName(n) === 'publish' && receiverClient(facts, n)?.kind === 'jetstream') {
      const options = objectLiteralOf(n.arguments[2]);
      if (options && propertyValue(options, 'msgID')) {
        found = true;
        return false;
      }
    }
  };
  walkTree(scope, walk);
  return found;
}

/** Names of records whose removal means "this message is finished": claims, locks, in-flight markers. */
const MARKER = /claim|lock|inflight|in_flight|processing|pending|dedup|inbox|lease/i;
const REMOVALS = new Set(['del', 'unlink', 'delete', 'srem', 'hdel', 'zrem', 'remove', 'release', 'deleteOne', 'deleteMany', 'destroy']);

/**
 * What the code after an ack does that is only right if the ack landed: removes the message's
 * claim / lock / in-flight marker (a redelivery then finds nothing stopping it), or exits the
 * process (a buffered ack may never be sent).
 */
function dependencyAfter(ack: ts.CallExpression): { dependency: string; then: string } | undefined {
  for (const stmt of statementsAfter(ack)) {
    const found = dependencyIn(stmt);
    if (found) return found;
  }
  return undefined;
}

/**
 * The statements that run after the one holding `node` on the straight path: its following
 * siblings, then those of each enclosing block, stopping at an early exit (`return`, `continue`,
 * ...) and at a loop or function boundary (what follows a loop body is the next message).
 */
function statementsAfter(node: ts.Node): ts.Statement[] {
  const out: ts.Statement[] = [];
  for (let stmt = statementOf(node); stmt; ) {
    const siblings = siblingsOf(stmt) ?? [];
    for (const next of siblings.slice(siblings.indexOf(stmt) + 1)) {
      if (ts.isReturnStatement(next) || ts.isContinueStatement(next) || ts.isBreakStatement(next) || ts.isThrowStatement(next)) return out;
      out.push(next);
    }
    const block = stmt.parent;
    const owner = block?.parent;
    if (!owner || ts.isSourceFile(block) || ts.isFunctionLike(owner) || ts.isIterationStatement(owner, false)) return out;
    stmt = statementOf(owner);
  }
  return out;
}

function dependencyIn(root: ts.Node): { dependency: string; then: string } | undefined {
  let found: { dependency: string; then: string } | undefined;
  const visit = (n: ts.Node): boolean | void => {
    if (found || ts.isFunctionLike(n)) return false;
    if (ts.isCallExpression(n)) {
      const name = calleeName(n);
      const text = n.getText();
      if (name === 'exit' && /^process\.exit\b/.test(text)) {
        found = { dependency: 'exits the process, so the buffered ack may never be sent', then: 'exit' };
        return false;
      }
      if (name && REMOVALS.has(name) && MARKER.test(text)) {
        found = { dependency: `removes the message's marker (\`${text.length > 60 ? `${text.slice(0, 57)}...` : text}\`), so nothing stops a redelivery`, then: 'remove the marker' };
        return false;
      }
      if (name && /^(query|execute|run|exec)$/.test(name) && /\bdelete\s+from\b/i.test(text) && MARKER.test(text)) {
        found = { dependency: 'deletes the message\'s marker row, so nothing stops a redelivery', then: 'delete the marker' };
        return false;
      }
    }
  };
  walkTree(root, visit);
  return found;
}

/**
 * Replaces `x.ack()` with `await x.ackWithResponse()` / `await x.ackAck()` inside an async
 * function. Unsafe: a failed ack now rejects, and the handler must decide what that means.
 */
function awaitedFix(call: ts.CallExpression, replacement: string | undefined): Fix | undefined {
  if (!replacement) return undefined;
  const fn = enclosingFunction(call);
  const isAsync = fn?.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword) ?? false;
  if (!isAsync) return undefined;
  const awaited = ts.isAwaitExpression(call.parent);
  return {
    description: `Use \`${replacement}\` and wait for the broker's answer`,
    safety: 'unsafe',
    edits: [replace(call, awaited ? replacement : `await ${replacement}`)],
  };
}

