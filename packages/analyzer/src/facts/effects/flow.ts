import { ts } from 'ts-morph';
import type { ProjectIndex } from '../../engine/project-index';
import { walkedFactsOf, type FileFacts } from '../file-facts';
import { unwrap } from '../origins';
import { isLocalModule } from './shape';

/**
 * Calls that run a function argument as part of the caller's own flow (transactions, array
 * iteration, promise chains), as opposed to registering it to run later (route handlers,
 * consumer callbacks, timers), which are separate units of work.
 */
const INLINE_RUNNERS = new Set([
  'transaction', '$transaction', 'withTransaction', 'tx', 'task', 'runTransaction', 'startSession',
  'map', 'forEach', 'flatMap', 'reduce', 'filter', 'some', 'every', 'find', 'then', 'catch', 'finally',
  'all', 'allSettled', 'race', 'any', 'from', 'each', 'eachSeries', 'mapSeries', 'mapLimit', 'eachLimit', 'pMap',
]);

/** Whether a function literal runs inline in its enclosing function (see `INLINE_RUNNERS`), or is an IIFE. */
export function runsInline(fn: ts.Node): boolean {
  const p = fn.parent;
  if (!p) return false;
  let holder: ts.Node = p;
  // (async () => { … })()
  while (ts.isParenthesizedExpression(holder)) holder = holder.parent;
  if (ts.isCallExpression(holder) && unwrap(holder.expression) === fn) return true;
  if (!ts.isCallExpression(p) || !p.arguments.includes(fn as ts.Expression)) return false;
  const callee = unwrap(p.expression);
  const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : undefined;
  return name !== undefined && INLINE_RUNNERS.has(name);
}

/**
 * Kinds of `isFunctionLike`. Compared by `node.kind` because these walks visit every node of a
 * function: each `ts.isX(…)` goes through ts-morph's `ts` getter into a namespace object of some
 * 2,000 accessor properties, which costs several times the walk itself.
 */
const FUNCTION_KINDS = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.FunctionDeclaration, ts.SyntaxKind.MethodDeclaration, ts.SyntaxKind.ArrowFunction, ts.SyntaxKind.FunctionExpression,
  ts.SyntaxKind.Constructor, ts.SyntaxKind.GetAccessor, ts.SyntaxKind.SetAccessor,
]);
const CALL_EXPRESSION = ts.SyntaxKind.CallExpression;
const TAGGED_TEMPLATE = ts.SyntaxKind.TaggedTemplateExpression;
const forEachChild = ts.forEachChild;

/** Whether a node is a function of any kind. */
export function isFunctionLike(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return FUNCTION_KINDS.has(node.kind);
}

/** Calls or tagged templates of a tree in document order, each beside its flow owner (see `FlowIndex`). */
interface FlowEntries<T extends ts.Node> {
  nodes: T[];
  /** The nearest enclosing function that does not run inline; undefined at the top level. */
  owners: Array<ts.Node | undefined>;
}

/**
 * The calls and tagged templates of one tree, gathered once, the first time any flow in that
 * tree is asked for. Rules ask for the flow of every function of a file (several times,
 * for calls and for templates), and walking each function's subtree again cost more than
 * everything else they do; a query now reads the slice of entries inside its node.
 */
interface FlowIndex {
  calls: FlowEntries<ts.CallExpression>;
  tagged: FlowEntries<ts.TaggedTemplateExpression>;
}

/**
 * Per tree root (the SourceFile). A parsed tree does not change; an editor's reparse makes a new
 * SourceFile, and positions are read from the nodes at query time.
 */
const flowIndexes = new WeakMap<ts.Node, FlowIndex>();

function flowIndexOf(node: ts.Node): FlowIndex {
  let root = node;
  while (root.parent) root = root.parent;
  let index = flowIndexes.get(root);
  if (index) return index;
  const facts = ts.isSourceFile(root) ? walkedFactsOf(root) : undefined;
  index = facts ? indexFromFacts(facts) : indexByWalking(root);
  flowIndexes.set(root, index);
  return index;
}

/**
 * The index from the calls and tagged templates the engine's walk already collected (in the same
 * document order), each given its owner by climbing its ancestors: far cheaper than walking every
 * node of the file again, which this index used to cost.
 */
function indexFromFacts(facts: FileFacts): FlowIndex {
  const owners = new Map<ts.Node, ts.Node | undefined>();
  return {
    calls: { nodes: facts.calls, owners: facts.calls.map((c) => ownerOf(c, owners)) },
    tagged: { nodes: facts.taggedTemplates, owners: facts.taggedTemplates.map((t) => ownerOf(t, owners)) },
  };
}

/**
 * The nearest enclosing function that does not run inline (as `flowOwner`), remembering the
 * answer per inline function, which the calls inside it all climb through.
 */
function ownerOf(node: ts.Node, known: Map<ts.Node, ts.Node | undefined>): ts.Node | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (!FUNCTION_KINDS.has(n.kind)) continue;
    if (known.has(n)) return known.get(n);
    const owner = runsInline(n) ? ownerOf(n, known) : n;
    known.set(n, owner);
    return owner;
  }
  return undefined;
}

/** The index by a walk of its own, for a tree whose facts are not (yet) complete. */
function indexByWalking(root: ts.Node): FlowIndex {
  const index: FlowIndex = { calls: { nodes: [], owners: [] }, tagged: { nodes: [], owners: [] } };
  const { calls, tagged } = index;
  let owner: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (n.kind === CALL_EXPRESSION) {
      calls.nodes.push(n as ts.CallExpression);
      calls.owners.push(owner);
    } else if (n.kind === TAGGED_TEMPLATE) {
      tagged.nodes.push(n as ts.TaggedTemplateExpression);
      tagged.owners.push(owner);
    }
    if (FUNCTION_KINDS.has(n.kind) && !runsInline(n)) {
      const outer = owner;
      owner = n;
      forEachChild(n, visit);
      owner = outer;
    } else {
      forEachChild(n, visit);
    }
  };
  visit(root);
  return index;
}

/**
 * The entries a node evaluates in its own flow, in document order: those inside it whose flow
 * owner is the node itself or encloses it (nested functions count only when they run inline).
 * Pre-order keeps `pos` non-decreasing, so the node's entries start where a binary search finds them;
 * neither a call nor a function shares its exact range with a descendant, so ranges decide nesting.
 */
function inFlow<T extends ts.Node>(node: ts.Node, entries: FlowEntries<T>): T[] {
  const { nodes, owners } = entries;
  let lo = 0;
  let hi = nodes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (nodes[mid].pos < node.pos) lo = mid + 1;
    else hi = mid;
  }
  const out: T[] = [];
  for (let i = lo; i < nodes.length && nodes[i].pos < node.end; i++) {
    if (nodes[i].end > node.end) continue; // an ancestor of the node starting where it starts
    const owner = owners[i];
    if (owner === undefined || owner === node || owner.pos < node.pos || owner.end > node.end) out.push(nodes[i]);
  }
  return out;
}

/** The calls a node makes in its own flow, in document order: nested functions are entered only when they run inline. */
export function callsInFlow(node: ts.Node): ts.CallExpression[] {
  return inFlow(node, flowIndexOf(node).calls);
}

/** The tagged templates (`sql\`…\``) a node evaluates in its own flow, in document order, entered like `callsInFlow`. */
export function taggedTemplatesInFlow(node: ts.Node): ts.TaggedTemplateExpression[] {
  return inFlow(node, flowIndexOf(node).tagged);
}

/** The function whose own flow contains `node` (skipping inline callbacks). */
export function flowOwner(node: ts.Node): ts.Node | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (isFunctionLike(n) && !runsInline(n)) return n;
  }
  return undefined;
}

/**
 * The function a call invokes, when it can be known syntactically: local functions and methods,
 * imported functions (`project.resolveFunction`), and methods of classes imported from the
 * user's own modules (`this.publisher.publish()` with `publisher: OrderPublisher`).
 */
export function calleeOf(call: ts.CallExpression, facts: FileFacts, project: ProjectIndex): { fn: ts.FunctionLikeDeclaration; facts: FileFacts } | undefined {
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

/** Module resolutions per project: resolving probes the disk for a dozen file names, and calls repeat. */
const resolutions = new WeakMap<ProjectIndex, Map<string, string>>();

/** `project.resolveModule`, remembered per (importing file, specifier). */
export function resolveModuleCached(project: ProjectIndex, fromFile: string, specifier: string): string | undefined {
  let cache = resolutions.get(project);
  if (!cache) resolutions.set(project, (cache = new Map()));
  const key = `${fromFile}\0${specifier}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const file = project.resolveModule(fromFile, specifier);
  // Only hits are remembered: a file created later (an editor session) must still resolve.
  if (file !== undefined) cache.set(key, file);
  return file;
}

/** Facts of the file a node belongs to. */
export function factsOfNode(node: ts.Node, fallback: FileFacts, project: ProjectIndex): FileFacts {
  const file = node.getSourceFile().fileName;
  if (file === fallback.sourceFile.fileName) return fallback;
  return project.factsOf(file) ?? fallback;
}

/** `this.publisher.publish()` where `publisher: OrderPublisher` (or `new OrderPublisher()`) comes from the user's own module. */
function importedClassMethod(receiver: ts.Expression, method: string, facts: FileFacts, project: ProjectIndex): { fn: ts.FunctionLikeDeclaration; facts: FileFacts } | undefined {
  const origin = facts.originOf(receiver);
  if (!origin || !isLocalModule(origin.module) || origin.chain.length === 0) return undefined;
  const file = resolveModuleCached(project, facts.sourceFile.fileName, origin.module);
  const other = file ? project.factsOf(file) : undefined;
  if (!other) return undefined;
  const head = origin.chain[0];
  let className: string | undefined;
  if (head.startsWith(':')) className = head.slice(1);
  else if (origin.chain[1] === 'new') className = head;
  else className = instanceClass(other.sourceFile, head);
  if (!className) return undefined;
  for (const stmt of other.sourceFile.statements) {
    const isClass = ts.isClassDeclaration(stmt) && (stmt.name?.text === className || (className === 'default' && stmt.modifiers?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)));
    if (!isClass) continue;
    for (const member of (stmt as ts.ClassDeclaration).members) {
      if (ts.isMethodDeclaration(member) && member.body && member.name && ts.isIdentifier(member.name) && member.name.text === method) return { fn: member, facts: other };
      if (ts.isPropertyDeclaration(member) && member.name && ts.isIdentifier(member.name) && member.name.text === method && member.initializer &&
        (ts.isArrowFunction(member.initializer) || ts.isFunctionExpression(member.initializer))) return { fn: member.initializer, facts: other };
    }
  }
  return undefined;
}

/** `export const publisher = new OrderPublisher()` → 'OrderPublisher'. */
function instanceClass(sf: ts.SourceFile, name: string): string | undefined {
  for (const stmt of sf.statements) {
    if (!ts.isVariableStatement(stmt)) continue;
    for (const d of stmt.declarationList.declarations) {
      if (!ts.isIdentifier(d.name) || d.name.text !== name || !d.initializer) continue;
      const init = unwrap(d.initializer);
      if (ts.isNewExpression(init) && ts.isIdentifier(init.expression)) return init.expression.text;
    }
  }
  return undefined;
}

/**
 * The library module behind a value imported from the user's own module:
 * `import { kafka } from './config/kafka'` where that file has `export const kafka = new Kafka(…)`
 * → 'kafkajs'. Undefined when it cannot be followed.
 */
export function moduleOfImportedValue(expr: ts.Expression, facts: FileFacts, project: ProjectIndex): string | undefined {
  const origin = facts.originOf(expr);
  if (!origin || !isLocalModule(origin.module) || origin.chain.length !== 1 || origin.chain[0].startsWith(':')) return undefined;
  const file = resolveModuleCached(project, facts.sourceFile.fileName, origin.module);
  const other = file ? project.factsOf(file) : undefined;
  if (!other) return undefined;
  for (const stmt of other.sourceFile.statements) {
    if (!ts.isVariableStatement(stmt)) continue;
    for (const d of stmt.declarationList.declarations) {
      if (ts.isIdentifier(d.name) && d.name.text === origin.chain[0] && d.initializer) return other.originOf(d.initializer)?.module;
    }
  }
  return undefined;
}

/** The function a CommonJS module exports as a whole: `module.exports = fn` / `module.exports = async function () {…}`. */
function commonJsExport(facts: FileFacts, specifier: string, project: ProjectIndex): { fn: ts.FunctionLikeDeclaration; facts: FileFacts } | undefined {
  const file = resolveModuleCached(project, facts.sourceFile.fileName, specifier);
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
