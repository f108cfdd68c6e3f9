import { ts } from 'ts-morph';
import type { ProjectIndex } from '../project/project-index';
import type { FileFacts } from '../file-facts';
import { awsEffect, isAwsMethod } from './aws';
import { dbWrite, isDbWriteMethod, taggedSqlWrite, type RawEffect } from './db';
import { httpCall, isExternalMethod, isNamedExternalMethod, messagingCall, namedExternalCall, paymentCall, redisCounter } from './external';
import { callsInFlow, taggedTemplatesInFlow } from './flow';
import { calleesOf, knownEmpty, recordEmpty } from '../summaries/callees';
import { isPublishMethod, isWrapperPublishMethod, publishEffect, wrapperPublish } from './publish';
import { prismaCreateHitsUniqueKey } from './prisma-schema';
import { entityKeysOfWrite, typeormWriteIsKeyed } from './typeorm-entity';
import { familyOf, isLocalModule, shapeMethod, shapeOf, type CallShape } from './shape';
import { moduleOfImportedValue } from '../project/lookup';
import { unwrap } from '../origins';
import type { Effect } from './types';

/**
 * How many calls deep `sideEffectsIn` follows the user's own functions: a use case, the
 * implementing class behind the interface it calls, the client wrapper that class uses. Deeper effects are not seen
 * (bounded on purpose: each level multiplies the functions walked); recursion is cut where a
 * function is already on the path.
 */
const MAX_DEPTH = 3;

/**
 * Classifies one call by what the library it calls does, or undefined when it has no known effect.
 * Remembered per file analysis (not per node: an editor's incremental reparse reuses unchanged
 * nodes while the imports around them change).
 */
export function classifyCall(call: ts.CallExpression, facts: FileFacts): RawEffect | undefined {
  const classified = facts.memo('effects:classified', () => new WeakMap<ts.CallExpression, RawEffect | null>());
  const hit = classified.get(call);
  if (hit !== undefined) return hit ?? undefined;
  // Most calls of ordinary code (`items.filter`, `Math.round`, `Date.now`) have a name no
  // classifier accepts: answered by the name alone, before the shape looks up the receiver's origin.
  const method = shapeMethod(call);
  if (method === undefined || !mayBeEffect(method)) {
    classified.set(call, null);
    return undefined;
  }
  const effect = classifyShape(shapeOf(call, facts), facts);
  classified.set(call, effect ?? null);
  return effect;
}

function classifyShape(s: CallShape, facts: FileFacts): RawEffect | undefined {
  return awsEffect(s, facts) ?? dbWrite(s, facts) ?? publishEffect(s, facts) ?? httpCall(s, facts) ?? messagingCall(s) ?? paymentCall(s) ?? redisCounter(s);
}

/**
 * A call on a client the project makes in a module of its own and imports
 * (`import { db } from './db/client'` where that module has `export const db = drizzle(…)`),
 * classified as a call on that library's client. Asked only of calls that name no project function.
 */
function classifyImportedClient(call: ts.CallExpression, facts: FileFacts, project: ProjectIndex): RawEffect | undefined {
  const method = shapeMethod(call);
  if (method === undefined || !mayBeEffect(method)) return undefined;
  const s = shapeOf(call, facts);
  if (!s.receiver || !isLocalModule(s.module)) return undefined;
  let root: ts.Expression = unwrap(s.receiver);
  while (ts.isPropertyAccessExpression(root) || ts.isCallExpression(root) || ts.isElementAccessExpression(root)) root = unwrap(root.expression);
  if (!ts.isIdentifier(root)) return undefined;
  const library = moduleOfImportedValue(root, facts, project);
  if (!library || isLocalModule(library) || familyOf(library) === undefined) return undefined;
  return classifyShape({ ...s, module: library }, facts);
}

/** Whether any classifier can accept a call of this method name, remembered per name (names repeat across files). */
const effectMethods = new Map<string, boolean>();

function mayBeEffect(method: string): boolean {
  let may = effectMethods.get(method);
  if (may === undefined) {
    may = isAwsMethod(method) || isDbWriteMethod(method) || isPublishMethod(method) || isExternalMethod(method);
    effectMethods.set(method, may);
  }
  return may;
}

/**
 * A write judged again with what the project declares beside its code: a Prisma `create` that
 * writes a whole unique key of its model (schema.prisma), or a TypeORM write keyed by its entity's
 * declared keys (see typeorm-entity.ts), is not repeated by a redelivered message.
 */
function withProjectKeys(raw: RawEffect | undefined, call: ts.CallExpression, facts: FileFacts, project: ProjectIndex): RawEffect | undefined {
  if (!raw || raw.idempotent || raw.kind !== 'db-write' || !(raw.op === 'insert' || raw.op === 'unknown')) return raw;
  const method = shapeMethod(call);
  if (raw.library === 'prisma' && method === 'create' && raw.target && prismaCreateHitsUniqueKey(call, raw.target, project)) {
    return { ...raw, idempotent: true, declaredKey: true };
  }
  if (raw.library === 'typeorm' && method && /^(save|insert)$/.test(method)) {
    const keys = entityKeysOfWrite(call, facts, project);
    if (keys && typeormWriteIsKeyed(call, method, keys)) return { ...raw, idempotent: true, declaredKey: true };
  }
  return raw;
}

/** Judged by names only, for calls into code that cannot be followed. */
export function classifyByName(call: ts.CallExpression, facts: FileFacts): RawEffect | undefined {
  const method = shapeMethod(call);
  if (method === undefined || !(isWrapperPublishMethod(method) || isNamedExternalMethod(method))) return undefined;
  const s = shapeOf(call, facts);
  return wrapperPublish(s) ?? namedExternalCall(s);
}

/**
 * The side effects of a function (or any node) in its own flow, in document order, including
 * those of the user's own functions it calls, up to two calls deep (locally, through relative
 * imports, and through methods of imported classes). Callbacks registered to run later (route
 * handlers, consumer callbacks, timers) are not part of the flow; transaction callbacks,
 * array iteration and promise chains are. Memoised per node.
 */
export function sideEffectsIn(node: ts.Node, facts: FileFacts, project: ProjectIndex): Effect[] {
  return facts.memo(`effects:${node.pos}:${node.end}:${node.kind}`, () => collect(node, facts, project, 0, new Set([node])));
}

function collect(node: ts.Node, facts: FileFacts, project: ProjectIndex, depth: number, visiting: Set<ts.Node>): Effect[] {
  const out: Effect[] = [];
  for (const call of callsInFlow(node)) {
    const raw = withProjectKeys(classifyCall(call, facts), call, facts, project);
    if (raw) {
      out.push({ ...raw, at: call, via: [] });
      continue;
    }
    const targets = depth < MAX_DEPTH ? calleesOf(call, facts, project) : [];
    for (const callee of targets) {
      // Known to do nothing outside the process: not parsed or walked again.
      if (knownEmpty(project, callee, depth + 1)) continue;
      // At the last level only the callee's own calls count: one whose text shows no effect is not parsed.
      if (depth + 1 >= MAX_DEPTH && !callee.mayHaveEffects()) continue;
      const target = callee.load();
      if (!target || visiting.has(target.fn)) continue;
      visiting.add(target.fn);
      // A helper called from many places is walked once per remaining depth.
      const fn = target.fn;
      const inner = target.facts.memo(`effects-callee:${fn.pos}:${fn.end}:${depth + 1}`, () => collect(fn, target.facts, project, depth + 1, visiting));
      visiting.delete(target.fn);
      // Only a summary computed with nothing else on the path is complete (a cycle cuts the rest).
      if (inner.length === 0 && visiting.size <= 1) recordEmpty(project, callee, depth + 1);
      const hop = { call, fn, label: target.label };
      for (const e of inner) out.push({ ...e, at: call, via: [call, ...e.via], hops: [hop, ...(e.hops ?? [])] });
    }
    if (targets.length > 0) continue;
    const imported = classifyImportedClient(call, facts, project);
    if (imported) {
      out.push({ ...imported, at: call, via: [] });
      continue;
    }
    const named = classifyByName(call, facts);
    if (named) out.push({ ...named, at: call, via: [] });
  }
  const tagged = taggedTemplatesInFlow(node);
  if (tagged.length === 0) return out;
  for (const tt of tagged) {
    const raw = taggedSqlWrite(tt, facts);
    if (raw) out.push({ ...raw, at: tt, via: [] });
  }
  // Document order, as for calls alone.
  return out.sort((a, b) => a.at.getStart() - b.at.getStart());
}
