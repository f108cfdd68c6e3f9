import { ts } from 'ts-morph';
import type { ConsumerHandler } from '../model';
import { unwrap } from '../origins';
import { resolveHandler, type BrokerRecognizer } from './recognizer';
import { sqsSettle } from './sqs';
import type { FileFacts } from '../file-facts';
import { booleanValue, calleeName, importsAny, objectLiteralOf, parameterNames, property, propertyValue, stringValue } from '../syntax';

/**
 * bbc/sqs-consumer: `Consumer.create({ queueUrl, handleMessage | handleMessageBatch,
 * alwaysAcknowledge })` or `new Consumer({...})`. The library deletes a message when
 * `handleMessage` resolves with it (every message, whatever the handler returns, with
 * `alwaysAcknowledge: true`); a rejected handler leaves it for redelivery.
 *
 * `@ssut/nestjs-sqs` runs sqs-consumer for each method decorated `@SqsMessageHandler(name,
 * batch)`: the method is `handleMessage` (or `handleMessageBatch` when `batch` is true).
 */
const NEST_SQS = '@ssut/nestjs-sqs';
export const sqsConsumer: BrokerRecognizer = {
  find({ facts, project }) {
    const out: ReturnType<BrokerRecognizer['find']> = [];
    if (importsAny(facts, [NEST_SQS])) out.push(...decoratedHandlers(facts));
    if (!importsAny(facts, ['sqs-consumer'])) return out;
    const candidates: Array<{ node: ts.Node; arg: ts.Expression | undefined }> = [];
    for (const call of facts.calls) {
      if (calleeName(call) !== 'create') continue;
      const origin = facts.originOf(unwrap(call.expression));
      if (origin?.module === 'sqs-consumer') candidates.push({ node: call, arg: call.arguments[0] });
    }
    for (const ne of facts.news) {
      const origin = facts.originOf(ne.expression);
      if (origin?.module === 'sqs-consumer' && origin.chain[origin.chain.length - 1] === 'Consumer') candidates.push({ node: ne, arg: ne.arguments?.[0] });
    }
    for (const { node, arg } of candidates) {
      const options = objectLiteralOf(arg);
      if (!options) continue;
      for (const kind of ['handleMessage', 'handleMessageBatch'] as const) {
        const prop = property(options, kind);
        if (!prop) continue;
        const handler = ts.isMethodDeclaration(prop) ? prop : resolveHandler(facts, project, propertyValue(options, kind)!);
        const consumer: ConsumerHandler = {
          broker: 'sqs',
          library: 'sqs-consumer',
          settlement: 'on-resolve',
          kind: kind === 'handleMessage' ? 'message' : 'batch',
          handler,
          messageNames: handler ? parameterNames(handler, 0) : [],
          registration: node,
          options,
        };
        out.push({ consumer });
      }
    }
    return out;
  },
  settleOf: sqsSettle,
};

/** Methods decorated `@SqsMessageHandler(queueName, batch?)` from @ssut/nestjs-sqs. */
function decoratedHandlers(facts: FileFacts): ReturnType<BrokerRecognizer['find']> {
  const out: ReturnType<BrokerRecognizer['find']> = [];
  for (const fn of facts.functions) {
    if (!ts.isMethodDeclaration(fn) || !fn.body) continue;
    for (const d of ts.getDecorators(fn) ?? []) {
      const e = unwrap(d.expression);
      if (!ts.isCallExpression(e) || !ts.isIdentifier(e.expression) || facts.origins.importOf(e.expression.text)?.module !== NEST_SQS) continue;
      if (facts.origins.importOf(e.expression.text)?.imported !== 'SqsMessageHandler') continue;
      const consumer: ConsumerHandler = {
        broker: 'sqs',
        library: 'sqs-consumer',
        settlement: 'on-resolve',
        kind: booleanValue(e.arguments[1]) === true ? 'batch' : 'message',
        handler: fn,
        messageNames: parameterNames(fn, 0),
        registration: d,
        source: stringValue(e.arguments[0]),
      };
      out.push({ consumer });
    }
  }
  return out;
}
