import { ts } from 'ts-morph';
import type { ConsumerHandler } from '../model';
import { unwrap } from '../origins';
import { amqpSettle } from './amqp';
import { kafkaSettle } from './kafka';
import type { BrokerRecognizer } from './recognizer';
import { calleeName, importsAny, startsFrom } from './syntax';

/**
 * `@nestjs/microservices` handlers: methods decorated `@EventPattern` / `@MessagePattern` with a
 * `@Ctx() context: RmqContext | KafkaContext` parameter. RabbitMQ handlers settle manually with
 * `context.getChannelRef().ack(context.getMessage())` when the transport runs with
 * `noAck: false` (Nest's default is `noAck: true`); Kafka offsets are committed when the handler
 * resolves, or by hand with `context.getConsumer().commitOffsets(...)`.
 */
const NEST_MODULE = '@nestjs/microservices';
const CONTEXTS: Record<string, 'rabbitmq' | 'kafka'> = { RmqContext: 'rabbitmq', KafkaContext: 'kafka' };

export const nestjs: BrokerRecognizer = {
  find({ facts }) {
    const out: ReturnType<BrokerRecognizer['find']> = [];
    if (!importsAny(facts, [NEST_MODULE])) return out;
    for (const fn of facts.functions) {
      if (!ts.isMethodDeclaration(fn) || !fn.body) continue;
      const decorators = ts.getDecorators(fn) ?? [];
      const pattern = decorators.find((d) => {
        const e = unwrap(d.expression);
        const name = ts.isCallExpression(e) && ts.isIdentifier(e.expression) ? e.expression.text : undefined;
        return (name === 'EventPattern' || name === 'MessagePattern') && facts.origins.importOf(name)?.module === NEST_MODULE;
      });
      if (!pattern) continue;
      const ctxParam = fn.parameters.find((p) => (ts.getDecorators(p) ?? []).some((d) => {
        const e = unwrap(d.expression);
        return ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'Ctx';
      }));
      const typeName = ctxParam?.type && ts.isTypeReferenceNode(ctxParam.type) && ts.isIdentifier(ctxParam.type.typeName) ? ctxParam.type.typeName.text : undefined;
      const broker = typeName ? CONTEXTS[typeName] : undefined;
      if (!ctxParam || !broker || !ts.isIdentifier(ctxParam.name)) continue;
      const ctxName = ctxParam.name.text;
      const names = [ctxName, ...namesFromContext(fn.body, ctxName)];
      const consumer: ConsumerHandler = {
        broker,
        library: NEST_MODULE,
        // Nest's RabbitMQ transport acks on receipt unless configured with noAck: false,
        // which code that acks by hand implies.
        settlement: broker === 'kafka' ? 'on-resolve' : callsAck(fn.body, new Set(names)) ? 'manual' : 'on-receive',
        kind: 'message',
        handler: fn,
        messageNames: names,
        registration: pattern,
      };
      out.push({ consumer });
    }
    return out;
  },

  settleOf(call, ctx) {
    return amqpSettle(call, ctx) ?? kafkaSettle(call, ctx);
  },
};

/** Variables assigned from the context: `const msg = context.getMessage()`, `const channel = context.getChannelRef()`. */
function namesFromContext(body: ts.Node, ctxName: string): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) {
      const init = unwrap(n.initializer);
      if (ts.isCallExpression(init) && calleeName(init) === 'getMessage' && startsFrom(init, new Set([ctxName]))) out.push(n.name.text);
    }
    ts.forEachChild(n, visit);
  };
  visit(body);
  return out;
}

function callsAck(body: ts.Node, names: ReadonlySet<string>): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(n) && n.arguments.some((a) => startsFrom(a, names)) && ['ack', 'nack', 'reject'].includes(calleeName(n) ?? '')) found = true;
    // Helpers such as `this.ack(context)` or `rmqAck(context)` count too.
    if (ts.isCallExpression(n) && /ack/i.test(calleeName(n) ?? '') && n.arguments.some((a) => startsFrom(a, names))) found = true;
    ts.forEachChild(n, visit);
  };
  visit(body);
  return found;
}
