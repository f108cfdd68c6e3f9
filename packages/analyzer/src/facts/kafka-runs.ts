import { ts } from 'ts-morph';
import type { ProjectIndex } from './project/project-index';
import type { FileFacts } from './file-facts';
import { unwrap } from './origins';
import { boundName, calleeName, nameKey, propertyNode, propertyValue, receiverOf } from './syntax';

/** kafkajs and the KafkaJS-compatible API of Confluent's client. */
export const KAFKA_MODULE = /^(kafkajs|@confluentinc\/kafka-javascript)$/;

/** A `consumer.run({ eachMessage | eachBatch })` registration. */
export interface KafkaRun {
  run: ts.CallExpression;
  options: ts.ObjectLiteralExpression;
  /** The `eachMessage` / `eachBatch` property, where auto-commit findings point. */
  handlerProperty: ts.ObjectLiteralElementLike;
  handler?: ts.FunctionLikeDeclaration;
  kind: 'eachMessage' | 'eachBatch';
  /** `autoCommit: false` written in the run options. */
  autoCommitOff: boolean;
  /** The consumer's `groupId` expression when the consumer is created in this file. */
  groupId?: ts.Expression;
}

function isKafkaValue(facts: FileFacts, expr: ts.Expression): boolean {
  const origin = facts.originOf(expr);
  return origin !== undefined && KAFKA_MODULE.test(origin.module);
}

/** The `groupId` given where the consumer named `key` is created (`kafka.consumer({ groupId })`). */
function groupIdOf(facts: FileFacts, consumer: ts.Expression): ts.Expression | undefined {
  const key = nameKey(consumer);
  const creations = facts.calls.filter((c) => calleeName(c) === 'consumer' && c.arguments[0] && ts.isObjectLiteralExpression(unwrap(c.arguments[0])));
  const own = creations.find((c) => key !== undefined && boundName(c) === key) ?? (creations.length === 1 ? creations[0] : undefined);
  if (!own) return undefined;
  const options = unwrap(own.arguments[0]) as ts.ObjectLiteralExpression;
  const nested = propertyValue(options, 'kafkaJS');
  const config = nested && ts.isObjectLiteralExpression(unwrap(nested)) ? (unwrap(nested) as ts.ObjectLiteralExpression) : options;
  return propertyValue(config, 'groupId') ?? propertyValue(options, 'group.id');
}

/** kafkajs `consumer.run({ eachMessage | eachBatch })` registrations of a file (memoised). */
export function kafkaRuns(facts: FileFacts, project: ProjectIndex): KafkaRun[] {
  return facts.memo('kafka-runs', () => findRuns(facts, project));
}

function findRuns(facts: FileFacts, project: ProjectIndex): KafkaRun[] {
  const out: KafkaRun[] = [];
  for (const call of facts.calls) {
    if (calleeName(call) !== 'run') continue;
    const receiver = receiverOf(call);
    const arg = call.arguments[0] && unwrap(call.arguments[0]);
    if (!receiver || !arg || !ts.isObjectLiteralExpression(arg)) continue;
    const kind = propertyValue(arg, 'eachMessage') ? 'eachMessage' : propertyValue(arg, 'eachBatch') ? 'eachBatch' : undefined;
    if (!kind) continue;
    // `run({ eachMessage })` is specific enough to kafkajs that an unresolved consumer still counts
    // when the file imports a Kafka client.
    if (!isKafkaValue(facts, receiver) && !facts.importsModule((m) => KAFKA_MODULE.test(m))) continue;
    const handlerExpr = propertyValue(arg, kind);
    const autoCommit = propertyValue(arg, 'autoCommit');
    out.push({
      run: call,
      options: arg,
      handlerProperty: propertyNode(arg, kind)!,
      handler: handlerExpr && project.resolveFunction(facts, handlerExpr),
      kind,
      autoCommitOff: autoCommit !== undefined && unwrap(autoCommit).kind === ts.SyntaxKind.FalseKeyword,
      groupId: groupIdOf(facts, receiver),
    });
  }
  return out;
}

