import { ts } from 'ts-morph';
import type { ConsumerHandler, SettleCall } from '../model';
import { unwrap } from '../origins';
import { optionSetting } from './option-objects';
import { resolveHandler, type BrokerRecognizer, type SettleContext } from './recognizer';
import { bindingNames, booleanValue, calleeName, importsAny, isFunctionWithBody, rootIdentifier, isModule, objectLiteralOf, packageOrigin, parameterNames, propertyNameText, receiverOf, startsFrom, stringValue } from '../syntax';
import { walkTree } from '../tree-walk';

/**
 * RabbitMQ through amqplib (promise and callback APIs) and amqp-connection-manager.
 * `channel.consume(queue, onMessage, { noAck })`: manual ack is the default; `noAck: true` makes
 * the broker forget the message once sent. Settles: `ack(msg)`, `nack(msg, allUpTo, requeue)`,
 * `reject(msg, requeue)` on the channel (or the connection manager's ChannelWrapper).
 */
export const AMQP_MODULES = ['amqplib', 'amqp-connection-manager'];

/** Receivers named like a channel. */
const CHANNEL_NAME = /(^|\.)(ch|chan|channel|\w*Channel)$/;

export const amqp: BrokerRecognizer = {
  find({ facts, project }) {
    const out: ReturnType<BrokerRecognizer['find']> = [];
    const importsAmqp = importsAny(facts, AMQP_MODULES);
    for (const call of facts.calls) {
      if (calleeName(call) !== 'consume' || call.arguments.length < 2) continue;
      const receiver = receiverOf(call);
      if (!receiver || ts.isObjectLiteralExpression(unwrap(call.arguments[0]))) continue;
      // A parameter that shadows an import of the file (`channel` from diagnostics_channel) is not that import.
      const origin = isParameterName(receiver) ? undefined : packageOrigin(facts, receiver);
      if (origin && !isModule(origin.module, AMQP_MODULES)) continue;
      const setupParam = isConnectionManagerSetupParam(receiver, facts.calls);
      const handler = resolveHandler(facts, project, call.arguments[1]);
      // A channel made by a project helper (`getChannel()`, `rabbitmqConn`) has no visible origin:
      // a channel-like name with a noAck option, or a handler that acks its message, shows it.
      const options = objectLiteralOf(call.arguments[2]);
      // `noAck` may come through a spread, `Object.assign(…)` or a constant of the file.
      const noAckSetting = optionSetting(call.arguments[2], 'noAck', facts);
      const evidence = (handler && settlesWithChannel(handler)) || (CHANNEL_NAME.test(receiver.getText()) && noAckSetting);
      if (!origin && !setupParam && !importsAmqp && !evidence) continue;
      const noAck = noAckSetting ? booleanValue(noAckSetting.value, true) : undefined;
      const library = origin?.module === 'amqp-connection-manager' || setupParam ? 'amqp-connection-manager' : 'amqplib';
      const consumer: ConsumerHandler = {
        broker: 'rabbitmq',
        library,
        settlement: noAck === true ? 'on-receive' : 'manual',
        kind: 'message',
        handler,
        messageNames: handler ? parameterNames(handler, 0) : [],
        registration: call,
        options,
        source: stringValue(call.arguments[0], true),
      };
      out.push({ consumer });
    }
    return out;
  },

  settleOf(call, ctx) {
    return amqpSettle(call, ctx);
  },
};

/** `ack(msg)`, `nack(msg, allUpTo?, requeue = true)`, `reject(msg, requeue = true)` for a message of `ctx`. */
export function amqpSettle(call: ts.CallExpression, ctx: SettleContext): SettleCall | undefined {
  const name = calleeName(call);
  if (!receiverOf(call) || call.arguments.length === 0 || !startsFrom(call.arguments[0], ctx.names)) return undefined;
  if (name === 'ack') return { kind: 'ack', call };
  if (name === 'nack') return { kind: 'nack', requeue: booleanValue(call.arguments[2]) ?? true, call };
  if (name === 'reject') return { kind: 'reject', requeue: booleanValue(call.arguments[1]) ?? true, call };
  return undefined;
}

/**
 * Whether `receiver` is the channel parameter of an amqp-connection-manager setup function:
 * `connection.createChannel({ setup: (channel) => … })` or `wrapper.addSetup((channel) => …)`.
 */
function isConnectionManagerSetupParam(receiver: ts.Expression, calls: readonly ts.CallExpression[]): boolean {
  const e = unwrap(receiver);
  if (!ts.isIdentifier(e)) return false;
  for (let n: ts.Node | undefined = e.parent; n; n = n.parent) {
    if (!isFunctionWithBody(n)) continue;
    const param = n.parameters.find((p) => ts.isIdentifier(p.name) && p.name.text === e.text);
    if (!param) continue;
    const fn = n;
    const parent = fn.parent;
    if (ts.isCallExpression(parent) && calleeName(parent) === 'addSetup' && calls.includes(parent)) return true;
    if ((ts.isPropertyAssignment(parent) && propertyNameText(parent.name) === 'setup') ||
      (ts.isMethodDeclaration(fn) && ts.isObjectLiteralExpression(fn.parent) && propertyNameText(fn.name) === 'setup')) return true;
    return false;
  }
  return false;
}

/** Whether a handler acks / nacks its first parameter, the mark of a RabbitMQ message callback. */
function settlesWithChannel(handler: ts.FunctionLikeDeclaration): boolean {
  const names = new Set(parameterNames(handler, 0));
  if (names.size === 0 || !handler.body) return false;
  let found = false;
  const visit = (n: ts.Node): boolean | void => {
    if (found) return false;
    if (ts.isCallExpression(n) && ['ack', 'nack', 'reject'].includes(calleeName(n) ?? '') && n.arguments.length > 0 && startsFrom(n.arguments[0], names)) found = true;
  };
  walkTree(handler.body, visit);
  return found;
}

/** Whether the expression's root name is a parameter of a function around it (not a name of the module). */
function isParameterName(expr: ts.Expression): boolean {
  const root = rootIdentifier(expr);
  if (!root) return false;
  for (let n: ts.Node | undefined = root.parent; n; n = n.parent) {
    if (isFunctionWithBody(n) && n.parameters.some((p) => bindingNames(p.name).includes(root.text))) return true;
  }
  return false;
}
