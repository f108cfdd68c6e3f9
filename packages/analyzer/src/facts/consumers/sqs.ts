import { ts } from 'ts-morph';
import { walkTree } from '../tree-walk';
import type { FileFacts } from '../file-facts';
import type { ConsumerHandler, SettleCall } from '../model';
import { unwrap } from '../origins';
import type { BrokerRecognizer, SettleContext } from './recognizer';
import { bindingNames, calleeName, enclosingFunction, importsAny, isModule, localInitializer, mentions, objectLiteralOf, packageOrigin, propertyValue, receiverOf, startsFrom } from '../syntax';

/**
 * AWS SQS polled by hand: `@aws-sdk/client-sqs` v3 (`client.send(new ReceiveMessageCommand(…))`,
 * or the aggregated `SQS` client's `receiveMessage`) and aws-sdk v2 (`sqs.receiveMessage(…)` with
 * `.promise()` or a callback). A received message stays invisible for the visibility timeout and
 * comes back unless `DeleteMessage[Batch]` runs; `ChangeMessageVisibility` extends the timeout.
 * One consumer is reported per way the code walks the received messages (for-of, forEach/map,
 * `Messages[0]`), scoped to where one message is processed.
 */
export const SQS_MODULES = ['@aws-sdk/client-sqs', 'aws-sdk'];

type SqsOperation = 'receive' | 'delete' | 'delete-batch' | 'visibility' | 'visibility-batch';

const COMMANDS: Record<string, SqsOperation> = {
  ReceiveMessageCommand: 'receive',
  DeleteMessageCommand: 'delete',
  DeleteMessageBatchCommand: 'delete-batch',
  ChangeMessageVisibilityCommand: 'visibility',
  ChangeMessageVisibilityBatchCommand: 'visibility-batch',
};

const METHODS: Record<string, SqsOperation> = {
  receiveMessage: 'receive',
  deleteMessage: 'delete',
  deleteMessageBatch: 'delete-batch',
  changeMessageVisibility: 'visibility',
  changeMessageVisibilityBatch: 'visibility-batch',
};

/** The SQS operation a call performs, with its input (object literal or expression), if it is one. */
export function sqsOperation(call: ts.CallExpression, facts: FileFacts): { op: SqsOperation; input?: ts.Expression } | undefined {
  const name = calleeName(call);
  if (!name) return undefined;
  if (name === 'send' && call.arguments.length >= 1) {
    const command = sqsCommandOf(call.arguments[0], facts);
    if (command) return command;
  }
  const promisified = promisifiedMethod(call);
  const op = promisified ? METHODS[promisified.name.text] : METHODS[name];
  if (!op) return undefined;
  const receiver = promisified ? promisified.expression : receiverOf(call);
  const origin = receiver && packageOrigin(facts, receiver);
  if (origin ? !isModule(origin.module, SQS_MODULES) : !importsAny(facts, SQS_MODULES)) return undefined;
  return { op, input: call.arguments[0] };
}

/**
 * `receive(params)` where `const receive = promisify(sqs.receiveMessage.bind(sqs))` (aws-sdk v2
 * callback methods wrapped by `util.promisify`): the SDK method the wrapper calls.
 */
function promisifiedMethod(call: ts.CallExpression): ts.PropertyAccessExpression | undefined {
  const callee = unwrap(call.expression);
  if (!ts.isIdentifier(callee)) return undefined;
  const init = localInitializer(callee);
  const wrap = init && unwrap(init);
  if (!wrap || !ts.isCallExpression(wrap) || calleeName(wrap) !== 'promisify' || wrap.arguments.length !== 1) return undefined;
  let target = unwrap(wrap.arguments[0]);
  if (ts.isCallExpression(target) && calleeName(target) === 'bind') target = unwrap(target.expression);
  if (ts.isPropertyAccessExpression(target) && target.name.text === 'bind') target = unwrap(target.expression);
  return ts.isPropertyAccessExpression(target) && METHODS[target.name.text] ? target : undefined;
}

/** `new DeleteMessageCommand(input)`, directly or through a variable holding it. */
function sqsCommandOf(arg: ts.Expression, facts: FileFacts): { op: SqsOperation; input?: ts.Expression } | undefined {
  let e = unwrap(arg);
  if (ts.isIdentifier(e)) {
    const origin = facts.originOf(e);
    if (!origin || origin.module !== '@aws-sdk/client-sqs' || origin.chain[origin.chain.length - 1] !== 'new') return undefined;
    const op = COMMANDS[origin.chain[origin.chain.length - 2] ?? ''];
    if (!op) return undefined;
    const init = declaredNew(e);
    return { op, input: init?.arguments?.[0] };
  }
  if (!ts.isNewExpression(e)) return undefined;
  const origin = facts.originOf(e.expression);
  if (!origin || origin.module !== '@aws-sdk/client-sqs') return undefined;
  e = unwrap(e.expression) as ts.Expression;
  const name = ts.isIdentifier(e) ? origin.chain[origin.chain.length - 1] : ts.isPropertyAccessExpression(e) ? e.name.text : undefined;
  const op = COMMANDS[name ?? ''];
  if (!op) return undefined;
  const ne = unwrap(arg) as ts.NewExpression;
  return { op, input: ne.arguments?.[0] };
}

function declaredNew(id: ts.Identifier): ts.NewExpression | undefined {
  for (let s: ts.Node | undefined = id.parent; s; s = s.parent) {
    if (!ts.isBlock(s) && !ts.isSourceFile(s)) continue;
    for (const stmt of s.statements) {
      if (!ts.isVariableStatement(stmt)) continue;
      for (const d of stmt.declarationList.declarations) {
        if (ts.isIdentifier(d.name) && d.name.text === id.text && d.initializer && ts.isNewExpression(unwrap(d.initializer))) return unwrap(d.initializer) as ts.NewExpression;
      }
    }
  }
  return undefined;
}

export const sqs: BrokerRecognizer = {
  find({ facts }) {
    const out: ReturnType<BrokerRecognizer['find']> = [];
    if (!importsAny(facts, SQS_MODULES)) return out;
    for (const call of facts.calls) {
      const op = sqsOperation(call, facts);
      if (op?.op !== 'receive') continue;
      const library = isV2(call, facts) ? 'aws-sdk' : '@aws-sdk/client-sqs';
      for (const consumer of consumersOfReceive(call, library)) out.push({ consumer });
    }
    return out;
  },

  settleOf(call, ctx) {
    return sqsSettle(call, ctx);
  },
};

/** `DeleteMessage[Batch]` / `ChangeMessageVisibility[Batch]` whose input names this consumer's message. */
export function sqsSettle(call: ts.CallExpression, ctx: SettleContext): SettleCall | undefined {
  const op = sqsOperation(call, ctx.facts);
  if (!op) return receiptHandleDelete(call, ctx);
  if (op.op === 'receive') return undefined;
  if (!op.input || !mentions(op.input, ctx.names)) return undefined;
  if (op.op === 'delete' || op.op === 'delete-batch') return { kind: 'delete', call };
  // VisibilityTimeout: 0 makes the message visible again at once: a negative acknowledgement.
  const input = objectLiteralOf(op.input);
  const timeout = input && propertyValue(input, 'VisibilityTimeout');
  if (timeout && ts.isNumericLiteral(unwrap(timeout)) && Number((unwrap(timeout) as ts.NumericLiteral).text) === 0) {
    return { kind: 'nack', requeue: true, call };
  }
  return { kind: 'extend', call };
}

/** `deleteMessage(…)`, `deleteSqsMessages(…)`, `removeMessage(…)`: a helper named for deleting messages. */
const DELETE_HELPER = /^(delete|remove)\w*Messages?$/i;

/**
 * A helper the syntax cannot follow into (a path alias such as `services/sqs`, another package)
 * that is named for deleting messages and is handed this message's receipt handle: a receipt
 * handle serves only to delete the message or change its visibility, so the call deletes it.
 */
function receiptHandleDelete(call: ts.CallExpression, ctx: SettleContext): SettleCall | undefined {
  const name = calleeName(call);
  if (!name || !DELETE_HELPER.test(name)) return undefined;
  let handed = false;
  const visit = (n: ts.Node): boolean => {
    if (handed) return false;
    if (ts.isPropertyAccessExpression(n) && /^receiptHandle$/i.test(n.name.text) && startsFrom(n.expression, ctx.names)) handed = true;
    return true;
  };
  for (const arg of call.arguments) walkTree(arg, visit);
  return handed ? { kind: 'delete', call } : undefined;
}

function isV2(call: ts.CallExpression, facts: FileFacts): boolean {
  const receiver = promisifiedMethod(call)?.expression ?? receiverOf(call);
  const origin = receiver && facts.originOf(receiver);
  return origin?.module === 'aws-sdk' || origin?.module.startsWith('aws-sdk/') === true;
}

/** Where the result of a receive goes: a variable, a destructured `Messages`, or a v2 callback's `data`. */
function resultOf(receive: ts.CallExpression): { roots: Set<string>; collections: Set<string>; scopeFn?: ts.FunctionLikeDeclaration } {
  const roots = new Set<string>();
  const collections = new Set<string>();
  const last = receive.arguments[receive.arguments.length - 1];
  const cb = last && unwrap(last);
  if (cb && (ts.isArrowFunction(cb) || ts.isFunctionExpression(cb)) && cb.parameters.length >= 2) {
    roots.add(cb.parameters[1].name.getText());
    return { roots, collections, scopeFn: cb };
  }
  let n: ts.Node = receive;
  for (;;) {
    const p: ts.Node | undefined = n.parent;
    if (!p) break;
    if (ts.isAwaitExpression(p) || ts.isParenthesizedExpression(p) || ts.isAsExpression(p) || ts.isNonNullExpression(p)) n = p;
    else if (ts.isPropertyAccessExpression(p) && p.name.text === 'promise' && p.parent && ts.isCallExpression(p.parent)) n = p.parent;
    else break;
  }
  const p = n.parent;
  if (p && ts.isVariableDeclaration(p)) {
    if (ts.isIdentifier(p.name)) roots.add(p.name.text);
    else if (ts.isObjectBindingPattern(p.name)) for (const name of bindingNames(p.name, ['Messages'])) collections.add(name);
  } else if (p && ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    roots.add(p.left.getText());
  } else if (p && ts.isPropertyAccessExpression(p) && p.name.text === 'Messages') {
    // (await client.send(receive)).Messages
    const holder = p.parent;
    if (holder && ts.isVariableDeclaration(holder) && ts.isIdentifier(holder.name)) collections.add(holder.name.text);
  }
  return { roots, collections, scopeFn: enclosingFunction(receive) };
}

/** Whether `expr` denotes the received messages: `res.Messages`, `Messages ?? []`, an alias of them. */
function isCollection(expr: ts.Expression, roots: ReadonlySet<string>, collections: ReadonlySet<string>): boolean {
  let e = unwrap(expr);
  while (ts.isBinaryExpression(e) && (e.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || e.operatorToken.kind === ts.SyntaxKind.BarBarToken)) e = unwrap(e.left);
  if (ts.isIdentifier(e)) return collections.has(e.text);
  if (ts.isPropertyAccessExpression(e) && e.name.text === 'Messages') return roots.has(unwrap(e.expression).getText());
  return false;
}

function consumersOfReceive(receive: ts.CallExpression, library: string): ConsumerHandler[] {
  const { roots, collections, scopeFn } = resultOf(receive);
  if (!scopeFn?.body || (roots.size === 0 && collections.size === 0)) return [];
  const out: ConsumerHandler[] = [];
  const base = { broker: 'sqs' as const, library, settlement: 'manual' as const, registration: receive };
  const batchNames = () => [...roots, ...collections];
  // Read once: a node's start is found by scanning past its leading trivia.
  const receiveStart = receive.getStart();
  const visit = (n: ts.Node): boolean | void => {
    // Only what follows the receive handles its messages.
    if (n.end <= receiveStart) return false;
    // const messages = res.Messages ?? []
    if (ts.isVariableDeclaration(n) && n.initializer && ts.isIdentifier(n.name) && isCollection(n.initializer, roots, collections)) {
      collections.add(n.name.text);
    }
    // const message = res.Messages[0] / const [message] = res.Messages
    if (ts.isVariableDeclaration(n) && n.initializer && n.getStart() > receive.end) {
      const init = unwrap(n.initializer);
      const single = ts.isElementAccessExpression(init) && isCollection(init.expression, roots, collections) ? bindingNames(n.name)
        : ts.isArrayBindingPattern(n.name) && isCollection(init, roots, collections) ? bindingNames(n.name).slice(0, 1) : [];
      const block = n.parent?.parent?.parent;
      if (single.length > 0 && block) out.push({ ...base, kind: 'message', handler: scopeFn, messageNames: [...single, ...batchNames()], scope: block });
    }
    if (ts.isForOfStatement(n) && isCollection(n.expression, roots, collections) && ts.isVariableDeclarationList(n.initializer)) {
      const names = n.initializer.declarations.flatMap((d) => bindingNames(d.name));
      out.push({ ...base, kind: 'message', handler: scopeFn, messageNames: [...names, ...batchNames()], scope: n.statement });
    }
    if (ts.isCallExpression(n) && ['forEach', 'map'].includes(calleeName(n) ?? '') && n.arguments.length > 0) {
      const receiver = receiverOf(n);
      const cb = unwrap(n.arguments[0]);
      if (receiver && isCollection(receiver, roots, collections) && (ts.isArrowFunction(cb) || ts.isFunctionExpression(cb)) && cb.parameters[0]) {
        out.push({ ...base, kind: 'message', handler: cb, messageNames: [...bindingNames(cb.parameters[0].name), ...batchNames()], scope: cb });
      }
    }
  };
  walkTree(scopeFn.body, visit);
  // The batch as a whole: a DeleteMessageBatch of every received message settles them all at once.
  out.push({ ...base, kind: 'batch', handler: scopeFn, messageNames: batchNames(), scope: scopeFn.body });
  return out;
}
