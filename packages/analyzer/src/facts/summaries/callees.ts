import type { ts } from 'ts-morph';
import type { ProjectIndex } from '../project/project-index';
import { calleeOf } from '../project/lookup';
import type { FileFacts } from '../file-facts';
import { functionLabel, loadTarget, methodTargetRefs, type CallTarget, type TargetRef } from './receivers';

/**
 * A project function a call may run, not necessarily parsed yet: `key` names it (file, range) so
 * that a summary known to be empty can be skipped without parsing its file again; `load` gives it.
 */
export interface Callee {
  key: string;
  label: string;
  load(): CallTarget | undefined;
}

/**
 * The project functions a call may run: the one function syntax names (local, imported,
 * CommonJS, a method of an imported class or singleton: `calleeOf`), or else the methods of the
 * receiver's class, interface or DI token (`methodTargetRefs`), every implementation of an
 * interface included. Empty when the call leaves the project (a library) or cannot be resolved.
 * Remembered per call for the file's analysis.
 */
export function calleesOf(call: ts.CallExpression, facts: FileFacts, project: ProjectIndex): readonly Callee[] {
  const known = facts.memo('summaries:callees', () => new WeakMap<ts.CallExpression, readonly Callee[]>());
  const hit = known.get(call);
  if (hit) return hit;
  let callees: readonly Callee[] = [];
  try {
    const single = calleeOf(call, facts, project);
    if (single) {
      const target: CallTarget = { ...single, label: functionLabel(single.fn) };
      callees = [{ key: keyOf(single.facts.sourceFile.fileName, single.fn.pos, single.fn.end), label: target.label, load: () => target }];
    } else {
      callees = methodTargetRefs(call, facts, project).map((ref) => lazy(ref, project));
    }
  } catch {
    // A file that cannot be followed is simply not followed.
    callees = [];
  }
  known.set(call, callees);
  return callees;
}

function lazy(ref: TargetRef, project: ProjectIndex): Callee {
  return { key: keyOf(ref.file, ref.pos, ref.end), label: ref.label, load: () => loadTarget(ref, project) };
}

function keyOf(file: string, pos: number, end: number): string {
  return `${file}\0${pos}\0${end}`;
}

/** Functions whose effects, followed to a given depth, are known to be none: per project, so that no file is parsed again to learn it. */
const emptySummaries = new WeakMap<ProjectIndex, Set<string>>();

/** Whether the summary of `callee` at `depth` is known to be empty. */
export function knownEmpty(project: ProjectIndex, callee: Callee, depth: number): boolean {
  return emptySummaries.get(project)?.has(`${callee.key}\0${depth}`) ?? false;
}

/** Records that the summary of `callee` at `depth` is empty. */
export function recordEmpty(project: ProjectIndex, callee: Callee, depth: number): void {
  let set = emptySummaries.get(project);
  if (!set) emptySummaries.set(project, (set = new Set()));
  set.add(`${callee.key}\0${depth}`);
}
