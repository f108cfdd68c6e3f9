import { ts } from 'ts-morph';
import type { ProjectIndex } from './project/project-index';
import { amqp } from './consumers/amqp';
import { bullProcessors } from './consumers/bull-processors';
import { bullmq } from './consumers/bullmq';
import { cloudFunctions } from './consumers/cloud-functions';
import { dispatchedConsumers, forwardedConsumers, inheritedConsumers, templateMethodsOf, wrapperParamsOf } from './consumers/forwarded';
import { golevelup, returnsNack } from './consumers/golevelup';
import { kafka } from './consumers/kafka';
import { lambdaSqs } from './consumers/lambda-sqs';
import { nats } from './consumers/nats';
import { nestjs } from './consumers/nestjs';
import { pubsub } from './consumers/pubsub';
import type { BrokerRecognizer, SettleContext } from './consumers/recognizer';
import { sqs } from './consumers/sqs';
import { sqsConsumer } from './consumers/sqs-consumer';
import { stan } from './consumers/stan';
import { temporal } from './consumers/temporal';
import type { FileFacts } from './file-facts';
import type { ConsumerHandler, SettleCall } from './model';
import { isFunctionWithBody, startsFrom } from './syntax';
import { walkTree } from './tree-walk';

/**
 * Consumer facts: which functions process broker messages, and where they settle them.
 * Recognition is syntactic (imports, call shapes, parameter type annotations); each broker
 * library has its own module under ./consumers/.
 */

/** Every recognizer, and the one that found each consumer (settle APIs differ per library). */
const RECOGNIZERS: ReadonlyArray<BrokerRecognizer> = [amqp, kafka, sqs, sqsConsumer, lambdaSqs, pubsub, cloudFunctions, nats, stan, nestjs, golevelup, bullmq, bullProcessors, temporal];

interface ConsumerInternals {
  recognizer: BrokerRecognizer;
  aliases: Map<string, SettleCall['kind']>;
  project: ProjectIndex;
  settles?: SettleCall[];
}

const internals = new WeakMap<ConsumerHandler, ConsumerInternals>();

/** How deep settle detection follows helper functions (`this.ack(ctx)` → `channel.ack(msg)`). */
const HELPER_DEPTH = 2;

/** Whether a kafkajs consumer commits offsets automatically (the public face of the kafka recognizer's reading). */
export { kafkaAutoCommit } from './consumers/kafka';

/**
 * The message consumers registered in a file, in document order of their registration. A
 * handler defined in another file (imported by a relative path) is resolved through `project`.
 */
export function consumersOf(facts: FileFacts, project: ProjectIndex): ConsumerHandler[] {
  return facts.memo('consumers', () => {
    const direct = directConsumersOf(facts, project);
    const out = [...direct];
    const handlers = new Set(direct.map((c) => c.handler).filter(Boolean));
    const wrappersOf = (fn: ts.FunctionLikeDeclaration, fnFacts: FileFacts) =>
      wrapperParamsOf(fn, directConsumersOf(fnFacts, project), (c) => settleCallsOf(c, fnFacts).length > 0);
    const templatesOf = (cls: ts.ClassLikeDeclaration, clsFacts: FileFacts) =>
      templateMethodsOf(cls, directConsumersOf(clsFacts, project), (c) => settleCallsOf(c, clsFacts).length > 0);
    const dispatched = dispatchedConsumers(direct, facts, project, (c) => settleCallsOf(c, facts).length > 0);
    for (const { consumer, wrapper } of [...forwardedConsumers(facts, project, wrappersOf), ...inheritedConsumers(facts, project, templatesOf), ...dispatched]) {
      if (handlers.has(consumer.handler)) continue;
      handlers.add(consumer.handler);
      const inner = internals.get(wrapper.consumer);
      if (!inner) continue;
      internals.set(consumer, { recognizer: inner.recognizer, aliases: new Map(), project });
      out.push(consumer);
    }
    return out.sort((a, b) => a.registration.getStart() - b.registration.getStart());
  });
}

/** The consumers the broker recognizers find in a file, without those registered through a wrapper. */
function directConsumersOf(facts: FileFacts, project: ProjectIndex): ConsumerHandler[] {
  return facts.memo('consumers:direct', () => {
    const out: ConsumerHandler[] = [];
    for (const recognizer of RECOGNIZERS) {
      // No try/catch: a recognizer that throws is a bug in eos, which the run reports as an
      // internal error for the file. Swallowed, it would make the consumer vanish, and with it
      // every finding about it.
      for (const { consumer, aliases } of recognizer.find({ facts, project })) {
        internals.set(consumer, { recognizer, aliases: aliases ?? new Map(), project });
        followForwarding(consumer, facts, project);
        out.push(consumer);
      }
    }
    return out.sort((a, b) => a.registration.getStart() - b.registration.getStart());
  });
}

/**
 * `(msg) => onMessage(channel, msg)`: a handler that only hands the message to another function
 * is replaced by that function, with the parameters that receive the message as message names.
 */
function followForwarding(consumer: ConsumerHandler, facts: FileFacts, project: ProjectIndex): void {
  const handler = consumer.handler;
  // Only an inline wrapper at the registration; a named handler is the handler.
  if (!handler?.body || consumer.scope || !(ts.isArrowFunction(handler) || ts.isFunctionExpression(handler))) return;
  if (!(consumer.registration.pos <= handler.pos && handler.end <= consumer.registration.end)) return;
  // Only a call whose promise the handler passes on (returned or awaited) hands over the message;
  // a dropped call is work of the handler itself (and maybe fire-and-forget).
  let expr: ts.Expression | undefined;
  if (!ts.isBlock(handler.body)) expr = handler.body;
  else if (handler.body.statements.length === 1) {
    const only = handler.body.statements[0];
    if (ts.isExpressionStatement(only) && ts.isAwaitExpression(only.expression)) expr = only.expression;
    else if (ts.isReturnStatement(only)) expr = only.expression;
  }
  while (expr && (ts.isAwaitExpression(expr) || ts.isParenthesizedExpression(expr))) expr = expr.expression;
  if (!expr || !ts.isCallExpression(expr)) return;
  const names = new Set(consumer.messageNames);
  const positions = expr.arguments.map((a) => ts.isIdentifier(a) && names.has(a.text));
  if (!positions.some(Boolean)) return;
  const handlerFacts = project.factsOf(handler.getSourceFile().fileName) ?? facts;
  const target = project.resolveFunction(handlerFacts, expr.expression);
  if (!target?.body || target === handler) return;
  const forwarded = target.parameters.flatMap((p, i) => (positions[i] && ts.isIdentifier(p.name) ? [p.name.text] : []));
  if (forwarded.length === 0) return;
  consumer.handler = target;
  consumer.messageNames = forwarded;
}

/**
 * Calls inside the consumer's handler (or its per-message scope) that settle this consumer's
 * message: ack / nack / reject / term / delete / commit / resolve-offset / heartbeat / extend, in
 * document order. A call to a local or imported helper that settles the message it is given
 * (`await this.ack(context)`, `deleteMessage(m.ReceiptHandle)`) counts as a settle call itself.
 */
export function settleCallsOf(consumer: ConsumerHandler, facts: FileFacts): SettleCall[] {
  const info = internals.get(consumer);
  const scope = consumer.scope ?? consumer.handler?.body;
  if (!info || !scope) return [];
  if (info.settles) return info.settles;
  const handlerFacts = info.project.factsOf(scope.getSourceFile().fileName) ?? facts;
  // `let msg = first` / `const original = context.getMessage()`: aliases denote the message too.
  const ctx: SettleContext = { names: derivedNames(scope, new Set(consumer.messageNames)), aliases: info.aliases, facts: handlerFacts };
  info.settles = settlesIn(scope, ctx, info, 0, new Set());
  return info.settles;
}

function settlesIn(scope: ts.Node, ctx: SettleContext, info: ConsumerInternals, depth: number, seen: Set<ts.Node>): SettleCall[] {
  const out: SettleCall[] = [];
  const visit = (n: ts.Node): boolean | void => {
    if (ts.isCallExpression(n)) {
      const direct = info.recognizer.settleOf(n, ctx);
      if (direct) out.push(direct);
      else if (depth < HELPER_DEPTH) {
        const viaHelper = helperSettle(n, ctx, info, depth, seen);
        if (viaHelper) out.push(viaHelper);
      }
    }
  };
  walkTree(scope, visit);
  return out;
}

/** A call to a function that settles the message (or context) passed to it. */
function helperSettle(call: ts.CallExpression, ctx: SettleContext, info: ConsumerInternals, depth: number, seen: Set<ts.Node>): SettleCall | undefined {
  const passed = call.arguments.map((a) => startsFrom(a, ctx.names));
  if (!passed.some(Boolean)) return undefined;
  const fn = info.project.resolveFunction(ctx.facts, call.expression);
  if (!fn?.body || seen.has(fn) || !isFunctionWithBody(fn)) return undefined;
  const names = new Set<string>();
  fn.parameters.forEach((p, i) => {
    if (passed[i] && ts.isIdentifier(p.name)) names.add(p.name.text);
  });
  if (names.size === 0) return undefined;
  const helperFacts = info.project.factsOf(fn.getSourceFile().fileName) ?? ctx.facts;
  // Inside the helper, its parameter and whatever it derives from it denote the message.
  const derived = derivedNames(fn.body, names);
  seen.add(fn);
  const inner = settlesIn(fn.body, { names: derived, aliases: new Map(), facts: helperFacts }, info, depth + 1, seen);
  seen.delete(fn);
  const first = inner[0];
  return first && { kind: first.kind, requeue: first.requeue, call };
}

/** `names` plus variables initialised from them (`const msg = ctx.getMessage()`). */
function derivedNames(body: ts.Node, names: Set<string>): Set<string> {
  const out = new Set(names);
  const visit = (n: ts.Node): boolean | void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer && startsFrom(n.initializer, out)) out.add(n.name.text);
  };
  walkTree(body, visit);
  return out;
}

export { optionSetting, type OptionSetting } from './consumers/option-objects';
export { answersFailure, isRequestReply } from './consumers/request-reply';

/**
 * Whether a block of the consumer's handler settles the message negatively by what it returns
 * (`return new Nack(false)` in a golevelup handler), rather than by a call.
 */
export function returnsNegativeSettle(consumer: ConsumerHandler, block: ts.Node): boolean {
  return consumer.library === '@golevelup/nestjs-rabbitmq' && returnsNack(block);
}
