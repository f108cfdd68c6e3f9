import { ts } from 'ts-morph';
import type { ConsumerHandler, SettleCall } from '../model';
import { resolveHandler, type BrokerRecognizer, type SettleContext } from './recognizer';
import { unwrap } from '../origins';
import { calleeName, importsAny, packageOrigin, parameterNames, receiverOf, startsFrom, stringValue } from '../syntax';

/**
 * Google Cloud Pub/Sub streaming pull: `subscription.on('message', handler)`. The handler settles
 * with `message.ack()` / `ackWithResponse()` (exactly-once subscriptions), `nack()`, and extends
 * with `modAck(seconds)`; the client also extends leases itself up to `maxExtension`.
 */
const PUBSUB_MODULE = '@google-cloud/pubsub';

export const pubsub: BrokerRecognizer = {
  find({ facts, project }) {
    const out: ReturnType<BrokerRecognizer['find']> = [];
    const imported = importsAny(facts, [PUBSUB_MODULE]);
    for (const call of facts.calls) {
      if (!['on', 'addListener', 'once'].includes(calleeName(call) ?? '') || call.arguments.length < 2) continue;
      if (stringValue(call.arguments[0]) !== 'message') continue;
      const receiver = receiverOf(call);
      const origin = receiver && packageOrigin(facts, receiver);
      if (origin ? origin.module !== PUBSUB_MODULE : !imported) continue;
      const handler = resolveHandler(facts, project, call.arguments[1]);
      const consumer: ConsumerHandler = {
        broker: 'pubsub',
        library: PUBSUB_MODULE,
        settlement: 'manual',
        kind: 'message',
        handler,
        messageNames: handler ? parameterNames(handler, 0) : [],
        registration: call,
      };
      out.push({ consumer });
    }
    return out;
  },

  settleOf(call: ts.CallExpression, ctx: SettleContext): SettleCall | undefined {
    const receiver = receiverOf(call);
    if (!receiver || !startsFrom(receiver, ctx.names)) return undefined;
    switch (calleeName(call)) {
      case 'ack':
      case 'ackWithResponse':
        return { kind: 'ack', call };
      case 'nack':
      case 'nackWithResponse':
        return { kind: 'nack', requeue: true, call };
      case 'modAck':
      case 'modAckWithResponse': {
        const arg = call.arguments[0] && unwrap(call.arguments[0]);
        if (arg && ts.isNumericLiteral(arg) && Number(arg.text) === 0) return { kind: 'nack', requeue: true, call };
        return { kind: 'extend', call };
      }
      default:
        return undefined;
    }
  },
};
