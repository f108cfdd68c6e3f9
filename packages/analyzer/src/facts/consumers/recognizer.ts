import { ts } from 'ts-morph';
import type { ProjectIndex } from '../project/project-index';
import type { FileFacts } from '../file-facts';
import type { ConsumerHandler, SettleCall } from '../model';
import { unwrap } from '../origins';

/** What a broker module needs to look for consumers in one file. */
export interface FindContext {
  facts: FileFacts;
  project: ProjectIndex;
}

/** Per-consumer knowledge that settle detection needs but rules do not. */
export interface SettleContext {
  /** Names that denote this consumer's message (or its NestJS context, or a received batch). */
  names: ReadonlySet<string>;
  /** Local names of settle functions handed to the handler: kafkajs `({ resolveOffset })` → 'resolve-offset'. */
  aliases: ReadonlyMap<string, SettleCall['kind']>;
  /** Facts of the file the handler lives in. */
  facts: FileFacts;
}

/** One broker library (or family of libraries sharing a settle API). */
export interface BrokerRecognizer {
  /** Consumers registered in the file, each with the settle aliases its handler receives. */
  find(ctx: FindContext): Array<{ consumer: ConsumerHandler; aliases?: Map<string, SettleCall['kind']> }>;
  /** The settle call `call` is for this consumer's message, or undefined. */
  settleOf(call: ts.CallExpression, ctx: SettleContext): SettleCall | undefined;
}

/**
 * The function an expression registers as a handler: what `project.resolveFunction` finds, or,
 * for a factory call such as `onRefund(channel)`, the function the factory returns.
 */
export function resolveHandler(facts: FileFacts, project: ProjectIndex, expr: ts.Expression): ts.FunctionLikeDeclaration | undefined {
  const direct = project.resolveFunction(facts, expr);
  if (direct) return direct;
  const e = unwrap(expr);
  if (!ts.isCallExpression(e)) return undefined;
  const factory = project.resolveFunction(facts, e.expression);
  if (!factory?.body) return undefined;
  if (!ts.isBlock(factory.body)) return asFunction(factory.body);
  for (const stmt of factory.body.statements) {
    if (ts.isReturnStatement(stmt) && stmt.expression) return asFunction(stmt.expression);
  }
  return undefined;
}

function asFunction(expr: ts.Expression): ts.FunctionLikeDeclaration | undefined {
  const e = unwrap(expr);
  return ts.isArrowFunction(e) || ts.isFunctionExpression(e) ? e : undefined;
}
