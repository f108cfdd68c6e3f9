import { ts } from 'ts-morph';
import type { Broker } from '../types';
import type { ProjectIndex } from './project/project-index';
import type { FileFacts } from './file-facts';
import { unwrap, type Origin } from './origins';
import { constInitializer } from './syntax';
import { walkTree } from './tree-walk';

/**
 * What kind of broker client object an expression denotes, from its syntactic origin
 * (see `Origin`): the module it was imported from and the calls / constructions / declared
 * types applied since. Used by the producer-side and option rules, which look at method calls
 * on these objects (`js.publish`, `channel.consume`, `kafka.producer`, ...).
 */
export type ClientKind =
  | 'nats-connection'
  | 'jetstream'
  | 'jetstream-manager'
  | 'jetstream-consumers-api'
  | 'jetstream-streams-api'
  | 'jetstream-message'
  | 'amqp-channel'
  | 'amqp-confirm-channel'
  | 'kafka'
  | 'kafka-producer'
  | 'kafka-consumer'
  | 'kafka-transaction'
  | 'pubsub'
  | 'pubsub-topic'
  | 'pubsub-subscription'
  | 'pubsub-message'
  | 'sqs-client';

/** A classified client object. */
export interface ClientObject {
  kind: ClientKind;
  broker: Broker;
  /** The module the object comes from, e.g. 'amqplib', 'amqp-connection-manager'. */
  library: string;
}

/** Modules per broker whose objects this module classifies. */
const NATS_MODULES = new Set(['nats', '@nats-io/transport-node', '@nats-io/nats-core', '@nats-io/jetstream']);
const AMQP_MODULES = new Set(['amqplib', 'amqp-connection-manager']);
const KAFKA_MODULES = new Set(['kafkajs']);
const PUBSUB_MODULES = new Set(['@google-cloud/pubsub']);
const SQS_MODULES = new Set(['@aws-sdk/client-sqs', 'aws-sdk']);

/**
 * Chain steps (calls `x()`, declared types `:X`, property reads) that name a client kind, per
 * module family. The last step of the chain that appears here decides.
 */
const NATS_STEPS: Record<string, ClientKind> = {
  'connect()': 'nats-connection',
  ':NatsConnection': 'nats-connection',
  'jetstream()': 'jetstream',
  ':JetStreamClient': 'jetstream',
  'jetstreamManager()': 'jetstream-manager',
  ':JetStreamManager': 'jetstream-manager',
  'jetstreamManager': 'jetstream-manager',
  consumers: 'jetstream-consumers-api',
  ':ConsumerAPI': 'jetstream-consumers-api',
  streams: 'jetstream-streams-api',
  ':StreamAPI': 'jetstream-streams-api',
  ':JsMsg': 'jetstream-message',
};

const AMQP_STEPS: Record<string, ClientKind> = {
  'createChannel()': 'amqp-channel',
  ':Channel': 'amqp-channel',
  'createConfirmChannel()': 'amqp-confirm-channel',
  ':ConfirmChannel': 'amqp-confirm-channel',
};

const KAFKA_STEPS: Record<string, ClientKind> = {
  Kafka: 'kafka',
  ':Kafka': 'kafka',
  'producer()': 'kafka-producer',
  ':Producer': 'kafka-producer',
  'consumer()': 'kafka-consumer',
  ':Consumer': 'kafka-consumer',
  'transaction()': 'kafka-transaction',
  ':Transaction': 'kafka-transaction',
};

const PUBSUB_STEPS: Record<string, ClientKind> = {
  PubSub: 'pubsub',
  ':PubSub': 'pubsub',
  'topic()': 'pubsub-topic',
  ':Topic': 'pubsub-topic',
  'subscription()': 'pubsub-subscription',
  ':Subscription': 'pubsub-subscription',
  ':Message': 'pubsub-message',
};

const SQS_STEPS: Record<string, ClientKind> = {
  SQSClient: 'sqs-client',
  ':SQSClient': 'sqs-client',
  SQS: 'sqs-client',
  ':SQS': 'sqs-client',
};

/** Classifies an origin; undefined when it is not a client object this module knows. */
export function clientOfOrigin(origin: Origin | undefined): ClientObject | undefined {
  if (!origin) return undefined;
  const family = brokerStepsOf(origin.module);
  if (!family) return undefined;
  // Only the last step decides: `new Kafka()` is ['Kafka', 'new'] (the constructor names the
  // object), while anything read or called after the object (`js.publish()` → a PubAck) is not it.
  const chain = origin.chain[origin.chain.length - 1] === 'new' ? origin.chain.slice(0, -1) : origin.chain;
  const last = chain[chain.length - 1];
  const kind = last !== undefined && Object.hasOwn(family.steps, last) ? family.steps[last] : undefined;
  return kind && { kind: refine(kind, origin), broker: family.broker, library: origin.module };
}

/** amqp-connection-manager channels are confirm channels unless `{ confirm: false }` (not visible here). */
function refine(kind: ClientKind, origin: Origin): ClientKind {
  if (kind === 'amqp-channel' && origin.module === 'amqp-connection-manager') return 'amqp-confirm-channel';
  return kind;
}

function brokerStepsOf(module: string): { broker: Broker; steps: Record<string, ClientKind> } | undefined {
  if (NATS_MODULES.has(module)) return { broker: 'nats', steps: NATS_STEPS };
  if (AMQP_MODULES.has(module)) return { broker: 'rabbitmq', steps: AMQP_STEPS };
  if (KAFKA_MODULES.has(module)) return { broker: 'kafka', steps: KAFKA_STEPS };
  if (PUBSUB_MODULES.has(module)) return { broker: 'pubsub', steps: PUBSUB_STEPS };
  if (SQS_MODULES.has(module)) return { broker: 'sqs', steps: SQS_STEPS };
  return undefined;
}

/**
 * The client object a method call is made on (`js` in `js.publish(...)`), classified. A local
 * `const` is resolved in its own scope first: the file-wide origin table keys variables by name,
 * and two functions often name different channels `channel`.
 */
export function receiverClient(facts: FileFacts, call: ts.CallExpression, project?: ProjectIndex): ClientObject | undefined {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  return clientOf(facts, callee.expression, project);
}

/**
 * The client object an expression denotes: by its origin, through a local `const`, or — with a
 * project index — through the return statements of a helper that hands it out
 * (`const ch = await this.getChannel()` where `getChannel()` returns `conn.createConfirmChannel()`).
 */
export function clientOf(facts: FileFacts, expr: ts.Expression, project?: ProjectIndex, depth = 0): ClientObject | undefined {
  const e = unwrap(expr);
  if (ts.isIdentifier(e)) {
    const init = constInitializer(e);
    const scoped = init && clientOf(facts, init, project, depth);
    if (scoped) return scoped;
  }
  const direct = clientOfOrigin(facts.originOf(expr));
  if (direct || !project || depth >= HELPER_DEPTH || !ts.isCallExpression(e)) return direct;
  const helper = project.resolveFunction(facts, e.expression);
  if (!helper?.body) return undefined;
  const helperFacts = project.factsOf(helper.getSourceFile().fileName) ?? facts;
  if (!ts.isBlock(helper.body)) return clientOf(helperFacts, helper.body, project, depth + 1);
  for (const returned of returnedExpressions(helper.body)) {
    const found = clientOf(helperFacts, returned, project, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** How many helper functions deep `clientOf` follows returns. */
const HELPER_DEPTH = 2;

/** The expressions a function body returns (not those of nested functions). */
function returnedExpressions(body: ts.Block): ts.Expression[] {
  const out: ts.Expression[] = [];
  const walk = (n: ts.Node): boolean | void => {
    if (ts.isFunctionLike(n)) return false;
    if (ts.isReturnStatement(n) && n.expression) out.push(n.expression);
  };
  walkTree(body, walk, false);
  return out;
}

/** The method name of a call on an object (`publish` in `js.publish(...)`). */
export function methodName(call: ts.CallExpression): string | undefined {
  const callee = call.expression;
  return ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
}
