import { ts } from 'ts-morph';
import type { FileFacts } from '../file-facts';
import { catchRethrows } from '../flow';
import type { ConsumerHandler } from '../model';
import { unwrap } from '../origins';
import type { ProjectIndex } from '../project/project-index';
import { calleesOf } from '../summaries/callees';
import { resolveHandler } from './recognizer';
import { bindingNames, booleanValue, calleeName, constInitializer, mentions, objectLiteralOf, propertyValue, contains, enclosingFunction, isFunctionWithBody, propertyNameText, rootIdentifier, startsFrom } from '../syntax';
import { walkTree } from '../tree-walk';
import { workCallsIn } from '../work';

/**
 * Handlers registered through the project's own subscribe wrapper: a function or method that
 * takes a callback and hands it to a broker (`subscribe(topic, handler)` whose body runs
 * `consumer.run({ eachMessage: … await handler(value) … })`, `listen(queue, cb)` calling
 * `channel.consume(queue, cb)`). The wrapper's own consumer is recognised where the broker call is;
 * the functions given to it at its call sites, in any file, are the real handlers. Each call-site
 * handler becomes a consumer of the same broker, registered at the call site.
 *
 * The callback may be given directly (`subscribe('orders', onOrder)`) or as a property of an
 * object or of the objects of an array (`subscribe([{ topic, handler }])`), the shape of handler
 * maps. Only one level: a wrapper of a wrapper is not followed.
 */

/** How a wrapper passes on its callback parameter. */
export interface WrapperParam {
  /** Position of the callback among the wrapper's parameters. */
  index: number;
  /** The property holding the callback when the parameter is an object or an array of objects (`handler` in `t.handler(msg)`). */
  member?: string;
  /** The wrapper function. */
  wrapper: ts.FunctionLikeDeclaration;
  /** The wrapper's own consumer: broker, library and settlement carry over to the callback. */
  consumer: ConsumerHandler;
  /** Where the wrapper invokes the callback (absent when the callback is registered with the broker as is). */
  invocation?: ts.CallExpression;
  /** Whether a `catch` around the invocation swallows the callback's failure (logs and goes on). */
  swallows: boolean;
  /** Whether the wrapper's handler settles the message itself (ack after the callback resolves). */
  wrapperSettles: boolean;
  /** The parameter is a kafkajs run config (`consumer.run(runConfig)`): its `autoCommit` counts too. */
  runConfig?: boolean;
  /** The callback receives a batch (kafkajs `eachBatch`). */
  batch?: boolean;
}

/** A consumer found at a wrapper's call site, with what the wrapper does around the callback. */
export interface ForwardedConsumer {
  consumer: ConsumerHandler;
  wrapper: WrapperParam;
}

/** Names a callback parameter usually has, for a parameter handed to the broker as is. */
const CALLBACK_NAME = /^(cb|fn|callback|handler|handle\w*|on[A-Z]\w*|process\w*|listener|worker|consumer\w*|\w*(Handler|Callback|Fn|Listener|Processor))$/;

/**
 * Methods of arrays, promises, emitters, timers and test frameworks that take callbacks: by far
 * the most calls with a function argument, never a subscribe wrapper of the project, so they are
 * not resolved at all (resolving a method call may consult the class hierarchy).
 */
const BUILT_IN_CALLBACK_TAKERS = new Set([
  'map', 'forEach', 'filter', 'reduce', 'reduceRight', 'find', 'findIndex', 'findLast', 'some', 'every', 'flatMap', 'sort', 'toSorted',
  'then', 'catch', 'finally', 'all', 'allSettled', 'race', 'any', 'resolve', 'reject',
  'on', 'once', 'off', 'addListener', 'removeListener', 'addEventListener', 'emit', 'pipe',
  'setTimeout', 'setInterval', 'setImmediate', 'nextTick', 'queueMicrotask',
  'describe', 'it', 'test', 'beforeEach', 'afterEach', 'beforeAll', 'afterAll', 'expect',
  'push', 'set', 'get', 'has', 'add', 'delete', 'bind', 'call', 'apply', 'log', 'error', 'warn', 'info', 'debug',
  'useEffect', 'useCallback', 'useMemo', 'useState',
]);

/** Calls followed per call site (implementations of an interface method). */
const MAX_CALLEES = 3;

const wrappers = new WeakMap<ts.Node, WrapperParam[]>();

/** Text a file holding a broker registration (and so a wrapper around one) has: the broker recognizers' call and decorator names. */
const REGISTRATION_TEXT = /consume|eachMessage|eachBatch|subscribe|Worker|\.process\(|\.on\(|Consumer\.create|handleMessage|Records|Processor|Pattern\(|RabbitSubscribe|SqsMessageHandler/;

/** Per project, whether a file's text can hold a registration (read once; re-read while a cached analysis records its reads). */
const registering = new WeakMap<ProjectIndex, Map<string, boolean>>();

/**
 * For a call by name, whether the file of the function it names may hold a registration, told
 * without resolving the call: a function of this file, or of a relative import. A package's
 * function is never a wrapper of the project. Method calls are left to the resolver.
 */
function calleeFileMayRegister(call: ts.CallExpression, facts: FileFacts, project: ProjectIndex): boolean {
  const callee = unwrap(call.expression);
  if (!ts.isIdentifier(callee)) return true;
  if (facts.functionNamed(callee.text)) return mayRegister(facts.sourceFile.fileName, project);
  const binding = facts.origins.importOf(callee.text);
  if (!binding || !binding.module.startsWith('.')) return false;
  const file = project.resolveModuleCached(facts.sourceFile.fileName, binding.module);
  return file !== undefined && mayRegister(file, project);
}

/** Whether `file` may hold a broker registration, so that a function of it may be a subscribe wrapper; a file that cannot is not parsed. */
function mayRegister(file: string, project: ProjectIndex): boolean {
  let known = registering.get(project);
  if (!known) registering.set(project, (known = new Map()));
  const hit = known.get(file);
  if (hit !== undefined) {
    // A cached analysis still records the file the answer rests on, once, without reading it again.
    if (project.tracking) project.record(file);
    return hit;
  }
  const text = project.readFile(file);
  const answer = text === undefined || REGISTRATION_TEXT.test(text);
  known.set(file, answer);
  return answer;
}

/**
 * The callback parameters of `fn`, when `fn` is a subscribe wrapper: it holds the registration of
 * one of `direct` (its file's consumers, found by the broker recognizers) and passes one of its
 * own parameters on as that consumer's handler, or calls it from inside the handler.
 */
export function wrapperParamsOf(fn: ts.FunctionLikeDeclaration, direct: readonly ConsumerHandler[], settles: (c: ConsumerHandler) => boolean): WrapperParam[] {
  const known = wrappers.get(fn);
  if (known) return known;
  const out: WrapperParam[] = [];
  const params = fn.parameters.map((p) => (ts.isIdentifier(p.name) ? p.name.text : undefined));
  for (const consumer of direct) {
    if (enclosingFunction(consumer.registration) !== fn && !(consumer.handler && enclosingFunction(consumer.handler) === fn)) continue;
    if (!contains(fn, consumer.registration)) continue;
    if (!consumer.handler && consumer.broker === 'kafka' && ts.isCallExpression(consumer.registration)) {
      // consumer.run(runConfig): the handlers are the config's eachMessage / eachBatch.
      const arg = unwrap(consumer.registration.arguments[0]);
      const index = ts.isIdentifier(arg) ? params.indexOf(arg.text) : -1;
      if (index >= 0) {
        out.push({ index, member: 'eachMessage', wrapper: fn, consumer, swallows: false, wrapperSettles: false, runConfig: true });
        out.push({ index, member: 'eachBatch', wrapper: fn, consumer, swallows: false, wrapperSettles: false, runConfig: true, batch: true });
      }
      continue;
    }
    if (!consumer.handler) {
      // channel.consume(queue, cb): the parameter itself is the handler.
      params.forEach((name, index) => {
        if (!name || !passedAsIs(consumer.registration, name) || !looksLikeCallback(fn.parameters[index], name)) return;
        out.push({ index, wrapper: fn, consumer, swallows: false, wrapperSettles: false });
      });
      continue;
    }
    const body = consumer.scope ?? consumer.handler.body;
    if (!body) continue;
    const message = messageDerived(body, consumer.messageNames);
    params.forEach((name, index) => {
      if (!name) return;
      const invocation = invocationOf(body, name);
      // The callback must be given the message (or what is parsed from it): an `onError(err)`
      // called from the wrapper's catch is not a handler.
      if (!invocation || (message.size > 0 && !invocation.arguments.some((a) => mentions(a, message)))) return;
      const callee = unwrap(invocation.expression);
      const member = ts.isPropertyAccessExpression(callee) && !(ts.isIdentifier(callee.expression) && callee.expression.text === name && !isParamObject(fn.parameters[index]))
        ? callee.name.text : undefined;
      out.push({ index, member, wrapper: fn, consumer, invocation, swallows: swallowedAround(invocation, body), wrapperSettles: settles(consumer) });
    });
  }
  wrappers.set(fn, out);
  return out;
}

/**
 * The consumers registered in a file through wrappers of the project: for each call whose callee
 * is a subscribe wrapper (`wrappersOf` answers for a function of another file), the functions
 * given in the wrapper's callback position.
 */
export function forwardedConsumers(
  facts: FileFacts,
  project: ProjectIndex,
  wrappersOf: (fn: ts.FunctionLikeDeclaration, fnFacts: FileFacts) => WrapperParam[],
): ForwardedConsumer[] {
  const out: ForwardedConsumer[] = [];
  for (const call of facts.calls) {
    if (BUILT_IN_CALLBACK_TAKERS.has(calleeName(call) ?? '') || !call.arguments.some((a) => mayCarryCallback(a, facts))) continue;
    if (!calleeFileMayRegister(call, facts, project)) continue;
    const callees = calleesOf(call, facts, project);
    if (callees.length === 0 || callees.length > MAX_CALLEES) continue;
    for (const callee of callees) {
      if (!mayRegister(callee.file, project)) continue;
      const target = callee.load();
      // A recursive call inside the wrapper itself is not a registration.
      if (!target?.fn.body || (target.fn.getSourceFile() === call.getSourceFile() && contains(target.fn, call))) continue;
      for (const param of wrappersOf(target.fn, target.facts)) {
        const arg = call.arguments[param.index];
        if (!arg) continue;
        for (const handler of callbackFunctions(arg, param.member, facts, project)) {
          if (!handler.body) continue;
          const consumer = forwardedConsumer(param, handler, call);
          const literal = param.runConfig ? objectLiteralOf(arg) : undefined;
          if (literal && booleanValue(propertyValue(literal, 'autoCommit')) === false) consumer.settlement = 'manual';
          out.push({ consumer, wrapper: param });
        }
      }
    }
  }
  return out;
}

function forwardedConsumer(param: WrapperParam, handler: ts.FunctionLikeDeclaration, call: ts.Node): ConsumerHandler {
  const inner = param.consumer;
  // A wrapper that settles after the callback (or whose library settles when its handler
  // resolves) settles when the callback resolves; one that hands the message on leaves the
  // settling to the callback.
  const settlement = inner.settlement === 'manual' && param.wrapperSettles ? 'on-resolve' : inner.settlement;
  return {
    broker: inner.broker,
    library: inner.library,
    settlement,
    kind: param.batch ? 'batch' : inner.kind,
    handler,
    messageNames: handler.parameters.flatMap((p) => bindingNames(p.name)),
    registration: call,
    through: { wrapper: param.wrapper, invocation: param.invocation, swallows: param.swallows },
  };
}

/**
 * An argument that may be, or hold, a function: a function, `this.handle(.bind(this))`, a name of
 * a function of the file or an import, a factory call, or an object (array of objects) with such
 * a property. Cheap, so that most calls are not resolved at all.
 */
function mayCarryCallback(arg: ts.Expression, facts: FileFacts, depth = 0): boolean {
  const e = unwrap(arg);
  if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) return true;
  if (ts.isIdentifier(e)) return !!facts.functionNamed(e.text) || !!facts.origins.importOf(e.text);
  if (ts.isPropertyAccessExpression(e)) return e.expression.kind === ts.SyntaxKind.ThisKeyword || (ts.isIdentifier(e.expression) && !!facts.origins.importOf(e.expression.text));
  // f.bind(this), or a factory: makeHandler(deps), this.makeHandler()
  if (ts.isCallExpression(e)) return calleeName(e) === 'bind' || mayCarryCallback(e.expression, facts, depth);
  if (depth > 1) return false;
  if (ts.isObjectLiteralExpression(e)) {
    return e.properties.some((p) => ts.isMethodDeclaration(p) || (ts.isPropertyAssignment(p) && mayCarryCallback(p.initializer, facts, depth + 1)) ||
      (ts.isShorthandPropertyAssignment(p) && mayCarryCallback(p.name, facts, depth + 1)));
  }
  if (ts.isArrayLiteralExpression(e)) return e.elements.some((x) => mayCarryCallback(x, facts, depth + 1));
  return false;
}

/** The functions in callback position: the argument, or its `member` property (in each element of an array). */
function callbackFunctions(arg: ts.Expression, member: string | undefined, facts: FileFacts, project: ProjectIndex): ts.FunctionLikeDeclaration[] {
  const e = unwrap(arg);
  if (!member) {
    const fn = resolveHandler(facts, project, e);
    return fn ? [fn] : [];
  }
  const objects = ts.isArrayLiteralExpression(e) ? e.elements.map(unwrap) : [e];
  const out: ts.FunctionLikeDeclaration[] = [];
  for (const o of objects) {
    if (!ts.isObjectLiteralExpression(o)) continue;
    for (const p of o.properties) {
      if (propertyNameText(p.name) !== member) continue;
      const fn = ts.isMethodDeclaration(p) ? p
        : ts.isPropertyAssignment(p) ? resolveHandler(facts, project, p.initializer)
          : ts.isShorthandPropertyAssignment(p) ? resolveHandler(facts, project, p.name) : undefined;
      if (fn) out.push(fn);
    }
  }
  return out;
}

/** Whether `name` is given as is (an argument or a property value, not a receiver) inside the registration. */
function passedAsIs(registration: ts.Node, name: string): boolean {
  let found = false;
  walkTree(registration, (n) => {
    if (found || isFunctionWithBody(n)) return false;
    if (ts.isIdentifier(n) && n.text === name) {
      const p = n.parent;
      if ((ts.isCallExpression(p) || ts.isNewExpression(p)) && p.arguments?.includes(n)) found = true;
      if (ts.isPropertyAssignment(p) && p.initializer === n) found = true;
      if (ts.isShorthandPropertyAssignment(p)) found = true;
    }
    // handler.bind(this)
    if (ts.isCallExpression(n) && calleeName(n) === 'bind' && rootIdentifier(n.expression)?.text === name) found = true;
    return true;
  });
  return found;
}

/** A parameter typed as a function, or named like a callback. */
function looksLikeCallback(param: ts.ParameterDeclaration, name: string): boolean {
  const type = param.type;
  if (type && (ts.isFunctionTypeNode(type) || (ts.isTypeReferenceNode(type) && /Handler|Callback|Function|Listener|Processor/.test(type.typeName.getText())))) return true;
  return CALLBACK_NAME.test(name);
}

/** A parameter typed as an object or array (`topics: { name; handler }[]`), whose members hold the callback. */
function isParamObject(param: ts.ParameterDeclaration): boolean {
  const type = param.type;
  return !!type && (ts.isTypeLiteralNode(type) || ts.isArrayTypeNode(type));
}

/**
 * The call in `body` that invokes the parameter `name`: `name(…)`, or a function reached from it
 * (`config.handler(…)` with `const config = topics.find(…)`, `handlers[type](…)`).
 */
function invocationOf(body: ts.Node, name: string): ts.CallExpression | undefined {
  const names = new Set([name]);
  walkTree(body, (n) => {
    if (ts.isVariableDeclaration(n) && n.initializer && startsFrom(n.initializer, names)) for (const b of bindingNames(n.name)) names.add(b);
    return true;
  });
  let found: ts.CallExpression | undefined;
  walkTree(body, (n) => {
    if (found) return false;
    if (!ts.isCallExpression(n)) return true;
    const callee = unwrap(n.expression);
    if (ts.isIdentifier(callee) && names.has(callee.text)) found = n;
    else if ((ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee)) && startsFrom(callee, names) && !isArrayMethod(n)) found = n;
    return true;
  });
  return found;
}

/** `topics.find(…)` / `handlers.map(…)`: a look-up, not the callback. */
function isArrayMethod(call: ts.CallExpression): boolean {
  return ['find', 'filter', 'map', 'forEach', 'some', 'every', 'includes', 'get', 'has', 'keys', 'values', 'entries', 'bind', 'toString'].includes(calleeName(call) ?? '');
}

/** Whether a `catch` between the invocation and the handler's body swallows the callback's failure. */
function swallowedAround(invocation: ts.Node, body: ts.Node): boolean {
  for (let n: ts.Node = invocation; n !== body && n.parent; n = n.parent) {
    const p = n.parent;
    if (isFunctionWithBody(p)) return false;
    // A catch that rethrows, gives the message back, or does work of its own (a dead-letter send)
    // handles the failure; one that only logs swallows it.
    if (ts.isTryStatement(p) && p.tryBlock === n && p.catchClause) {
      const clause = p.catchClause;
      return !catchRethrows(clause) && !settlesNegatively(clause) && workCallsIn(clause.block).length === 0;
    }
  }
  return false;
}

/** A catch that gives the message back (nack, reject, nak, term): the failure is not swallowed. */
function settlesNegatively(clause: ts.CatchClause): boolean {
  let found = false;
  walkTree(clause.block, (n) => {
    if (found) return false;
    if (ts.isCallExpression(n) && /^(nack|reject|nak|term|changeVisibility\w*|changeMessageVisibility)$/.test(calleeName(n) ?? '')) found = true;
    return true;
  });
  return found;
}

/** A method a base class's handler calls on `this` and leaves to its subclasses (`abstract handle(data)`). */
export interface TemplateMethod {
  /** The method's name. */
  name: string;
  /** The base class's consumer that calls it. */
  consumer: ConsumerHandler;
  /** The `this.name(…)` call in the handler. */
  invocation: ts.CallExpression;
  swallows: boolean;
  wrapperSettles: boolean;
  /** The base class. */
  base: ts.ClassLikeDeclaration;
}

const templates = new WeakMap<ts.ClassLikeDeclaration, TemplateMethod[]>();

/**
 * The template methods of a class: in the handler of one of its consumers (`direct`, found in
 * its file), calls `this.m(…)` to a method the class declares without a body (abstract) or not at
 * all, so that each subclass's `m` is the real handler.
 */
export function templateMethodsOf(cls: ts.ClassLikeDeclaration, direct: readonly ConsumerHandler[], settles: (c: ConsumerHandler) => boolean): TemplateMethod[] {
  const known = templates.get(cls);
  if (known) return known;
  const out: TemplateMethod[] = [];
  const own = new Map<string, ts.ClassElement>();
  for (const m of cls.members) if (m.name && ts.isIdentifier(m.name)) own.set(m.name.text, m);
  for (const consumer of direct) {
    const body = consumer.scope ?? consumer.handler?.body;
    if (!body || !contains(cls, consumer.registration)) continue;
    walkTree(body, (n) => {
      if (!ts.isCallExpression(n) || !ts.isPropertyAccessExpression(n.expression) || n.expression.expression.kind !== ts.SyntaxKind.ThisKeyword) return true;
      const name = n.expression.name.text;
      const member = own.get(name);
      const leftToSubclasses = !member || (ts.isMethodDeclaration(member) && !member.body);
      if (leftToSubclasses && !out.some((t) => t.name === name)) {
        out.push({ name, consumer, invocation: n, swallows: swallowedAround(n, body), wrapperSettles: settles(consumer), base: cls });
      }
      return true;
    });
  }
  templates.set(cls, out);
  return out;
}

/**
 * Consumers of a file's classes that extend a base listener of the project: each method that
 * implements one of the base's template methods is a handler, registered where the base's
 * consumer is (the subclass's method name is the registration shown).
 */
export function inheritedConsumers(
  facts: FileFacts,
  project: ProjectIndex,
  templatesOf: (cls: ts.ClassLikeDeclaration, clsFacts: FileFacts) => TemplateMethod[],
): ForwardedConsumer[] {
  const out: ForwardedConsumer[] = [];
  for (const cls of facts.sourceFile.statements) {
    if (!ts.isClassDeclaration(cls)) continue;
    const base = baseClassOf(cls, facts, project);
    if (!base) continue;
    for (const t of templatesOf(base.cls, base.facts)) {
      const method = cls.members.find((m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && !!m.body && !!m.name && ts.isIdentifier(m.name) && m.name.text === t.name);
      if (!method) continue;
      // The base's method that subscribes (`listen()`) is the wrapper a finding names.
      const param: WrapperParam = { index: -1, wrapper: enclosingFunction(t.consumer.registration) ?? method, consumer: t.consumer, invocation: t.invocation, swallows: t.swallows, wrapperSettles: t.wrapperSettles };
      out.push({ consumer: forwardedConsumer(param, method, method.name), wrapper: param });
    }
  }
  return out;
}

/** The class `cls` extends, in this file or imported by a relative path. */
function baseClassOf(cls: ts.ClassDeclaration, facts: FileFacts, project: ProjectIndex): { cls: ts.ClassLikeDeclaration; facts: FileFacts } | undefined {
  const heritage = cls.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
  if (!heritage || !ts.isIdentifier(heritage.expression)) return undefined;
  const name = heritage.expression.text;
  const local = classNamed(facts.sourceFile, name);
  if (local) return { cls: local, facts };
  const binding = facts.origins.importOf(name);
  if (!binding || !binding.module.startsWith('.')) return undefined;
  const file = project.resolveModuleCached(facts.sourceFile.fileName, binding.module);
  const other = file ? project.factsOf(file) : undefined;
  const found = other && classNamed(other.sourceFile, binding.imported === 'default' ? undefined : binding.imported);
  return found && other ? { cls: found, facts: other } : undefined;
}

/** A top-level class of the file by name (the default-exported one when `name` is undefined). */
function classNamed(sf: ts.SourceFile, name: string | undefined): ts.ClassDeclaration | undefined {
  for (const stmt of sf.statements) {
    if (!ts.isClassDeclaration(stmt)) continue;
    if (name === undefined ? (ts.getModifiers(stmt) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword) : stmt.name?.text === name) return stmt;
  }
  return undefined;
}

/**
 * Handlers picked from a map by the message: a consumer's handler that runs
 * `handlers[job.name](job)` (or `const handle = handlers[type]; await handle(msg)`), where
 * `handlers` is an object of functions in the file or exported by a relative import. Each
 * function of the map is a handler of the same consumer.
 */
export function dispatchedConsumers(direct: readonly ConsumerHandler[], facts: FileFacts, project: ProjectIndex, settles: (c: ConsumerHandler) => boolean): ForwardedConsumer[] {
  const out: ForwardedConsumer[] = [];
  for (const consumer of direct) {
    const body = consumer.scope ?? consumer.handler?.body;
    if (!body || !consumer.handler) continue;
    const handlerFacts = project.factsOf(body.getSourceFile().fileName) ?? facts;
    // const handle = handlers[job.name] (?? fallback)
    const picked = new Map<string, ts.ElementAccessExpression>();
    walkTree(body, (n) => {
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) {
        let init = unwrap(n.initializer);
        if (ts.isBinaryExpression(init) && (init.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || init.operatorToken.kind === ts.SyntaxKind.BarBarToken)) init = unwrap(init.left);
        if (ts.isElementAccessExpression(init)) picked.set(n.name.text, init);
      }
      return true;
    });
    const seen = new Set<ts.Node>();
    walkTree(body, (n) => {
      if (!ts.isCallExpression(n)) return true;
      const callee = unwrap(n.expression);
      const access = ts.isElementAccessExpression(callee) ? callee : ts.isIdentifier(callee) ? picked.get(callee.text) : undefined;
      if (!access || !ts.isIdentifier(unwrap(access.expression))) return true;
      const map = objectOfFunctions(unwrap(access.expression) as ts.Identifier, handlerFacts, project);
      if (!map) return true;
      const param: WrapperParam = { index: -1, wrapper: consumer.handler!, consumer, invocation: n, swallows: swallowedAround(n, body), wrapperSettles: settles(consumer) };
      for (const p of map.obj.properties) {
        const fn = ts.isMethodDeclaration(p) ? p
          : ts.isPropertyAssignment(p) ? resolveHandler(map.facts, project, p.initializer)
            : ts.isShorthandPropertyAssignment(p) ? resolveHandler(map.facts, project, p.name) : undefined;
        if (!fn?.body || seen.has(fn)) continue;
        seen.add(fn);
        out.push({ consumer: forwardedConsumer(param, fn, n), wrapper: param });
      }
      return true;
    });
  }
  return out;
}

/** The object literal a name holds (`const handlers = { … }` here, or exported by a relative import), with its file's facts. */
function objectOfFunctions(name: ts.Identifier, facts: FileFacts, project: ProjectIndex): { obj: ts.ObjectLiteralExpression; facts: FileFacts } | undefined {
  const local = constInitializer(name);
  const e = local && unwrap(local);
  if (e && ts.isObjectLiteralExpression(e)) return { obj: e, facts };
  const binding = facts.origins.importOf(name.text);
  if (!binding || !binding.module.startsWith('.') || binding.imported === '*' || binding.imported === 'default') return undefined;
  const file = project.resolveModuleCached(facts.sourceFile.fileName, binding.module);
  const other = file ? project.factsOf(file) : undefined;
  if (!other) return undefined;
  for (const stmt of other.sourceFile.statements) {
    if (!ts.isVariableStatement(stmt)) continue;
    for (const d of stmt.declarationList.declarations) {
      if (!ts.isIdentifier(d.name) || d.name.text !== binding.imported || !d.initializer) continue;
      const init = unwrap(d.initializer);
      if (ts.isObjectLiteralExpression(init)) return { obj: init, facts: other };
    }
  }
  return undefined;
}

/** The message's names in a handler and the variables computed from them (`const value = message.value?.toString()`). */
function messageDerived(body: ts.Node, names: readonly string[]): Set<string> {
  const out = new Set(names);
  if (out.size === 0) return out;
  walkTree(body, (n) => {
    if (ts.isVariableDeclaration(n) && n.initializer && mentions(n.initializer, out, false)) for (const b of bindingNames(n.name)) out.add(b);
    return true;
  });
  return out;
}
