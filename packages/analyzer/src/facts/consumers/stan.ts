import { ts } from 'ts-morph';
import type { FileFacts } from '../file-facts';
import type { ConsumerHandler } from '../model';
import { unwrap } from '../origins';
import { nats } from './nats';
import { resolveHandler, type BrokerRecognizer } from './recognizer';
import { calleeName, importsAny, localInitializer, parameterNames, receiverOf, startsFrom, stringValue } from '../syntax';
import { walkTree } from '../tree-walk';

/**
 * NATS Streaming (STAN) through `node-nats-streaming`: `stan.subscribe(subject, [group], opts)`
 * returns a subscription whose `'message'` event hands each message to a listener. With
 * `setManualAckMode(true)` the listener acks with `msg.ack()` and the server redelivers an
 * unacked message after `ackWait`; without it the client acks on receipt.
 *
 * Most services wrap this in a base class (`abstract class Listener { abstract onMessage(data,
 * msg: Message) … listen() { subscribe(…).on('message', (msg) => this.onMessage(…, msg)) } }`),
 * often published as a package of their own, and each subclass's `onMessage` is the handler:
 * such a method (in a class that extends another, with a parameter typed `Message` from
 * node-nats-streaming, which it acks) is a consumer in manual-ack mode.
 */
const STAN_MODULE = 'node-nats-streaming';
const MANUAL_ACK = /setManualAckMode\(\s*true\s*\)|manualAcks\s*:\s*true/;

export const stan: BrokerRecognizer = {
  find({ facts, project }) {
    const out: ReturnType<BrokerRecognizer['find']> = [];
    if (!importsAny(facts, [STAN_MODULE])) return out;
    const manual = MANUAL_ACK.test(facts.sourceFile.text);
    const base = { broker: 'nats' as const, library: STAN_MODULE, kind: 'message' as const };
    // subscription.on('message', listener), the subscription made by `.subscribe(…)` here.
    for (const call of facts.calls) {
      if (calleeName(call) !== 'on' || call.arguments.length < 2 || stringValue(call.arguments[0]) !== 'message') continue;
      const receiver = receiverOf(call);
      if (!receiver || !isSubscription(receiver)) continue;
      const handler = resolveHandler(facts, project, call.arguments[1]);
      const consumer: ConsumerHandler = {
        ...base,
        settlement: manual ? 'manual' : 'on-receive',
        handler,
        messageNames: handler ? parameterNames(handler, 0) : [],
        registration: call,
      };
      out.push({ consumer });
    }
    // class OrderCreatedListener extends Listener { async onMessage(data, msg: Message) { …; msg.ack(); } }
    for (const fn of facts.functions) {
      if (!ts.isMethodDeclaration(fn) || !fn.body || !ts.isClassLike(fn.parent) || !extendsAnother(fn.parent)) continue;
      const names = fn.parameters.filter((p) => isStanMessage(p.type, facts)).flatMap((p) => (ts.isIdentifier(p.name) ? [p.name.text] : []));
      if (names.length === 0 || !acks(fn.body, new Set(names))) continue;
      out.push({ consumer: { ...base, settlement: 'manual', handler: fn, messageNames: names, registration: fn.name } });
    }
    return out;
  },
  settleOf: nats.settleOf,
};

/** `x.subscribe(…)`, or a name initialised from one. */
function isSubscription(expr: ts.Expression): boolean {
  let e = unwrap(expr);
  if (ts.isIdentifier(e)) {
    const init = localInitializer(e);
    if (!init) return false;
    e = unwrap(init);
  }
  return ts.isCallExpression(e) && calleeName(e) === 'subscribe';
}

function extendsAnother(cls: ts.ClassLikeDeclaration): boolean {
  return (cls.heritageClauses ?? []).some((h) => h.token === ts.SyntaxKind.ExtendsKeyword);
}

/** A type written `Message` (or `nats.Message`) and imported from node-nats-streaming. */
function isStanMessage(type: ts.TypeNode | undefined, facts: FileFacts): boolean {
  if (!type || !ts.isTypeReferenceNode(type)) return false;
  const name = type.typeName;
  if (ts.isIdentifier(name)) {
    const binding = facts.origins.importOf(name.text);
    return binding?.module === STAN_MODULE && binding.imported === 'Message';
  }
  return ts.isIdentifier(name.left) && name.right.text === 'Message' && facts.origins.importOf(name.left.text)?.module === STAN_MODULE;
}

/** Whether the body calls `.ack()` on one of `names`. */
function acks(body: ts.Node, names: ReadonlySet<string>): boolean {
  let found = false;
  walkTree(body, (n) => {
    if (found) return false;
    if (ts.isCallExpression(n) && calleeName(n) === 'ack') {
      const receiver = receiverOf(n);
      if (receiver && startsFrom(receiver, names)) found = true;
    }
    return true;
  });
  return found;
}
