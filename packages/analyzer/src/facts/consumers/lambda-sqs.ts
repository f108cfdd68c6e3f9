import { ts } from 'ts-morph';
import type { ConsumerHandler } from '../model';
import { unwrap } from '../origins';
import type { BrokerRecognizer } from './recognizer';
import { sqsSettle } from './sqs';
import { bindingNames, importsAny, parameterNames } from '../syntax';
import { walkTree } from '../tree-walk';

/**
 * AWS Lambda functions fed by an SQS event source mapping: a handler whose event parameter is
 * typed `SQSEvent` (or a `const handler: SQSHandler = …`), from `aws-lambda`. Lambda deletes the
 * whole batch when the handler returns normally and returns it to the queue when it throws,
 * unless the handler reports `batchItemFailures` (ReportBatchItemFailures). One consumer is
 * reported per loop over `event.Records`, scoped to the loop body.
 */
const LAMBDA_TYPES = 'aws-lambda';

export const lambdaSqs: BrokerRecognizer = {
  find({ facts }) {
    const out: ReturnType<BrokerRecognizer['find']> = [];
    if (!importsAny(facts, [LAMBDA_TYPES])) return out;
    const isLambdaType = (type: ts.TypeNode | undefined, name: string) => {
      if (!type || !ts.isTypeReferenceNode(type) || !ts.isIdentifier(type.typeName)) return false;
      const binding = facts.origins.importOf(type.typeName.text);
      return binding?.module === LAMBDA_TYPES && binding.imported === name;
    };
    for (const fn of facts.functions) {
      if (!fn.body) continue;
      const typedEvent = isLambdaType(fn.parameters[0]?.type, 'SQSEvent');
      const holder = fn.parent;
      const typedHandler = ts.isVariableDeclaration(holder) && isLambdaType(holder.type, 'SQSHandler');
      if (!typedEvent && !typedHandler) continue;
      const events = new Set(parameterNames(fn, 0));
      const base = { broker: 'sqs' as const, library: 'aws-lambda', settlement: 'on-resolve' as const, handler: fn, registration: fn };
      const visit = (n: ts.Node): boolean | void => {
        if (ts.isForOfStatement(n) && ts.isVariableDeclarationList(n.initializer)) {
          const e = unwrap(n.expression);
          if (ts.isPropertyAccessExpression(e) && e.name.text === 'Records' && ts.isIdentifier(e.expression) && events.has(e.expression.text)) {
            const names = n.initializer.declarations.flatMap((d) => bindingNames(d.name));
            const consumer: ConsumerHandler = { ...base, kind: 'message', messageNames: names, scope: n.statement };
            out.push({ consumer });
          }
        }
      };
      walkTree(fn.body, visit);
    }
    return out;
  },
  settleOf: sqsSettle,
};
