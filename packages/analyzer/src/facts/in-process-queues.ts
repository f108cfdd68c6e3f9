import { ts } from 'ts-morph';
import { calleeName, isModule, receiverOf } from './syntax';
import type { FileFacts } from './file-facts';
import { unwrap } from './origins';

/**
 * Work handed to an in-process queue or limiter: `queue.add(() => work())` on a p-queue,
 * `limit(() => work())` from p-limit, `q.push(task)` on an `async` queue. The call returns at once
 * (with a promise for the task, or nothing), and the task runs later in this process; a handler
 * that does not wait for it returns first, and a crash loses whatever is still queued.
 */

/** Queue libraries and the methods that enqueue a task. */
const QUEUES: ReadonlyArray<{ modules: readonly string[]; methods: ReadonlySet<string> }> = [
  { modules: ['p-queue'], methods: new Set(['add', 'addAll']) },
  { modules: ['async', 'fastq', 'better-queue'], methods: new Set(['push', 'unshift', 'pushAsync']) },
];
/** Limiter factories whose result is called with the task: `const limit = pLimit(2); limit(() => …)`. */
const LIMITERS = ['p-limit', 'p-throttle'];

/** Whether `call` hands a task to an in-process queue or limiter (known by the library it comes from). */
export function enqueuesInProcess(call: ts.CallExpression, facts: FileFacts): boolean {
  const name = calleeName(call);
  const receiver = receiverOf(call);
  if (receiver && name) {
    const origin = facts.originOf(unwrap(receiver));
    return !!origin && QUEUES.some((q) => isModule(origin.module, q.modules) && q.methods.has(name));
  }
  const callee = unwrap(call.expression);
  if (!ts.isIdentifier(callee)) return false;
  const origin = facts.originOf(callee);
  // `limit` is `pLimit(2)`: the origin records the call of the imported factory.
  return !!origin && isModule(origin.module, LIMITERS) && origin.chain.length > 0;
}
