import { unwrap } from '../origins';
import type { ConsumerHandler } from '../model';
import { resolveHandler, type BrokerRecognizer } from './recognizer';
import { importsAny, parameterNames } from '../syntax';

/**
 * Event-driven Cloud Functions registered with the Functions Framework:
 * `functions.cloudEvent('name', async (cloudEvent) => …)`. Eventarc (Pub/Sub underneath) delivers
 * the event; the function signals completion by resolving (or rejecting) the promise it returns,
 * and with retries enabled a rejected one is delivered again. The event is settled when the
 * handler's promise resolves; work the handler does not wait for runs, if at all, after that.
 */
const MODULE = '@google-cloud/functions-framework';

export const cloudFunctions: BrokerRecognizer = {
  find({ facts, project }) {
    const out: ReturnType<BrokerRecognizer['find']> = [];
    if (!importsAny(facts, [MODULE])) return out;
    for (const call of facts.calls) {
      const origin = facts.originOf(unwrap(call.expression));
      if (origin?.module !== MODULE || origin.chain[origin.chain.length - 1] !== 'cloudEvent' || call.arguments.length < 2) continue;
      const handler = resolveHandler(facts, project, call.arguments[1]);
      if (!handler?.body) continue;
      const consumer: ConsumerHandler = {
        broker: 'pubsub', library: MODULE, settlement: 'on-resolve', kind: 'message', handler, messageNames: parameterNames(handler, 0), registration: call,
      };
      out.push({ consumer });
    }
    return out;
  },

  // The handler has nothing to settle by hand: resolving its promise is the settle.
  settleOf() {
    return undefined;
  },
};
