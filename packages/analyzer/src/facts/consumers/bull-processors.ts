import { ts } from 'ts-morph';
import type { ConsumerHandler } from '../model';
import { unwrap } from '../origins';
import { bullmq } from './bullmq';
import { resolveHandler, type BrokerRecognizer } from './recognizer';
import { calleeName, importsAny, parameterNames, receiverOf } from '../syntax';

/**
 * Job processors registered other than by `new Worker(…)`, all of which complete the job when the
 * processor's promise resolves and fail it (for a retry, up to `attempts`) when it rejects:
 * - `@nestjs/bullmq`: a class decorated `@Processor('queue')` (usually `extends WorkerHost`),
 *   whose `process(job)` method Nest runs in a BullMQ worker;
 * - `@nestjs/bull`: methods decorated `@Process()` in a `@Processor('queue')` class (Bull 3);
 * - Bull 3 itself: `queue.process([name], [concurrency], processor)` on a queue from `bull`.
 */
const NEST_BULLMQ = '@nestjs/bullmq';
const NEST_BULL = '@nestjs/bull';

export const bullProcessors: BrokerRecognizer = {
  find({ facts, project }) {
    const out: ReturnType<BrokerRecognizer['find']> = [];
    const job = (handler: ts.FunctionLikeDeclaration | undefined, library: string, registration: ts.Node): void => {
      if (!handler?.body) return;
      const consumer: ConsumerHandler = {
        broker: 'bullmq', library, settlement: 'on-resolve', kind: 'message', handler, messageNames: parameterNames(handler, 0), registration,
      };
      out.push({ consumer });
    };
    if (importsAny(facts, [NEST_BULLMQ, NEST_BULL])) {
      for (const cls of facts.sourceFile.statements.filter(ts.isClassDeclaration)) {
        const processor = decorator(cls, 'Processor', facts.origins.importOf.bind(facts.origins));
        if (!processor) continue;
        for (const member of cls.members) {
          if (!ts.isMethodDeclaration(member) || !member.body) continue;
          if (processor.module === NEST_BULLMQ && ts.isIdentifier(member.name) && member.name.text === 'process') job(member, NEST_BULLMQ, processor.node);
          if (processor.module === NEST_BULL) {
            const process = decorator(member, 'Process', facts.origins.importOf.bind(facts.origins));
            if (process?.module === NEST_BULL) job(member, NEST_BULL, process.node);
          }
        }
      }
    }
    if (importsAny(facts, ['bull'])) {
      for (const call of facts.calls) {
        const receiver = receiverOf(call);
        if (calleeName(call) !== 'process' || !receiver || call.arguments.length === 0) continue;
        if (facts.originOf(unwrap(receiver))?.module !== 'bull') continue;
        const last = call.arguments[call.arguments.length - 1];
        // A processor given as a file path runs sandboxed in another process: not followed.
        if (ts.isStringLiteralLike(unwrap(last))) continue;
        job(resolveHandler(facts, project, last), 'bull', call);
      }
    }
    return out;
  },
  settleOf: bullmq.settleOf,
};

/** A decorator `@name(…)` on a node, imported from @nestjs/bull or @nestjs/bullmq. */
function decorator(
  node: ts.HasDecorators, name: string, importOf: (local: string) => { module: string } | undefined,
): { node: ts.Decorator; module: string } | undefined {
  for (const d of ts.getDecorators(node) ?? []) {
    const e = unwrap(d.expression);
    const id = ts.isCallExpression(e) ? e.expression : e;
    if (!ts.isIdentifier(id) || id.text !== name) continue;
    const module = importOf(id.text)?.module;
    if (module === NEST_BULLMQ || module === NEST_BULL) return { node: d, module };
  }
  return undefined;
}
