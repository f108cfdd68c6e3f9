import { ts } from 'ts-morph';
import type { ConsumerHandler } from '../model';
import { unwrap } from '../origins';
import type { BrokerRecognizer } from './recognizer';
import { importsAny, isFunctionWithBody, parameterNames } from '../syntax';
import { findInTree } from '../tree-walk';

/**
 * `@golevelup/nestjs-rabbitmq` handlers: methods decorated `@RabbitSubscribe({ exchange,
 * routingKey, queue })` or `@RabbitRPC(…)`. The library consumes the queue itself, awaits the
 * handler and then acks the message (or nacks it when the handler returns `new Nack(requeue)`);
 * a handler that throws goes to the configured error behaviour. The handler never acks by hand:
 * the message is settled when its promise resolves, so work it does not wait for runs after the
 * ack. `@RabbitRPC` handlers answer on `replyTo` (request–reply, see request-reply.ts).
 */
const MODULE = '@golevelup/nestjs-rabbitmq';
const DECORATORS = new Set(['RabbitSubscribe', 'RabbitRPC']);

export const golevelup: BrokerRecognizer = {
  find({ facts }) {
    const out: ReturnType<BrokerRecognizer['find']> = [];
    if (!importsAny(facts, [MODULE])) return out;
    for (const fn of facts.functions) {
      if (!ts.isMethodDeclaration(fn) || !fn.body) continue;
      const decorator = (ts.getDecorators(fn) ?? []).find((d) => {
        const e = unwrap(d.expression);
        const name = ts.isCallExpression(e) && ts.isIdentifier(e.expression) ? e.expression.text : undefined;
        return name !== undefined && DECORATORS.has(name) && facts.origins.importOf(name)?.module === MODULE;
      });
      if (!decorator) continue;
      const options = unwrap(decorator.expression) as ts.CallExpression;
      const literal = options.arguments[0] && unwrap(options.arguments[0]);
      const consumer: ConsumerHandler = {
        broker: 'rabbitmq',
        library: MODULE,
        settlement: 'on-resolve',
        kind: 'message',
        handler: fn,
        // The parsed payload, and the raw amqplib message when the handler takes it.
        messageNames: [...parameterNames(fn, 0), ...parameterNames(fn, 1)],
        registration: decorator,
        options: literal && ts.isObjectLiteralExpression(literal) ? literal : undefined,
      };
      out.push({ consumer });
    }
    return out;
  },

  // Settling is the library's: a handler has no ack call of its own.
  settleOf() {
    return undefined;
  },
};

/**
 * Whether `block` of a golevelup handler returns `new Nack(…)` on some path: the handler then
 * settles the message negatively itself, so a `catch` doing so swallows nothing.
 */
export function returnsNack(block: ts.Node): boolean {
  return findInTree(block, (n) => {
    if (!ts.isReturnStatement(n) || !n.expression) return false;
    const e = unwrap(n.expression);
    return ts.isNewExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'Nack';
  }, (n) => n === block || !isFunctionWithBody(n)) !== undefined;
}
