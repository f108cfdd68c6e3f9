import { ts } from 'ts-morph';
import type { FileFacts } from '../file-facts';
import type { ConsumerHandler, SettleCall } from '../model';
import { unwrap, type Origin } from '../origins';
import { resolveHandler, type BrokerRecognizer, type SettleContext } from './recognizer';
import { bindingNames, calleeName, enclosingFunction, importsAny, isModule, objectLiteralOf, parameterNames, propertyValue, receiverOf, startsFrom } from '../syntax';
import { walkTree } from '../tree-walk';

/**
 * NATS JetStream through `nats` (v2) and `@nats-io/jetstream`: `consumer.consume()` /
 * `consumer.fetch()` iterated with `for await`, `consume({ callback })`, `consumer.next()`, and
 * the legacy `js.subscribe` / `js.pullSubscribe` iterators. Settles on the `JsMsg`: `ack()`,
 * `ackAck()` (waits for the server), `nak(delay)`, `term()`, `working()` (resets AckWait).
 * Core NATS subscriptions (no JetStream) are at-most-once by design and not consumers here.
 */
export const NATS_MODULES = ['nats', '@nats-io/jetstream', '@nats-io/transport-node', '@nats-io/nats-core', 'nats.ws'];

/** Calls whose result is a stream of JetStream messages. */
const ITERATORS = new Set(['consume()', 'fetch()']);
const LEGACY_ITERATORS = new Set(['subscribe()', 'pullSubscribe()']);

/** Whether an origin is a JetStream object (not a core NATS one). */
function isJetStream(origin: Origin | undefined): boolean {
  if (!origin || !isModule(origin.module, NATS_MODULES)) return false;
  if (origin.module === '@nats-io/jetstream') return true;
  return origin.chain.some((c) => c === 'jetstream()' || c === 'consumers' || /^:(Consumer|PullConsumer|JetStreamClient|ConsumerMessages|JetStreamSubscription|JetStreamPullSubscription)$/.test(c));
}

function messagesOrigin(expr: ts.Expression, facts: FileFacts): boolean {
  const origin = facts.originOf(expr);
  if (!isJetStream(origin)) return false;
  const last = origin!.chain[origin!.chain.length - 1] ?? '';
  return ITERATORS.has(last) || LEGACY_ITERATORS.has(last) || /^:(ConsumerMessages|JetStreamSubscription|JetStreamPullSubscription)$/.test(last);
}

export const nats: BrokerRecognizer = {
  find({ facts, project }) {
    const out: ReturnType<BrokerRecognizer['find']> = [];
    // Every JetStream origin starts at an import of a NATS module.
    if (!importsAny(facts, NATS_MODULES)) return out;
    const base = { broker: 'nats' as const, library: '', settlement: 'manual' as const, kind: 'message' as const };
    const libraryOf = (e: ts.Expression) => facts.originOf(e)?.module === '@nats-io/jetstream' ? '@nats-io/jetstream' : 'nats';
    const visit = (n: ts.Node): boolean | void => {
      if (ts.isForOfStatement(n) && n.awaitModifier && ts.isVariableDeclarationList(n.initializer) && messagesOrigin(n.expression, facts)) {
        const names = n.initializer.declarations.flatMap((d) => bindingNames(d.name));
        const consumer: ConsumerHandler = { ...base, library: libraryOf(n.expression), handler: enclosingFunction(n), messageNames: names, registration: n, scope: n.statement };
        out.push({ consumer });
      }
      // const m = await consumer.next()
      if (ts.isVariableDeclaration(n) && n.initializer && ts.isIdentifier(n.name)) {
        const init = unwrap(n.initializer);
        if (ts.isCallExpression(init) && calleeName(init) === 'next' && isJetStream(facts.originOf(init))) {
          const block = n.parent?.parent?.parent;
          if (block) out.push({ consumer: { ...base, library: libraryOf(init), handler: enclosingFunction(n), messageNames: [n.name.text], registration: init, scope: block } });
        }
      }
    };
    walkTree(facts.sourceFile, visit);
    // consumer.consume({ callback: (m) => … })
    for (const call of facts.calls) {
      if (calleeName(call) !== 'consume' || call.arguments.length !== 1) continue;
      const receiver = receiverOf(call);
      if (!receiver || !isJetStream(facts.originOf(receiver))) continue;
      const options = objectLiteralOf(call.arguments[0]);
      const cb = options && propertyValue(options, 'callback');
      const handler = cb && resolveHandler(facts, project, cb);
      if (!handler) continue;
      out.push({ consumer: { ...base, library: libraryOf(receiver), handler, messageNames: parameterNames(handler, 0), registration: call, options } });
    }
    return out;
  },

  settleOf(call: ts.CallExpression, ctx: SettleContext): SettleCall | undefined {
    const receiver = receiverOf(call);
    if (!receiver || !startsFrom(receiver, ctx.names)) return undefined;
    switch (calleeName(call)) {
      case 'ack':
      case 'ackAck':
        return { kind: 'ack', call };
      case 'nak':
        return { kind: 'nack', requeue: true, call };
      case 'term':
        return { kind: 'term', requeue: false, call };
      case 'working':
        return { kind: 'extend', call };
      default:
        return undefined;
    }
  },
};
