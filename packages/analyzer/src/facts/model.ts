import type { ts } from 'ts-morph';
import type { Broker } from '../types';

/**
 * The shared vocabulary between fact modules and rules. Fact modules (facts/consumers,
 * facts/effects, ...) produce these from a file's `FileFacts`; rules only read them.
 */

/** How a consumer's messages get settled (acked / deleted / committed). */
export type Settlement =
  /** The code settles explicitly: amqplib ack, SQS DeleteMessage, Pub/Sub ack, JetStream ack, manual kafkajs commits. */
  | 'manual'
  /** The library settles when the handler's promise resolves: kafkajs eachMessage with autoCommit, sqs-consumer, bullmq, NestJS handlers without manual ack. */
  | 'on-resolve'
  /** Settled on delivery, before the handler runs: amqplib `noAck: true`, NestJS RMQ `noAck` default. */
  | 'on-receive';

/** A function registered to process messages of a broker. */
export interface ConsumerHandler {
  broker: Broker;
  /** Client library, e.g. 'amqplib', 'kafkajs', '@aws-sdk/client-sqs', 'sqs-consumer'. */
  library: string;
  settlement: Settlement;
  /** Whether the handler receives one message or a batch (kafkajs eachBatch, SQS ReceiveMessage loop). */
  kind: 'message' | 'batch';
  /** The function that processes the message; undefined when it cannot be resolved syntactically. */
  handler?: ts.FunctionLikeDeclaration;
  /** Names bound to the message inside the handler (a parameter, or a loop variable over received messages). */
  messageNames: string[];
  /**
   * Where one message is processed, when that is narrower than the handler: the body of a loop
   * over received SQS messages or JetStream messages. Undefined means the whole handler.
   */
  scope?: ts.Node;
  /** The call, `new` or decorator that registers the handler (or the receive call of a polling loop). */
  registration: ts.Node;
  /** The options object given at registration, when it is a literal. */
  options?: ts.ObjectLiteralExpression;
  /** Queue / topic / subject name when it is a literal (`amq.rabbitmq.reply-to`, `orders.fifo`). */
  source?: string;
  /**
   * When the handler is registered through the project's own subscribe wrapper (facts/consumers/
   * forwarded.ts): the wrapper, where it calls the handler, and whether a `catch` there swallows
   * the handler's failure (the message is then settled whatever the handler does).
   */
  through?: { wrapper: ts.FunctionLikeDeclaration; invocation?: ts.CallExpression; swallows: boolean };
}

/** A call that settles a message. */
export interface SettleCall {
  kind: 'ack' | 'nack' | 'reject' | 'term' | 'delete' | 'commit' | 'resolve-offset' | 'heartbeat' | 'extend';
  /** For nack/reject: whether the message is put back (requeue / nak / redelivery), when known. */
  requeue?: boolean;
  call: ts.CallExpression;
}

/**
 * A call, or a tagged template, which is a call too (`prisma.$executeRaw\`UPDATE …\``,
 * postgres.js `sql\`INSERT …\``): the tag function runs with the template's parts.
 */
export type CallLike = ts.CallExpression | ts.TaggedTemplateExpression;

/** What kind of side effect a call has. */
export type EffectKind = 'db-write' | 'http' | 'email' | 'sms' | 'payment' | 'publish' | 'counter' | 'file';

/** A call with an effect outside the process. */
export interface SideEffect {
  kind: EffectKind;
  /** Library or client that performs it, e.g. 'pg', 'prisma', 'stripe', 'fetch'. */
  library: string;
  call: CallLike;
  /**
   * Whether repeating it with the same input leaves the same state: upsert by the message's own
   * key, insert keyed by the message id, set-to-value update, Stripe call with idempotencyKey.
   */
  idempotent: boolean;
  /** Short human description used in messages, e.g. "INSERT via pg", "stripe.charges.create". */
  description: string;
}

/** A database transaction scope. */
export interface TransactionScope {
  library: string;
  /** The node whose extent is the transaction: a callback function, or the statements between BEGIN and COMMIT. */
  node: ts.Node;
  start: number;
  end: number;
}

/** Something that makes repeated processing of the same message a no-op. */
export interface DedupGuard {
  kind: 'unique-insert' | 'set-nx' | 'processed-check' | 'idempotent-upsert' | 'library';
  node: ts.Node;
  /** Whether claim and work commit together (same transaction / atomic), as docs/brokers.md explains. */
  atomic: boolean;
}
