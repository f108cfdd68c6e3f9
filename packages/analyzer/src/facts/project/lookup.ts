/**
 * Cross-file lookup: the function a call invokes and the module behind a value, followed into the
 * user's other files through the project index.
 */
import * as path from 'node:path';
import { ts } from 'ts-morph';
import type { FileFacts } from '../file-facts';
import { unwrap } from '../origins';
import { isLocalModule } from '../effects/shape';
import type { ProjectIndex } from './project-index';
import { functionAt, outlineHolding, type FunctionRef } from './outline';

/** A function found with its file's facts. */
export type FoundFunction = { fn: ts.FunctionLikeDeclaration; facts: FileFacts };

/**
 * The function a call invokes, when it can be known syntactically: local functions and methods,
 * imported functions (`project.resolveFunction`), and methods of classes imported from the
 * user's own modules (`this.publisher.publish()` with `publisher: OrderPublisher`).
 */
export function calleeOf(call: ts.CallExpression, facts: FileFacts, project: ProjectIndex): FoundFunction | undefined {
  const found = calleeOrRefOf(call, facts, project);
  return found && 'file' in found ? functionAt(project, found) : found;
}

/**
 * `calleeOf`, except that a method of an imported class or singleton is answered from the
 * outline of its file (facts/project/outline) without its tree: the caller parses it only if it
 * needs the function itself.
 */
export function calleeOrRefOf(call: ts.CallExpression, facts: FileFacts, project: ProjectIndex): FoundFunction | FunctionRef | undefined {
  const callee = unwrap(call.expression);
  if (ts.isPropertyAccessExpression(callee)) {
    const receiver = unwrap(callee.expression);
    // this.helper() / localObject.helper(): only methods of this file's own classes.
    if (receiver.kind === ts.SyntaxKind.ThisKeyword) {
      const fn = facts.functionNamed(callee.name.text);
      return fn && fn.body ? { fn, facts } : undefined;
    }
    const imported = importedClassMethod(receiver, callee.name.text, facts, project);
    if (imported) return imported;
    const ns = ts.isIdentifier(receiver) ? facts.origins.importOf(receiver.text) : undefined;
    if (ns && ns.imported === '*' && isLocalModule(ns.module)) {
      const fn = project.resolveFunction(facts, callee);
      return fn && fn.body ? { fn, facts: factsOfNode(fn, facts, project) } : undefined;
    }
    return undefined;
  }
  if (ts.isIdentifier(callee)) {
    const binding = facts.origins.importOf(callee.text);
    if (binding && !isLocalModule(binding.module)) return undefined;
    // const handler = require('./handler'); handler(msg) — CommonJS `module.exports = fn`.
    if (binding && binding.imported === '*') return commonJsExport(facts, binding.module, project);
    const fn = project.resolveFunction(facts, callee);
    return fn && fn.body ? { fn, facts: factsOfNode(fn, facts, project) } : undefined;
  }
  return undefined;
}

/** Facts of the file a node belongs to. */
export function factsOfNode(node: ts.Node, fallback: FileFacts, project: ProjectIndex): FileFacts {
  const file = node.getSourceFile().fileName;
  if (file === fallback.sourceFile.fileName) return fallback;
  return project.factsOf(file) ?? fallback;
}

/** `this.publisher.publish()` where `publisher: OrderPublisher` (or `new OrderPublisher()`) comes from the user's own module. */
function importedClassMethod(receiver: ts.Expression, method: string, facts: FileFacts, project: ProjectIndex): FunctionRef | undefined {
  const origin = facts.originOf(receiver);
  if (!origin || !isLocalModule(origin.module) || origin.chain.length === 0) return undefined;
  const file = project.resolveModuleCached(facts.sourceFile.fileName, origin.module);
  const other = file ? outlineHolding(project, file, method) : undefined;
  if (!file || !other) return undefined;
  const head = origin.chain[0];
  let className: string | undefined;
  // `LinkModel.updateIsActive(id)`: the imported name is the class itself, so only its static methods answer.
  let onClass = false;
  if (head.startsWith(':')) className = head.slice(1);
  else if (origin.chain[1] === 'new') className = head;
  else {
    className = other.instances.get(head);
    if (!className && origin.chain.length === 1) [className, onClass] = [head, true];
  }
  if (!className) return undefined;
  const found = other.classMethods.get(className)?.get(method);
  if (!found || (onClass && !found.isStatic)) return undefined;
  return { file: path.resolve(file), pos: found.pos, end: found.end, label: found.label };
}

/**
 * The library module behind a value imported from the user's own module:
 * `import { kafka } from './config/kafka'` where that file has `export const kafka = new Kafka(…)`
 * → 'kafkajs' (or a default export: `export default drizzle(…)`). Undefined when it cannot be followed.
 */
export function moduleOfImportedValue(expr: ts.Expression, facts: FileFacts, project: ProjectIndex): string | undefined {
  const origin = facts.originOf(expr);
  if (!origin || !isLocalModule(origin.module) || origin.chain.length !== 1 || origin.chain[0].startsWith(':')) return undefined;
  const file = project.resolveModuleCached(facts.sourceFile.fileName, origin.module);
  const other = file ? project.factsOf(file) : undefined;
  if (!other) return undefined;
  let name = origin.chain[0];
  // `export default drizzle(…)`, or `const db = drizzle(…); export default db`.
  if (name === 'default') {
    const exported = other.sourceFile.statements.find((st): st is ts.ExportAssignment => ts.isExportAssignment(st) && !st.isExportEquals);
    if (!exported) return undefined;
    const value = unwrap(exported.expression);
    if (!ts.isIdentifier(value)) return other.originOf(value)?.module;
    name = value.text;
  }
  for (const stmt of other.sourceFile.statements) {
    if (!ts.isVariableStatement(stmt)) continue;
    for (const d of stmt.declarationList.declarations) {
      if (ts.isIdentifier(d.name) && d.name.text === name && d.initializer) return other.originOf(d.initializer)?.module;
    }
  }
  return undefined;
}

/** The function a CommonJS module exports as a whole: `module.exports = fn` / `module.exports = async function () {…}`. */
function commonJsExport(facts: FileFacts, specifier: string, project: ProjectIndex): { fn: ts.FunctionLikeDeclaration; facts: FileFacts } | undefined {
  const file = project.resolveModuleCached(facts.sourceFile.fileName, specifier);
  const other = file ? project.factsOf(file) : undefined;
  if (!other) return undefined;
  for (const stmt of other.sourceFile.statements) {
    if (!ts.isExpressionStatement(stmt) || !ts.isBinaryExpression(stmt.expression)) continue;
    const { left, right, operatorToken } = stmt.expression;
    if (operatorToken.kind !== ts.SyntaxKind.EqualsToken || left.getText() !== 'module.exports') continue;
    const fn = project.resolveFunction(other, right);
    return fn && fn.body ? { fn, facts: other } : undefined;
  }
  return undefined;
}
