import { ts } from 'ts-morph';
import type { FileFacts } from '../file-facts';
import type { ConsumerHandler } from '../model';
import { unwrap } from '../origins';
import { amqpSettle } from './amqp';
import { kafkaSettle } from './kafka';
import { appTransport } from './nest-bootstrap';
import type { BrokerRecognizer } from './recognizer';
import { bindingNames, calleeName, importsAny, isModule, startsFrom } from '../syntax';
import { walkTree } from '../tree-walk';

/**
 * `@nestjs/microservices` handlers: methods decorated `@EventPattern` / `@MessagePattern`. The
 * transport comes from a typed `@Ctx() context: RmqContext | KafkaContext` parameter, else from
 * the decorator's transport argument (`@EventPattern('x', Transport.KAFKA)`), else from what the
 * file shows of exactly one of the two transports (its contexts, clients, `Transport.KAFKA` /
 * `Transport.RMQ`, kafkajs / amqplib imports), else from the app's bootstrap (`main.ts` starting
 * one microservice transport, see nest-bootstrap.ts); a handler whose transport stays unknown is left out
 * (Nest also serves Redis, NATS core, MQTT, TCP and gRPC, with other guarantees).
 * RabbitMQ handlers settle manually with `context.getChannelRef().ack(context.getMessage())` when
 * the transport runs with `noAck: false`; Nest's default is `noAck: true` (ServerRMQ reads
 * `RQM_DEFAULT_NOACK`), so a handler without a context (which cannot ack) is acked on receipt.
 * Kafka offsets are committed when the handler resolves, or by hand with
 * `context.getConsumer().commitOffsets(...)`.
 */
const NEST_MODULE = '@nestjs/microservices';
const CONTEXTS: Record<string, 'rabbitmq' | 'kafka'> = { RmqContext: 'rabbitmq', KafkaContext: 'kafka' };

export const nestjs: BrokerRecognizer = {
  find({ facts, project }) {
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
      const typed = typeName ? CONTEXTS[typeName] : undefined;
      if (ctxParam && !typed) continue; // a context of another transport, or an untyped one
      const broker = typed ?? transportArgument(pattern, facts) ?? fileTransport(facts) ?? appTransport(facts.sourceFile.fileName, project);
      if (!broker) continue;
      const ctxName = ctxParam && ts.isIdentifier(ctxParam.name) ? ctxParam.name.text : undefined;
      if (ctxParam && !ctxName) continue;
      const names = ctxName ? [ctxName, ...namesFromContext(fn.body, ctxName)] : payloadParameterNames(fn);
      const consumer: ConsumerHandler = {
        broker,
        library: NEST_MODULE,
        // Nest's RabbitMQ transport acks on receipt unless configured with noAck: false,
        // which code that acks by hand implies.
        settlement: broker === 'kafka' ? 'on-resolve' : ctxName && callsAck(fn.body, new Set(names)) ? 'manual' : 'on-receive',
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

/** `Transport.KAFKA` / `Transport.RMQ` (from @nestjs/microservices) to the broker it serves. */
function transportOf(expr: ts.Expression, facts: FileFacts): 'kafka' | 'rabbitmq' | undefined {
  const e = unwrap(expr);
  if (!ts.isPropertyAccessExpression(e) || !ts.isIdentifier(e.expression) || facts.origins.importOf(e.expression.text)?.module !== NEST_MODULE) return undefined;
  return e.name.text === 'KAFKA' ? 'kafka' : e.name.text === 'RMQ' ? 'rabbitmq' : undefined;
}

/** The transport a hybrid app's handler is bound to: `@EventPattern('order.paid', Transport.KAFKA)`. */
function transportArgument(pattern: ts.Decorator, facts: FileFacts): 'kafka' | 'rabbitmq' | undefined {
  const call = unwrap(pattern.expression);
  const arg = ts.isCallExpression(call) ? call.arguments[1] : undefined;
  return arg ? transportOf(arg, facts) : undefined;
}

/** Names from @nestjs/microservices that belong to one transport. */
const NEST_TRANSPORT_NAMES = new Map<string, 'kafka' | 'rabbitmq'>([
  ['KafkaContext', 'kafka'], ['ClientKafka', 'kafka'], ['ServerKafka', 'kafka'], ['KafkaOptions', 'kafka'],
  ['RmqContext', 'rabbitmq'], ['ClientRMQ', 'rabbitmq'], ['ServerRMQ', 'rabbitmq'], ['RmqOptions', 'rabbitmq'], ['RmqRecordBuilder', 'rabbitmq'],
]);

/** The one transport the file shows, or undefined when it shows none or both. */
function fileTransport(facts: FileFacts): 'kafka' | 'rabbitmq' | undefined {
  return facts.memo('nestjs:transport', () => {
    const seen = new Set<'kafka' | 'rabbitmq'>();
    for (const b of facts.imports) {
      const named = b.module === NEST_MODULE ? NEST_TRANSPORT_NAMES.get(b.imported) : undefined;
      if (named) seen.add(named);
      if (isModule(b.module, ['kafkajs', '@confluentinc/kafka-javascript'])) seen.add('kafka');
      if (isModule(b.module, ['amqplib', 'amqp-connection-manager'])) seen.add('rabbitmq');
    }
    const visit = (n: ts.Node): boolean | void => {
      if (ts.isPropertyAccessExpression(n)) {
        const t = transportOf(n, facts);
        if (t) seen.add(t);
      }
    };
    walkTree(facts.sourceFile, visit);
    return seen.size === 1 ? [...seen][0] : undefined;
  });
}

/** The handler's `@Payload()` parameter names (or its first parameter when none is decorated). */
function payloadParameterNames(fn: ts.MethodDeclaration): string[] {
  const decorated = fn.parameters.filter((p) => (ts.getDecorators(p) ?? []).some((d) => {
    const e = unwrap(d.expression);
    return ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'Payload';
  }));
  const params = decorated.length > 0 ? decorated : fn.parameters.slice(0, 1);
  return params.flatMap((p) => bindingNames(p.name));
}

/** Variables assigned from the context: `const msg = context.getMessage()`, `const channel = context.getChannelRef()`. */
function namesFromContext(body: ts.Node, ctxName: string): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node): boolean | void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) {
      const init = unwrap(n.initializer);
      if (ts.isCallExpression(init) && calleeName(init) === 'getMessage' && startsFrom(init, new Set([ctxName]))) out.push(n.name.text);
    }
  };
  walkTree(body, visit);
  return out;
}

function callsAck(body: ts.Node, names: ReadonlySet<string>): boolean {
  let found = false;
  walkTree(body, (n) => {
    if (found) return false;
    if (ts.isCallExpression(n) && n.arguments.some((a) => startsFrom(a, names)) && ['ack', 'nack', 'reject'].includes(calleeName(n) ?? '')) found = true;
    // Helpers such as `this.ack(context)` or `rmqAck(context)` count too.
    if (ts.isCallExpression(n) && /ack/i.test(calleeName(n) ?? '') && n.arguments.some((a) => startsFrom(a, names))) found = true;
    return true;
  });
  return found;
}
