import { ts } from 'ts-morph';
import type { FileFacts } from '../file-facts';
import { unwrap } from '../origins';
import type { RawEffect } from './db';
import { familyOf, type CallShape } from './shape';
import { staticText } from './strings';
import { constInitializer, hasProperty, objectLiteralOf, propertyValue } from '../syntax';
import { walkTree } from '../tree-walk';

/** What an AWS SDK v3 command does when sent. */
interface CommandKind {
  kind: RawEffect['kind'];
  library: string;
  broker?: string;
  op?: RawEffect['op'];
}

const COMMANDS: Record<string, CommandKind> = {
  SendMessageCommand: { kind: 'publish', library: '@aws-sdk/client-sqs', broker: 'Amazon SQS' },
  SendMessageBatchCommand: { kind: 'publish', library: '@aws-sdk/client-sqs', broker: 'Amazon SQS' },
  PublishCommand: { kind: 'publish', library: '@aws-sdk/client-sns', broker: 'Amazon SNS' },
  PublishBatchCommand: { kind: 'publish', library: '@aws-sdk/client-sns', broker: 'Amazon SNS' },
  PutEventsCommand: { kind: 'publish', library: '@aws-sdk/client-eventbridge', broker: 'Amazon EventBridge' },
  PutRecordCommand: { kind: 'publish', library: '@aws-sdk/client-kinesis', broker: 'Amazon Kinesis' },
  PutRecordsCommand: { kind: 'publish', library: '@aws-sdk/client-kinesis', broker: 'Amazon Kinesis' },
  SendEmailCommand: { kind: 'email', library: '@aws-sdk/client-ses' },
  SendRawEmailCommand: { kind: 'email', library: '@aws-sdk/client-ses' },
  SendTemplatedEmailCommand: { kind: 'email', library: '@aws-sdk/client-ses' },
  SendBulkTemplatedEmailCommand: { kind: 'email', library: '@aws-sdk/client-ses' },
  SendBulkEmailCommand: { kind: 'email', library: '@aws-sdk/client-sesv2' },
  PutItemCommand: { kind: 'db-write', library: 'dynamodb', op: 'upsert' },
  PutCommand: { kind: 'db-write', library: 'dynamodb', op: 'upsert' },
  UpdateItemCommand: { kind: 'db-write', library: 'dynamodb', op: 'update' },
  UpdateCommand: { kind: 'db-write', library: 'dynamodb', op: 'update' },
  DeleteItemCommand: { kind: 'db-write', library: 'dynamodb', op: 'delete' },
  DeleteCommand: { kind: 'db-write', library: 'dynamodb', op: 'delete' },
  TransactWriteItemsCommand: { kind: 'db-write', library: 'dynamodb', op: 'unknown' },
  TransactWriteCommand: { kind: 'db-write', library: 'dynamodb', op: 'unknown' },
  BatchWriteItemCommand: { kind: 'db-write', library: 'dynamodb', op: 'unknown' },
  BatchWriteCommand: { kind: 'db-write', library: 'dynamodb', op: 'unknown' },
};

/** The `new XCommand(params)` a `client.send(…)` argument is, also through a const. */
export function commandOf(arg: ts.Expression | undefined): { name: string; params?: ts.ObjectLiteralExpression; node: ts.NewExpression } | undefined {
  if (!arg) return undefined;
  let e = unwrap(arg);
  if (ts.isIdentifier(e)) e = unwrap(constInitializer(e) ?? e);
  if (!ts.isNewExpression(e)) return undefined;
  const callee = unwrap(e.expression);
  const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
  if (!name || !name.endsWith('Command')) return undefined;
  return { name, params: objectLiteralOf(e.arguments?.[0]), node: e };
}

const SES_V2_METHOD = /^send(Raw|Templated|BulkTemplated)?Email$/;

/** Whether `awsEffect` can accept a call of this method name (it accepts no other). */
export function isAwsMethod(method: string): boolean {
  return method === 'send' || method === 'sendMessage' || method === 'sendMessageBatch' || method === 'publish' || method === 'putEvents' || SES_V2_METHOD.test(method);
}

/** `client.send(new SendMessageCommand(…))` and the v2 SDK's `sqs.sendMessage(…)`-style calls. */
export function awsEffect(s: CallShape, facts: FileFacts): RawEffect | undefined {
  if (s.method === 'send') {
    const cmd = commandOf(s.call.arguments[0]);
    const known = cmd && COMMANDS[cmd.name];
    if (!cmd || !known) return undefined;
    const params = cmd.params;
    if (known.library === '@aws-sdk/client-sns' && params && hasProperty(params, 'PhoneNumber')) {
      return { kind: 'sms', library: known.library, call: s.call, idempotent: false, description: `SNS ${cmd.name} to a phone number`, params };
    }
    if (known.kind === 'db-write') return dynamoWrite(s, cmd.name, known, params);
    return {
      kind: known.kind, library: known.library, call: s.call, idempotent: false,
      description: `${cmd.name} via ${known.library}`, broker: known.broker, params,
    };
  }
  const family = familyOf(s.module);
  const receiver = s.names.join('.');
  const first = objectLiteralOf(s.call.arguments[0]);
  if ((s.method === 'sendMessage' || s.method === 'sendMessageBatch') && (family === 'aws-sdk' || /sqs/i.test(receiver) || (first && hasProperty(first, 'QueueUrl')))) {
    return { kind: 'publish', library: 'aws-sdk', call: s.call, idempotent: false, description: `SQS ${s.method} via aws-sdk`, broker: 'Amazon SQS', params: first };
  }
  if (s.method === 'publish' && first && (hasProperty(first, 'TopicArn') || hasProperty(first, 'TargetArn') || hasProperty(first, 'PhoneNumber'))) {
    if (hasProperty(first, 'PhoneNumber')) return { kind: 'sms', library: 'aws-sdk', call: s.call, idempotent: false, description: 'SNS publish to a phone number' };
    return { kind: 'publish', library: 'aws-sdk', call: s.call, idempotent: false, description: 'SNS publish via aws-sdk', broker: 'Amazon SNS', params: first };
  }
  if (SES_V2_METHOD.test(s.method ?? '') && (family === 'aws-sdk' || /ses/i.test(receiver))) {
    return { kind: 'email', library: 'aws-sdk', call: s.call, idempotent: false, description: `SES ${s.method} via aws-sdk` };
  }
  if (s.method === 'putEvents' && (family === 'aws-sdk' || /event/i.test(receiver))) {
    return { kind: 'publish', library: 'aws-sdk', call: s.call, idempotent: false, description: 'EventBridge putEvents via aws-sdk', broker: 'Amazon EventBridge', params: first };
  }
  void facts;
  return undefined;
}

function dynamoWrite(s: CallShape, name: string, known: CommandKind, params: ts.ObjectLiteralExpression | undefined): RawEffect {
  const expression = params ? staticText(propertyValue(params, 'UpdateExpression')) ?? '' : '';
  const condition = params ? staticText(propertyValue(params, 'ConditionExpression')) ?? '' : '';
  const counter = known.op === 'update' && (/\bADD\b/.test(expression) || /(\w+)\s*=\s*\1\s*[+-]/.test(expression) || /if_not_exists\([^)]*\)\s*\+/.test(expression));
  // Put overwrites the whole item by key; a conditional put (attribute_not_exists) is a keyed insert.
  const idempotent = !counter && (known.op === 'upsert' || known.op === 'delete' || known.op === 'update' || /attribute_not_exists/.test(condition));
  const table = params ? staticText(propertyValue(params, 'TableName')) : undefined;
  return {
    kind: counter ? 'counter' : 'db-write', library: known.library, call: s.call, idempotent,
    description: `DynamoDB ${name}${table ? ` on ${table}` : ''}`, op: known.op, target: table?.toLowerCase(), params,
  };
}

/**
 * The entry objects of a SendMessageBatch `Entries` value: the elements of an array literal, or
 * the object a `items.map((x) => ({ … }))` callback returns. Undefined when they are built elsewhere.
 */
export function batchEntries(entries: ts.Expression): Array<ts.ObjectLiteralExpression | undefined> | undefined {
  const list = unwrap(entries);
  if (ts.isArrayLiteralExpression(list)) return list.elements.map((e) => objectLiteralOf(e));
  if (!ts.isCallExpression(list) || !ts.isPropertyAccessExpression(list.expression) || list.expression.name.text !== 'map') return undefined;
  const fn = list.arguments[0] && unwrap(list.arguments[0]);
  if (!fn || !(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn))) return undefined;
  if (!ts.isBlock(fn.body)) {
    const entry = objectLiteralOf(fn.body);
    return entry ? [entry] : undefined;
  }
  const returned: ts.ObjectLiteralExpression[] = [];
  const visit = (n: ts.Node): boolean => {
    if (ts.isFunctionLike(n)) return false;
    if (ts.isReturnStatement(n) && n.expression) {
      const entry = objectLiteralOf(n.expression);
      if (entry) returned.push(entry);
    }
    return true;
  };
  for (const statement of fn.body.statements) walkTree(statement, visit);
  return returned.length > 0 ? returned : undefined;
}
