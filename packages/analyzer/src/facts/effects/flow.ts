import { ts } from 'ts-morph';
import { walkedFactsOf, type FileFacts } from '../file-facts';
import { unwrap } from '../origins';
import { isFunctionWithBody } from '../syntax';
import { walkTree } from '../tree-walk';

/**
 * Calls that run a function argument as part of the caller's own flow (transactions, array
 * iteration, promise chains), as opposed to registering it to run later (route handlers,
 * consumer callbacks, timers), which are separate units of work.
 */
const INLINE_RUNNERS = new Set([
  'transaction', '$transaction', 'withTransaction', 'tx', 'task', 'runTransaction', 'startSession',
  'map', 'forEach', 'flatMap', 'reduce', 'filter', 'some', 'every', 'find', 'then', 'catch', 'finally',
  'all', 'allSettled', 'race', 'any', 'from', 'each', 'eachSeries', 'mapSeries', 'mapLimit', 'eachLimit', 'pMap',
  // RxJS operators: the project's own pipeline of one request or message.
  'switchMap', 'mergeMap', 'concatMap', 'exhaustMap', 'tap',
]);

/** Constructors that run the function they are given as part of the caller's own work. */
const INLINE_CONSTRUCTORS = new Set(['Promise', 'Observable']);

/** Whether a function literal runs inline in its enclosing function (see `INLINE_RUNNERS`), or is an IIFE. */
export function runsInline(fn: ts.Node): boolean {
  const p = fn.parent;
  if (!p) return false;
  let holder: ts.Node = p;
  // (async () => { … })()
  while (ts.isParenthesizedExpression(holder)) holder = holder.parent;
  if (ts.isCallExpression(holder) && unwrap(holder.expression) === fn) return true;
  // new Promise((resolve, reject) => mailer.sendMail(opts, cb)): the executor runs at once, and an
  // Observable's subscriber function runs when the pipeline it belongs to is subscribed.
  if (ts.isNewExpression(p) && p.arguments?.[0] === fn && ts.isIdentifier(p.expression) && INLINE_CONSTRUCTORS.has(p.expression.text)) return true;
  if (!ts.isCallExpression(p) || !p.arguments.includes(fn as ts.Expression)) return false;
  const callee = unwrap(p.expression);
  const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : undefined;
  if (name === undefined) return false;
  if (INLINE_RUNNERS.has(name)) return true;
  // `await breaker.execute(async () => …)`, `return withRetry(() => send(…))`: a callback whose
  // call is waited for runs before the caller goes on (retry helpers, circuit breakers, locks,
  // tracing spans), unless the call registers it for later (consumers, routes, listeners).
  return !REGISTRARS.test(name) && p.arguments[p.arguments.length - 1] === fn && resultWaitedFor(p);
}

/** Calls that register a callback to run later, even when their own promise is awaited. */
const REGISTRARS = /^(consume|subscribe\w*|on|once|addListener|prependListener|process|listen|use|get|post|put|patch|delete|all|route|handle\w*|register\w*|add\w*Handler|setTimeout|setInterval|setImmediate|nextTick|queueMicrotask|schedule\w*|cron|every|watch\w*|run|eachMessage|eachBatch|createServer|createConsumer|worker|define|bind|connect)$/i;

/** Whether a call's result is awaited or returned (through parentheses and type assertions). */
function resultWaitedFor(call: ts.CallExpression): boolean {
  let n: ts.Node = call;
  while (n.parent && (ts.isParenthesizedExpression(n.parent) || ts.isAsExpression(n.parent) || ts.isNonNullExpression(n.parent))) n = n.parent;
  const parent = n.parent;
  return !!parent && (ts.isAwaitExpression(parent) || ts.isReturnStatement(parent));
}

const CALL_EXPRESSION = ts.SyntaxKind.CallExpression;
const TAGGED_TEMPLATE = ts.SyntaxKind.TaggedTemplateExpression;

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
    if (!isFunctionWithBody(n)) continue;
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
  // The owner the children of each node get (an explicit-stack walk has no "after the children"
  // to restore it in, see tree-walk.ts): the node itself when it is a function of its own.
  const ownerBelow = new Map<ts.Node, ts.Node | undefined>();
  walkTree(root, (n) => {
    const owner = n === root ? undefined : ownerBelow.get(n.parent);
    if (n.kind === CALL_EXPRESSION) {
      calls.nodes.push(n as ts.CallExpression);
      calls.owners.push(owner);
    } else if (n.kind === TAGGED_TEMPLATE) {
      tagged.nodes.push(n as ts.TaggedTemplateExpression);
      tagged.owners.push(owner);
    }
    ownerBelow.set(n, isFunctionWithBody(n) && !runsInline(n) ? n : owner);
  });
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
    if (isFunctionWithBody(n) && !runsInline(n)) return n;
  }
  return undefined;
}
