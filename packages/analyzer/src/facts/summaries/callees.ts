import type { ts } from 'ts-morph';
import type { ProjectIndex } from '../../engine/project-index';
import { calleeOf } from '../effects/flow';
import type { FileFacts } from '../file-facts';
import { functionLabel, methodTargets, type CallTarget } from './receivers';

/**
 * The project functions a call may run: the one function syntax names (local, imported,
 * CommonJS, a method of an imported class or singleton: `calleeOf`), or else the methods of the
 * receiver's class, interface or DI token (`methodTargets`), every implementation of an
 * interface included. Empty when the call leaves the project (a library) or cannot be resolved.
 * Remembered per call for the file's analysis.
 */
export function calleesOf(call: ts.CallExpression, facts: FileFacts, project: ProjectIndex): readonly CallTarget[] {
  const known = facts.memo('summaries:callees', () => new WeakMap<ts.CallExpression, readonly CallTarget[]>());
  const hit = known.get(call);
  if (hit) return hit;
  let targets: readonly CallTarget[] = [];
  try {
    const single = calleeOf(call, facts, project);
    targets = single ? [{ ...single, label: functionLabel(single.fn) }] : methodTargets(call, facts, project);
  } catch {
    // A file that cannot be followed is simply not followed.
    targets = [];
  }
  known.set(call, targets);
  return targets;
}
