import type { ts } from 'ts-morph';
import type { CallLike, SideEffect } from '../model';
import type { SqlStatement } from './sql';

/** What a write does to its target, when known. */
export type WriteOp = 'insert' | 'update' | 'delete' | 'upsert' | 'unknown';

/**
 * A side effect as found by `sideEffectsIn`: the shared `SideEffect` plus where it sits relative to
 * the analysed function and what it writes to.
 */
export interface Effect extends SideEffect {
  /** The call inside the analysed node that leads to the effect: the effect's own call, or the first call of the chain that reaches it. */
  at: CallLike;
  /** Calls followed from the analysed node to reach the effect (empty when the effect is in the node itself). */
  via: ts.CallExpression[];
  /**
   * The path to the effect, one step per call in `via`: the call, the function it runs and how
   * that step reads (`EventBus.publish → RabbitEventBus.publish` through an interface).
   */
  hops?: Hop[];
  /** For writes: what kind of write. */
  op?: WriteOp;
  /**
   * For writes made idempotent by a key the project declares beside the code (a unique field in
   * schema.prisma, an entity's primary or unique column): the write itself is not repeated, but it
   * is no claim that guards the handler's other effects (a repeat may take another branch first).
   */
  declaredKey?: boolean;
  /** For writes: the table / model / collection text as written (lower-case), for outbox and inbox recognition. */
  target?: string;
  /** For SQL text effects: the reading of the statement. */
  sql?: SqlStatement;
  /** For publishes: the broker's display name, e.g. 'RabbitMQ (amqplib)'. */
  broker?: string;
  /** For publishes: the options object literal of the send, when visible (SQS params, NATS opts...). */
  params?: ts.ObjectLiteralExpression;
}

/** One step of the path from an analysed function to an effect in another function. */
export interface Hop {
  call: ts.CallExpression;
  fn: ts.FunctionLikeDeclaration;
  label: string;
}

/** Table/model names that hold an outbox: events written for a relay to publish. */
export const OUTBOX_NAME = /outbox|outgoing_?(events?|messages?)|event_?(store|log|journal)|pending_?events?/i;

/** Table/model/key names that record processed messages (an inbox / dedup store). */
export const INBOX_NAME = /inbox|processed|dedup|idempot|handled_?(messages?|events?)|received_?(messages?|events?)|consumed_?(messages?|events?)|seen_?(messages?|events?)/i;
