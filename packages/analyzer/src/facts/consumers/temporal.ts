import { ts } from 'ts-morph';
import type { ProjectIndex } from '../project/project-index';
import type { FileFacts } from '../file-facts';
import type { ConsumerHandler } from '../model';
import { unwrap } from '../origins';
import type { BrokerRecognizer } from './recognizer';
import { bindingNames, calleeName, constInitializer, importsAny, propertyNameText, receiverOf } from '../syntax';

/**
 * Temporal activities (TypeScript SDK). Temporal runs an activity at least once: a failed attempt
 * (an error, a timeout, a worker that dies mid-way) is retried under the activity's retry policy,
 * which by default retries without limit, so an activity's side effects repeat unless they are
 * keyed by the activity's identity. Activities are found where they are registered or called:
 *
 * - `Worker.create({ activities })` (`@temporalio/worker`), the value an object literal, an
 *   imported namespace (`import * as activities from './activities'`), or a factory call
 *   (`createActivities(deps)`) whose returned object lists them;
 * - `proxyActivities<typeof activities>()` (`@temporalio/workflow`): the type names the module or
 *   factory (`ReturnType<typeof createActivities>`) that defines them;
 * - the exported functions of a module that imports `@temporalio/activity` (its `Context`,
 *   `activityInfo`, `heartbeat`), which only an activity can use.
 *
 * The "message" of an activity is its input (the parameters, which the workflow passes the same
 * on every attempt) and its identity: `Context.current().info` / `activityInfo()`, whose
 * `workflowExecution.workflowId` and `activityId` stay the same across retries.
 */
const WORKER = '@temporalio/worker';
const WORKFLOW = '@temporalio/workflow';
const ACTIVITY = '@temporalio/activity';
/** How deep registrations are followed through consts, spreads and factories. */
const MAX_DEPTH = 4;

export const temporal: BrokerRecognizer = {
  find({ facts, project }) {
    const out: ReturnType<BrokerRecognizer['find']> = [];
    if (!importsAny(facts, [WORKER, WORKFLOW, ACTIVITY])) return out;
    const add = (fn: ts.FunctionLikeDeclaration, registration: ts.Node, library: string): void => {
      if (!fn.body || out.some((o) => o.consumer.handler === fn)) return;
      const consumer: ConsumerHandler = {
        broker: 'temporal',
        library,
        // An activity completes when its function resolves; a rejection is retried by policy.
        settlement: 'on-resolve',
        kind: 'message',
        handler: fn,
        messageNames: [...fn.parameters.flatMap((p) => bindingNames(p.name)), ...identityNames(project.factsOf(fn.getSourceFile().fileName) ?? facts)],
        registration,
      };
      out.push({ consumer });
    };
    for (const call of facts.calls) {
      const name = calleeName(call);
      if (name === 'create' && isWorkerCreate(call, facts)) {
        const options = call.arguments[0] && objectOf(call.arguments[0], facts);
        const value = options && propertyInitializer(options, 'activities');
        if (value) for (const fn of activitiesOf(value, facts, project, 0)) add(fn, call, WORKER);
      } else if (name === 'proxyActivities' && facts.originOf(call.expression)?.module === WORKFLOW) {
        const type = call.typeArguments?.[0];
        if (type) for (const fn of activitiesOfType(type, facts, project)) add(fn, call, WORKFLOW);
      }
    }
    if (importsAny(facts, [ACTIVITY])) {
      // A factory that returns the activities (`createActivities(deps)`) is not one itself.
      for (const fn of exportedFunctions(facts, project, 0)) if (!returnedObject(fn)) add(fn, fn, ACTIVITY);
    }
    return out;
  },

  // Activities are not settled by hand: the SDK completes them when the function returns.
  settleOf: () => undefined,
};

/** `Worker.create(…)` with `Worker` from @temporalio/worker. */
function isWorkerCreate(call: ts.CallExpression, facts: FileFacts): boolean {
  const receiver = receiverOf(call);
  if (!receiver) return false;
  const origin = facts.originOf(receiver);
  return origin?.module === WORKER && origin.chain[origin.chain.length - 1] === 'Worker';
}

/** Local names that reach the activity's identity: `Context` and `activityInfo` from @temporalio/activity, or its namespace. */
function identityNames(facts: FileFacts): string[] {
  return facts.imports.filter((b) => b.module === ACTIVITY && ['Context', 'activityInfo', '*'].includes(b.imported)).map((b) => b.local);
}

function objectOf(expr: ts.Expression, facts: FileFacts): ts.ObjectLiteralExpression | undefined {
  const e = unwrap(expr);
  if (ts.isObjectLiteralExpression(e)) return e;
  if (ts.isIdentifier(e)) {
    const init = constInitializer(e);
    return init && ts.isObjectLiteralExpression(unwrap(init)) ? (unwrap(init) as ts.ObjectLiteralExpression) : undefined;
  }
  return undefined;
}

/** The value of property `name` (`activities: x` or the shorthand `activities`). */
function propertyInitializer(obj: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const p of obj.properties) {
    if (ts.isPropertyAssignment(p) && propertyNameText(p.name) === name) return p.initializer;
    if (ts.isShorthandPropertyAssignment(p) && p.name.text === name) return p.name;
  }
  return undefined;
}

/** The activity functions an `activities` value denotes. */
function activitiesOf(expr: ts.Expression, facts: FileFacts, project: ProjectIndex, depth: number): ts.FunctionLikeDeclaration[] {
  if (depth > MAX_DEPTH) return [];
  const e = unwrap(expr);
  if (ts.isObjectLiteralExpression(e)) return membersOf(e, facts, project, depth);
  if (ts.isIdentifier(e)) {
    const binding = facts.origins.importOf(e.text);
    if (binding?.imported === '*') return moduleFunctions(facts, project, binding.module, depth);
    const init = constInitializer(e);
    return init ? activitiesOf(init, facts, project, depth + 1) : [];
  }
  if (ts.isCallExpression(e)) {
    // A factory: `createActivities(deps)` returns the object of activities.
    const factory = project.resolveFunction(facts, e.expression);
    const returned = factory && returnedObject(factory);
    const factoryFacts = factory && (project.factsOf(factory.getSourceFile().fileName) ?? facts);
    return returned && factoryFacts ? membersOf(returned, factoryFacts, project, depth + 1) : [];
  }
  return [];
}

/** Functions of an object literal of activities: methods, function values, shorthand names, spreads. */
function membersOf(obj: ts.ObjectLiteralExpression, facts: FileFacts, project: ProjectIndex, depth: number): ts.FunctionLikeDeclaration[] {
  const out: ts.FunctionLikeDeclaration[] = [];
  for (const p of obj.properties) {
    if (ts.isMethodDeclaration(p)) out.push(p);
    else if (ts.isSpreadAssignment(p)) out.push(...activitiesOf(p.expression, facts, project, depth + 1));
    else {
      const value = ts.isPropertyAssignment(p) ? p.initializer : ts.isShorthandPropertyAssignment(p) ? p.name : undefined;
      const fn = value && project.resolveFunction(facts, value);
      if (fn) out.push(fn);
    }
  }
  return out;
}

/** The object literal a factory returns (`return { … }` or an arrow's body). */
function returnedObject(fn: ts.FunctionLikeDeclaration): ts.ObjectLiteralExpression | undefined {
  if (!fn.body) return undefined;
  if (!ts.isBlock(fn.body)) {
    const body = unwrap(fn.body);
    return ts.isObjectLiteralExpression(body) ? body : undefined;
  }
  for (const stmt of fn.body.statements) {
    if (ts.isReturnStatement(stmt) && stmt.expression && ts.isObjectLiteralExpression(unwrap(stmt.expression))) return unwrap(stmt.expression) as ts.ObjectLiteralExpression;
  }
  return undefined;
}

/** `typeof activities` (a namespace import) or `ReturnType<typeof createActivities>` (a factory). */
function activitiesOfType(type: ts.TypeNode, facts: FileFacts, project: ProjectIndex): ts.FunctionLikeDeclaration[] {
  if (ts.isTypeQueryNode(type) && ts.isIdentifier(type.exprName)) {
    const binding = facts.origins.importOf(type.exprName.text);
    if (binding?.imported === '*') return moduleFunctions(facts, project, binding.module, 0);
    return [];
  }
  if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && type.typeName.text === 'ReturnType') {
    const arg = type.typeArguments?.[0];
    if (arg && ts.isTypeQueryNode(arg) && ts.isIdentifier(arg.exprName)) {
      const factory = project.resolveFunction(facts, arg.exprName);
      const returned = factory && returnedObject(factory);
      const factoryFacts = factory && (project.factsOf(factory.getSourceFile().fileName) ?? facts);
      return returned && factoryFacts ? membersOf(returned, factoryFacts, project, 1) : [];
    }
  }
  return [];
}

/** The exported functions of a relative module (a package's activities are not followed). */
function moduleFunctions(facts: FileFacts, project: ProjectIndex, specifier: string, depth: number): ts.FunctionLikeDeclaration[] {
  if (!specifier.startsWith('.')) return [];
  const target = project.resolveModule(facts.sourceFile.fileName, specifier);
  const other = target && project.factsOf(target);
  return other ? exportedFunctions(other, project, depth + 1) : [];
}

/** `export function f`, `export const f = async () => …`, `export { f }`, `export * from './more'`. */
function exportedFunctions(facts: FileFacts, project: ProjectIndex, depth: number): ts.FunctionLikeDeclaration[] {
  if (depth > MAX_DEPTH) return [];
  const out: ts.FunctionLikeDeclaration[] = [];
  const exported = (n: ts.Node): boolean => (ts.canHaveModifiers(n) ? ts.getModifiers(n) ?? [] : []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  for (const stmt of facts.sourceFile.statements) {
    if (ts.isFunctionDeclaration(stmt) && stmt.body && exported(stmt)) out.push(stmt);
    else if (ts.isVariableStatement(stmt) && exported(stmt)) {
      for (const d of stmt.declarationList.declarations) {
        const init = d.initializer && unwrap(d.initializer);
        if (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) out.push(init);
      }
    } else if (ts.isExportDeclaration(stmt) && !stmt.isTypeOnly) {
      if (stmt.moduleSpecifier && ts.isStringLiteral(stmt.moduleSpecifier) && !stmt.exportClause) {
        out.push(...moduleFunctions(facts, project, stmt.moduleSpecifier.text, depth));
      } else if (stmt.exportClause && ts.isNamedExports(stmt.exportClause) && !stmt.moduleSpecifier) {
        for (const el of stmt.exportClause.elements) {
          const fn = facts.functionNamed((el.propertyName ?? el.name).text);
          if (fn) out.push(fn);
        }
      }
    }
  }
  return out;
}
