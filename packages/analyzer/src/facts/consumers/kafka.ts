import { ts } from 'ts-morph';
import type { ConsumerHandler, SettleCall } from '../model';
import { unwrap } from '../origins';
import type { FileFacts } from '../file-facts';
import { resolveHandler, type BrokerRecognizer, type SettleContext } from './recognizer';
import { booleanValue, calleeName, destructuredAliases, enclosingFunction, importsAny, isModule, objectLiteralOf, packageOrigin, parameterNames, property, propertyValue, receiverOf, rootIdentifier, startsFrom } from '../syntax';
import { walkTree } from '../tree-walk';

/**
 * Kafka through kafkajs and the KafkaJS-compatible API of `@confluentinc/kafka-javascript`:
 * `consumer.run({ eachMessage | eachBatch, autoCommit, eachBatchAutoResolve })`. With
 * autoCommit (the default) offsets are committed once `eachMessage` resolves; `eachBatch`
 * resolves the batch's last offset when it returns unless `eachBatchAutoResolve: false`.
 */
export const KAFKA_MODULES = ['kafkajs', '@confluentinc/kafka-javascript'];

/** Payload functions that settle, by their kafkajs names. */
const PAYLOAD_SETTLES: Record<string, SettleCall['kind']> = {
  resolveOffset: 'resolve-offset',
  commitOffsetsIfNecessary: 'commit',
  heartbeat: 'heartbeat',
};

export const kafka: BrokerRecognizer = {
  find({ facts, project }) {
    const out: ReturnType<BrokerRecognizer['find']> = [];
    for (const call of facts.calls) {
      if (calleeName(call) !== 'run' || call.arguments.length !== 1) continue;
      const config = unwrap(call.arguments[0]);
      const receiver = receiverOf(call);
      const origin = receiver && packageOrigin(facts, receiver);
      if (origin && !isModule(origin.module, KAFKA_MODULES)) continue;
      if (!ts.isObjectLiteralExpression(config)) {
        // `consumer.run(runConfig)` in the project's consume helper: the handlers come with the
        // config at the helper's call sites (facts/consumers/forwarded.ts follows them there).
        if (ts.isIdentifier(config) && isParameterOf(config, enclosingFunction(call)) && (origin || importsAny(facts, KAFKA_MODULES))) {
          out.push({ consumer: { broker: 'kafka', library: libraryOf(origin?.module), settlement: 'on-resolve', kind: 'message', messageNames: [], registration: call } });
        }
        continue;
      }
      for (const kind of ['eachMessage', 'eachBatch'] as const) {
        const prop = property(config, kind);
        if (!prop) continue;
        const handler = ts.isMethodDeclaration(prop) ? prop : resolveHandler(facts, project, propertyValue(config, kind)!);
        const autoCommit = booleanValue(propertyValue(config, 'autoCommit'), true) ?? autoCommitOfConsumer(receiver, facts);
        const autoResolve = booleanValue(propertyValue(config, 'eachBatchAutoResolve'), true);
        const settlement = kind === 'eachMessage'
          ? (autoCommit === false ? 'manual' : 'on-resolve')
          : (autoResolve === false ? 'manual' : 'on-resolve');
        const consumer: ConsumerHandler = {
          broker: 'kafka',
          library: libraryOf(origin?.module),
          settlement,
          kind: kind === 'eachMessage' ? 'message' : 'batch',
          handler,
          messageNames: handler ? messageNamesOf(handler, kind) : [],
          registration: call,
          options: config,
        };
        const aliases = new Map<string, SettleCall['kind']>();
        if (handler) {
          for (const [local, prop] of destructuredAliases(handler, 0)) {
            const settle = PAYLOAD_SETTLES[prop];
            if (settle) aliases.set(local, settle);
          }
        }
        out.push({ consumer, aliases });
      }
    }
    return out;
  },

  settleOf(call, ctx) {
    return kafkaSettle(call, ctx);
  },
};

function libraryOf(module: string | undefined): string {
  return module?.startsWith('@confluentinc/') ? '@confluentinc/kafka-javascript' : 'kafkajs';
}

function isParameterOf(name: ts.Identifier, fn: ts.FunctionLikeDeclaration | undefined): boolean {
  return !!fn && fn.parameters.some((p) => ts.isIdentifier(p.name) && p.name.text === name.text);
}

/** kafkajs settle calls: payload functions (`resolveOffset`, `heartbeat`, …) and `commitOffsets` on any consumer. */
export function kafkaSettle(call: ts.CallExpression, ctx: SettleContext): SettleCall | undefined {
  const callee = unwrap(call.expression);
  if (ts.isIdentifier(callee)) {
    const kind = ctx.aliases.get(callee.text);
    return kind && { kind, call };
  }
  // NestJS KafkaContext: context.getHeartbeat()()
  if (ts.isCallExpression(callee) && calleeName(callee) === 'getHeartbeat' && startsFrom(callee, ctx.names)) return { kind: 'heartbeat', call };
  const name = calleeName(call);
  if (!name) return undefined;
  if (name === 'commitOffsets') return { kind: 'commit', call };
  const receiver = receiverOf(call);
  // payload.resolveOffset(...) when the handler takes `payload` whole.
  const kind = PAYLOAD_SETTLES[name];
  if (kind && receiver && startsFrom(receiver, ctx.names)) return { kind, call };
  return undefined;
}

/**
 * Names that denote the message: for eachMessage `({ message })` gives 'message' and a whole
 * `payload` parameter gives 'payload' (its `.message` is the message); for eachBatch the `batch`
 * and every loop variable over `batch.messages`.
 */
function messageNamesOf(handler: ts.FunctionLikeDeclaration, kind: 'eachMessage' | 'eachBatch'): string[] {
  const param = handler.parameters[0];
  if (!param) return [];
  if (kind === 'eachMessage') return ts.isIdentifier(param.name) ? [param.name.text] : parameterNames(handler, 0, ['message']);
  const roots = ts.isIdentifier(param.name) ? [param.name.text] : parameterNames(handler, 0, ['batch']);
  const names = new Set(roots);
  const visit = (n: ts.Node): void => {
    if (ts.isForOfStatement(n) && ts.isVariableDeclarationList(n.initializer)) {
      const root = rootIdentifier(n.expression);
      if (root && names.has(root.text)) {
        for (const d of n.initializer.declarations) if (ts.isIdentifier(d.name)) names.add(d.name.text);
      }
    }
    if (ts.isCallExpression(n) && ['forEach', 'map'].includes(calleeName(n) ?? '') && n.arguments.length > 0) {
      const receiver = receiverOf(n);
      const cb = unwrap(n.arguments[0]);
      if (receiver && startsFrom(receiver, names) && (ts.isArrowFunction(cb) || ts.isFunctionExpression(cb))) {
        for (const p of parameterNames(cb, 0)) names.add(p);
      }
    }
  };
  if (handler.body) walkTree(handler.body, visit);
  return [...names];
}

/**
 * The `autoCommit` setting of a kafkajs consumer when it is written as a literal: in the `run`
 * config, or where the consumer was created. Undefined when unknown (kafkajs defaults to true).
 */
export function kafkaAutoCommit(consumer: ConsumerHandler, facts: FileFacts): boolean | undefined {
  const fromRun = consumer.options && booleanValue(propertyValue(consumer.options, 'autoCommit'), true);
  if (fromRun !== undefined) return fromRun;
  const run = consumer.registration;
  return ts.isCallExpression(run) ? autoCommitOfConsumer(receiverOf(run), facts) : undefined;
}

/**
 * `autoCommit` set where the consumer was created, as `@confluentinc/kafka-javascript` wants it:
 * `kafka.consumer({ kafkaJS: { groupId, autoCommit: false } })` (also honoured at the top level).
 */
function autoCommitOfConsumer(receiver: ts.Expression | undefined, facts: FileFacts): boolean | undefined {
  if (!receiver) return undefined;
  const key = receiver.getText();
  const creations = facts.calls.filter((call) => calleeName(call) === 'consumer' && call.arguments.length === 1 && assignedTo(call) === key);
  // The same name is often reused in several functions: prefer the creation in the run call's own function.
  const own = enclosingFunction(receiver);
  const local = creations.filter((c) => own !== undefined && enclosingFunction(c) === own);
  const chosen = local.length > 0 ? local : creations.length === 1 ? creations : [];
  for (const call of chosen) {
    const config = objectLiteralOf(call.arguments[0]);
    if (!config) continue;
    const nested = objectLiteralOf(propertyValue(config, 'kafkaJS'));
    const value = booleanValue(propertyValue(nested ?? config, 'autoCommit'), true);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** The variable or `this.field` a call's (awaited) value is stored in, as source text. */
function assignedTo(call: ts.CallExpression): string | undefined {
  let n: ts.Node = call;
  while (n.parent && (ts.isAwaitExpression(n.parent) || ts.isParenthesizedExpression(n.parent))) n = n.parent;
  const p = n.parent;
  if (p && ts.isVariableDeclaration(p) && ts.isIdentifier(p.name)) return p.name.text;
  if (p && ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) return p.left.getText();
  if (p && ts.isPropertyDeclaration(p)) return `this.${p.name.getText()}`;
  return undefined;
}
