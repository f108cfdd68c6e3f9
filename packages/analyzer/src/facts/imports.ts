import { ts } from 'ts-morph';

/**
 * A local name bound to something a module exports.
 * `import amqp from 'amqplib'` → { local: 'amqp', module: 'amqplib', imported: 'default' };
 * `const { Kafka } = require('kafkajs')` → { local: 'Kafka', module: 'kafkajs', imported: 'Kafka' };
 * `import * as sqs from '@aws-sdk/client-sqs'` → imported: '*'.
 */
export interface ImportBinding {
  local: string;
  module: string;
  imported: string;
  node: ts.Node;
}

/** Records the bindings an import declaration or a `require` call creates. */
export function bindingsOfImport(node: ts.ImportDeclaration): ImportBinding[] {
  if (!ts.isStringLiteral(node.moduleSpecifier)) return [];
  const module = node.moduleSpecifier.text;
  const clause = node.importClause;
  if (!clause) return [];
  const out: ImportBinding[] = [];
  if (clause.name) out.push({ local: clause.name.text, module, imported: 'default', node });
  const named = clause.namedBindings;
  if (named && ts.isNamespaceImport(named)) out.push({ local: named.name.text, module, imported: '*', node });
  if (named && ts.isNamedImports(named)) {
    for (const el of named.elements) {
      out.push({ local: el.name.text, module, imported: (el.propertyName ?? el.name).text, node });
    }
  }
  return out;
}

/** `import x = require('m')` */
export function bindingsOfImportEquals(node: ts.ImportEqualsDeclaration): ImportBinding[] {
  const ref = node.moduleReference;
  if (!ts.isExternalModuleReference(ref) || !ts.isStringLiteral(ref.expression)) return [];
  return [{ local: node.name.text, module: ref.expression.text, imported: '*', node }];
}

const AWAIT_EXPRESSION = ts.SyntaxKind.AwaitExpression;
const PARENTHESIZED_EXPRESSION = ts.SyntaxKind.ParenthesizedExpression;
const CALL_EXPRESSION = ts.SyntaxKind.CallExpression;

/** The module name of `require('m')` (also `await import('m')`), or undefined. */
export function requiredModule(expr: ts.Expression | undefined): string | undefined {
  let e = expr;
  // By kind: this runs for every variable declaration of every file, and most are not requires;
  // each `ts.isX` goes through ts-morph's `ts` getter.
  while (e && (e.kind === AWAIT_EXPRESSION || e.kind === PARENTHESIZED_EXPRESSION)) e = (e as ts.AwaitExpression | ts.ParenthesizedExpression).expression;
  if (!e || e.kind !== CALL_EXPRESSION) return undefined;
  const call = e as ts.CallExpression;
  if (call.arguments.length !== 1) return undefined;
  const arg = call.arguments[0];
  if (!ts.isStringLiteralLike(arg)) return undefined;
  const callee = call.expression;
  if (ts.isIdentifier(callee) && callee.text === 'require') return arg.text;
  if (callee.kind === ts.SyntaxKind.ImportKeyword) return arg.text;
  return undefined;
}

/** `const x = require('m')`, `const { a, b: c } = require('m')`. */
export function bindingsOfRequire(node: ts.VariableDeclaration): ImportBinding[] {
  const module = requiredModule(node.initializer);
  if (module === undefined) return [];
  if (ts.isIdentifier(node.name)) return [{ local: node.name.text, module, imported: '*', node }];
  if (ts.isObjectBindingPattern(node.name)) {
    const out: ImportBinding[] = [];
    for (const el of node.name.elements) {
      if (!ts.isIdentifier(el.name)) continue;
      const imported = el.propertyName && ts.isIdentifier(el.propertyName) ? el.propertyName.text : el.name.text;
      out.push({ local: el.name.text, module, imported, node });
    }
    return out;
  }
  return [];
}
