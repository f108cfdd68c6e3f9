import type { ConsumerHandler } from '../model';
import { resolveHandler, type BrokerRecognizer } from './recognizer';
import { calleeName, importsAny, parameterNames, receiverOf, startsFrom } from '../syntax';

/**
 * BullMQ: `new Worker(queueName, processor, opts)`. A job completes when the processor resolves
 * and is retried (up to `attempts`) when it rejects. A processor given as a file path (sandboxed)
 * is not followed.
 */
export const bullmq: BrokerRecognizer = {
  find({ facts, project }) {
    const out: ReturnType<BrokerRecognizer['find']> = [];
    if (!importsAny(facts, ['bullmq'])) return out;
    for (const ne of facts.news) {
      const origin = facts.originOf(ne.expression);
      if (origin?.module !== 'bullmq' || origin.chain[origin.chain.length - 1] !== 'Worker') continue;
      const arg = ne.arguments?.[1];
      if (!arg) continue;
      const handler = resolveHandler(facts, project, arg);
      const consumer: ConsumerHandler = {
        broker: 'bullmq',
        library: 'bullmq',
        settlement: 'on-resolve',
        kind: 'message',
        handler,
        messageNames: handler ? parameterNames(handler, 0) : [],
        registration: ne,
      };
      out.push({ consumer });
    }
    return out;
  },

  settleOf(call, ctx) {
    const receiver = receiverOf(call);
    if (!receiver || !startsFrom(receiver, ctx.names)) return undefined;
    if (calleeName(call) === 'extendLock') return { kind: 'extend', call };
    return undefined;
  },
};
