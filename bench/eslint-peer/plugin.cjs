/**
 * The ESLint peer for the benchmark: one rule doing the comparable ack-before-process check
 * (amqplib `channel.ack(msg)` / SQS DeleteMessage before awaited work inside a consumer callback)
 * the way an ESLint plugin would, on typescript-eslint's AST. It exists to measure the cost of the
 * ESLint route, not to be shipped.
 */
'use strict';

const isAck = (node) =>
  node && node.type === 'CallExpression' && node.callee.type === 'MemberExpression' &&
  node.callee.property.type === 'Identifier' && node.callee.property.name === 'ack';

const isDelete = (node) =>
  node && node.type === 'AwaitExpression' && node.argument.type === 'CallExpression' &&
  node.argument.arguments.some((a) => a.type === 'NewExpression' && a.callee.type === 'Identifier' && a.callee.name === 'DeleteMessageCommand');

function containsAwait(node) {
  if (!node || typeof node.type !== 'string') return false;
  if (node.type === 'AwaitExpression') return true;
  if (node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression') return false;
  for (const key of Object.keys(node)) {
    if (key === 'parent') continue;
    const value = node[key];
    if (Array.isArray(value) ? value.some(containsAwait) : value && typeof value.type === 'string' && containsAwait(value)) return true;
  }
  return false;
}

function checkBody(context, statements) {
  statements.forEach((stmt, i) => {
    const expr = stmt.type === 'ExpressionStatement' ? stmt.expression : undefined;
    if ((isAck(expr) || isDelete(expr)) && statements.slice(i + 1).some(containsAwait)) {
      context.report({ node: stmt, message: 'Message settled before the work completes: a crash loses it.' });
    }
  });
}

module.exports = {
  rules: {
    'ack-before-process': {
      meta: { type: 'problem', schema: [] },
      create(context) {
        return {
          'CallExpression[callee.property.name="consume"] > :function > BlockStatement'(node) {
            checkBody(context, node.body);
          },
          ForOfStatement(node) {
            if (node.body.type === 'BlockStatement') checkBody(context, node.body.body);
          },
        };
      },
    },
  },
};
