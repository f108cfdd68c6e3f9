import { ts } from 'ts-morph';
import type { ProjectIndex } from './project/project-index';
import { DurationFolder, formatMs } from './durations';
import { sideEffectsIn } from './effects';
import type { FileFacts } from './file-facts';
import { unwrap } from './origins';
import { calleeName, constInitializer, excerpt, receiverOf } from './syntax';
import { walkTree } from './tree-walk';

/**
 * Work inside a message handler that can run for a long time: explicit waits, polling loops,
 * loops of remote calls over a fetched collection or a whole batch, and SDK calls known to take
 * minutes. Each comes with a minimum duration when the code states one (`await sleep(45_000)`).
 */
export interface LongWork {
  kind: 'wait' | 'polling-loop' | 'remote-loop' | 'slow-call';
  /** The node to report: the wait call, the loop, the slow call. */
  node: ts.Node;
  /** Human description completing "this handler ...", e.g. "waits 45 s (`sleep(45_000)`)". */
  description: string;
  /** The least time this takes, in milliseconds, when the code says; undefined when unbounded or unknown. */
  minMs?: number;
}

/** Functions that wait their first argument in milliseconds. */
const WAIT_FUNCTIONS = new Set(['sleep', 'delay', 'wait', 'pause', 'setTimeout', 'timeout']);

/**
 * Calls that routinely take from many seconds to minutes: the callee text they match, what they
 * are, and the modules they must come from (a `pdf()` of the project's own is not a browser).
 */
const SLOW_CALLS: ReadonlyArray<{ test: RegExp; what: string; from: (module: string) => boolean }> = [
  { test: /^waitUntil[A-Z]\w*$/, what: 'an AWS SDK waiter (it polls until the resource is ready, up to its maxWaitTime)', from: (m) => m.startsWith('@aws-sdk/') },
  { test: /\bchat\.completions\.create$|\bresponses\.create$|\bmessages\.create$/, what: 'an LLM completion (tens of seconds for long outputs)', from: (m) => ['openai', '@anthropic-ai/sdk', '@google/generative-ai', '@google/genai'].includes(m) },
  { test: /\.(pdf|screenshot|goto|waitForNavigation)$/, what: 'a headless-browser call (page loads and renders take seconds to minutes)', from: (m) => ['puppeteer', 'puppeteer-core', 'playwright', 'playwright-core', '@playwright/test'].includes(m) },
  { test: /^(exec|execFile|spawnSync|execSync|execFileSync)$|\.(exec|execFile)$/, what: 'a child process (its run time is whatever the program takes)', from: (m) => ['child_process', 'node:child_process', 'execa'].includes(m) },
  { test: /\.done$/, what: 'a multipart upload (`Upload.done()`; large objects take minutes)', from: (m) => m === '@aws-sdk/lib-storage' },
];

/**
 * Long work in `scope` (the handler body or the per-message scope), not entering nested callbacks.
 * Loops that hold any of `frame` (the consumer's own receive call and per-message scope: the
 * polling loop and the loop over received messages) are the consumer's machinery, not its work:
 * they are searched but never reported themselves.
 */
export function longWorkIn(scope: ts.Node, facts: FileFacts, project: ProjectIndex, frame: readonly ts.Node[] = []): LongWork[] {
  const folder = new DurationFolder(facts, project);
  const out: LongWork[] = [];
  // An explicit-stack walk (deep trees, see tree-walk.ts): returning false skips a subtree.
  const visit = (n: ts.Node): boolean | void => {
    if (n !== scope && ts.isFunctionLike(n)) return false;
    if (ts.isIterationStatement(n, false)) {
      const machinery = frame.some((f) => f.pos >= n.pos && f.end <= n.end) || iteratesReceived(n, frame);
      const loop = machinery ? undefined : remoteLoop(n, facts, project);
      if (loop) {
        out.push(loop);
        return false;
      }
      return true;
    }
    if (ts.isAwaitExpression(n)) {
      const wait = waitOf(n.expression, folder);
      if (wait) {
        // Asked only of waits (rare): the innermost loop around them, within the scope.
        const loop = loopAround(n, scope);
        if (loop && isPollingLoop(loop) && !frame.some((f) => f.pos >= loop.pos && f.end <= loop.end)) {
          out.push({ kind: 'polling-loop', node: loop, description: `polls in a loop, waiting ${wait.text} between attempts, with no bound on how long it keeps going` });
          return false;
        }
        if (wait.ms !== undefined) out.push({ kind: 'wait', node: n, description: `waits ${formatMs(wait.ms)} (\`${excerpt(n.expression.getText(), 50)}\`)`, minMs: wait.ms });
      }
      const slow = slowCallOf(n.expression, facts);
      if (slow) out.push({ kind: 'slow-call', node: n, description: `awaits ${slow} (\`${excerpt(n.expression.getText(), 50)}\`)` });
    }
    return true;
  };
  walkTree(scope, visit);
  return out;
}

/** The innermost loop holding `n`, up to `scope` (itself included); the walk never enters nested functions. */
function loopAround(n: ts.Node, scope: ts.Node): ts.IterationStatement | undefined {
  for (let p = n.parent; p; p = p.parent) {
    if (ts.isIterationStatement(p, false)) return p;
    if (p === scope) return undefined;
  }
  return undefined;
}


/** A wait (`sleep(ms)`, `setTimeout(ms)` from timers/promises, `new Promise((r) => setTimeout(r, ms))`). */
function waitOf(expr: ts.Expression, folder: DurationFolder): { ms?: number; text: string } | undefined {
  const e = unwrap(expr);
  if (ts.isCallExpression(e)) {
    const name = calleeName(e);
    if (!name || !WAIT_FUNCTIONS.has(name) || receiverOf(e)) return undefined;
    const ms = folder.number(e.arguments[0])?.value;
    return { ms, text: ms === undefined ? `\`${excerpt(e.getText(), 50)}\`` : formatMs(ms) };
  }
  if (ts.isNewExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'Promise') {
    const executor = e.arguments?.[0] && unwrap(e.arguments[0]);
    if (!executor || !(ts.isArrowFunction(executor) || ts.isFunctionExpression(executor))) return undefined;
    let found: { ms?: number; text: string } | undefined;
    const walk = (n: ts.Node): boolean | void => {
      if (found) return false;
      if (ts.isCallExpression(n) && calleeName(n) === 'setTimeout' && n.arguments.length >= 2) {
        const ms = folder.number(n.arguments[1])?.value;
        found = { ms, text: ms === undefined ? `\`${excerpt(n.getText(), 50)}\`` : formatMs(ms) };
        return false;
      }
    };
    walkTree(executor.body, walk);
    return found;
  }
  return undefined;
}

/**
 * `while` / `do` loops (and `for (;;)`) that keep going until a condition changes. A loop whose
 * condition counts (`attempt < maxRetries`, `attempts--`) is a bounded retry, not a poll.
 */
function isPollingLoop(loop: ts.IterationStatement): boolean {
  if (ts.isWhileStatement(loop) || ts.isDoStatement(loop)) return !countsAttempts(loop.expression);
  return ts.isForStatement(loop) && loop.condition === undefined;
}

function countsAttempts(condition: ts.Expression): boolean {
  let found = false;
  const walk = (n: ts.Node): boolean | void => {
    if (found) return false;
    const compares = ts.isBinaryExpression(n) && [ts.SyntaxKind.LessThanToken, ts.SyntaxKind.LessThanEqualsToken, ts.SyntaxKind.GreaterThanToken, ts.SyntaxKind.GreaterThanEqualsToken].includes(n.operatorToken.kind);
    // `while (attempts--)`
    const counts = (ts.isPostfixUnaryExpression(n) || ts.isPrefixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.MinusMinusToken || n.operator === ts.SyntaxKind.PlusPlusToken);
    if (compares || counts) {
      found = true;
      return false;
    }
  };
  walkTree(condition, walk);
  return found;
}

/**
 * A loop that awaits remote calls once per item of a collection fetched by the handler (rows of a
 * query, a listing) or per page (`while (cursor)` pagination). Loops over the message's own fields
 * are not reported: their size is the message's.
 */
function remoteLoop(loop: ts.IterationStatement, facts: FileFacts, project: ProjectIndex): LongWork | undefined {
  const source = ts.isForOfStatement(loop) ? fetchedCollection(loop.expression) : undefined;
  const paging = (ts.isWhileStatement(loop) || ts.isDoStatement(loop)) && !countsAttempts(loop.expression);
  if (!source && !paging) return undefined;
  const remote = firstRemoteAwait(loop.statement, facts, project);
  if (!remote) return undefined;
  // A polling loop with a wait is reported as such, by the caller.
  if (paging && hasWait(loop.statement)) return undefined;
  const what = excerpt(remote.getText(), 50);
  return source
    ? { kind: 'remote-loop', node: loop, description: `awaits \`${what}\` once per item of \`${excerpt(source, 50)}\`, a collection it fetched, one after another` }
    : { kind: 'remote-loop', node: loop, description: `loops until a condition changes, awaiting \`${what}\` on every pass` };
}

/** A for-of over what the consumer's receive call returned (`for (const m of response.Messages)`). */
function iteratesReceived(loop: ts.IterationStatement, frame: readonly ts.Node[]): boolean {
  if (!ts.isForOfStatement(loop)) return false;
  let e = unwrap(loop.expression);
  while (ts.isPropertyAccessExpression(e)) e = unwrap(e.expression);
  const init = ts.isIdentifier(e) ? constInitializer(e) : e;
  return !!init && frame.some((f) => f.pos >= init.pos && f.end <= init.end);
}

function hasWait(node: ts.Node): boolean {
  let found = false;
  walkTree(node, (n) => {
    if (found || ts.isFunctionLike(n)) return false;
    if (ts.isCallExpression(n) && WAIT_FUNCTIONS.has(calleeName(n) ?? '') && !receiverOf(n)) found = true;
    return !found;
  });
  return found;
}

/** The text of a for-of collection that the handler fetched: `await db.query(...)` or a const holding one. */
function fetchedCollection(expr: ts.Expression): string | undefined {
  let e = unwrap(expr);
  // rows.rows, result.Items, page.data
  while (ts.isPropertyAccessExpression(e)) e = unwrap(e.expression);
  if (ts.isIdentifier(e)) {
    const init = constInitializer(e);
    if (init && ts.isAwaitExpression(init)) return expr.getText();
    return undefined;
  }
  if (ts.isCallExpression(e) && ts.isAwaitExpression(expr)) return expr.getText();
  return ts.isAwaitExpression(expr) ? expr.getText() : undefined;
}

/** The first awaited call in a loop body that leaves the process: a side effect, an HTTP or SDK call. */
function firstRemoteAwait(body: ts.Node, facts: FileFacts, project: ProjectIndex): ts.Expression | undefined {
  let found: ts.Expression | undefined;
  const walk = (n: ts.Node): boolean | void => {
    if (found || ts.isFunctionLike(n)) return false;
    if (ts.isAwaitExpression(n) && ts.isCallExpression(unwrap(n.expression)) && isRemote(unwrap(n.expression) as ts.CallExpression, facts, project)) {
      found = n.expression;
      return false;
    }
  };
  walkTree(body, walk);
  return found;
}

function isRemote(call: ts.CallExpression, facts: FileFacts, project: ProjectIndex): boolean {
  const callee = unwrap(call.expression);
  if (ts.isIdentifier(callee) && callee.text === 'fetch') return true;
  const base = ts.isPropertyAccessExpression(callee) ? callee.expression : callee;
  const origin = facts.originOf(base);
  if (origin && !origin.module.startsWith('.') && !origin.module.startsWith('node:')) return true;
  return sideEffectsIn(call, facts, project).length > 0;
}

/** What a call is, when it is one of the known slow kinds and comes from the library that makes it slow. */
function slowCallOf(expr: ts.Expression, facts: FileFacts): string | undefined {
  const e = unwrap(expr);
  if (!ts.isCallExpression(e)) return undefined;
  const callee = unwrap(e.expression);
  const text = callee.getText().replace(/\s+/g, '');
  const base = ts.isPropertyAccessExpression(callee) ? callee.expression : callee;
  const module = facts.originOf(base)?.module ?? '';
  return SLOW_CALLS.find((s) => s.test.test(text) && s.from(module))?.what;
}
