import type { ts } from 'ts-morph';
import type { ProjectIndex } from '../../engine/project-index';
import type { FileFacts } from '../file-facts';
import type { ConsumerHandler, SettleCall } from '../model';

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
