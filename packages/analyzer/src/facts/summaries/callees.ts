import type { ts } from 'ts-morph';
import type { ProjectIndex } from '../project/project-index';
import { DB_WRITE_EVIDENCE, OUTGOING_EVIDENCE } from '../effects/evidence';
import { calleeOrRefOf } from '../project/lookup';
import type { FileFacts } from '../file-facts';
import { dispatchTargets } from './dispatch';
import { functionLabel, loadTarget, methodTargetRefs, type CallTarget, type TargetRef } from './receivers';

/**
 * A project function a call may run, not necessarily parsed yet: `key` names it (file, range) so
 * that a summary known to be empty can be skipped without parsing its file again; `load` gives it.
 */
export interface Callee {
  /** The file the function is in. */
  file: string;
  key: string;
  label: string;
  load(): CallTarget | undefined;
  /**
   * Whether the function's own text can hold an effect (see facts/effects/evidence), read without
   * parsing: a function that cannot, and whose calls are not followed further, is skipped.
   */
  mayHaveEffects(): boolean;
}

/**
 * The project functions a call may run: the one function syntax names (local, imported,
 * CommonJS, a method of an imported class or singleton: `calleeOrRefOf`), or else the methods of the
 * receiver's class, interface or DI token (`methodTargetRefs`), every implementation of an
 * interface included, or every entry of a dispatch table (`dispatchTargets`). Empty when the call leaves the project (a library) or cannot be resolved.
 * Remembered per call for the file's analysis.
 */
export function calleesOf(call: ts.CallExpression, facts: FileFacts, project: ProjectIndex): readonly Callee[] {
  const known = facts.memo('summaries:callees', () => new WeakMap<ts.CallExpression, readonly Callee[]>());
  const hit = known.get(call);
  if (hit) return hit;
  // No catch here: a file that cannot be read or parsed is already "no target" inside the lookup,
  // and anything else thrown is a bug that must surface as an internal error, not a missing path.
  let callees: readonly Callee[];
  const single = calleeOrRefOf(call, facts, project);
  if (single && 'file' in single) {
    // A method of an imported class or singleton, found in its file's outline: parsed only when walked.
    callees = [{ file: single.file, key: keyOf(single.file, single.pos, single.end), label: single.label, load: () => loadTarget(single, project), mayHaveEffects: () => true }];
  } else if (single) {
    const target: CallTarget = { ...single, label: functionLabel(single.fn) };
    callees = [{ file: single.facts.sourceFile.fileName, key: keyOf(single.facts.sourceFile.fileName, single.fn.pos, single.fn.end), label: target.label, load: () => target, mayHaveEffects: () => true }];
  } else {
    callees = methodTargetRefs(call, facts, project).map((ref) => lazy(ref, project));
    // `this.handlers[job.name](job)`: every entry of a dispatch table written in this file.
    if (callees.length === 0) callees = dispatchTargets(call, facts, project).map((target) => loaded(target));
  }
  known.set(call, callees);
  return callees;
}

function loaded(target: CallTarget): Callee {
  const file = target.facts.sourceFile.fileName;
  return { file, key: keyOf(file, target.fn.pos, target.fn.end), label: target.label, load: () => target, mayHaveEffects: () => true };
}

function lazy(ref: TargetRef, project: ProjectIndex): Callee {
  return {
    file: ref.file,
    key: keyOf(ref.file, ref.pos, ref.end),
    label: ref.label,
    load: () => loadTarget(ref, project),
    mayHaveEffects: () => {
      const text = project.readFile(ref.file);
      return text === undefined || EFFECT_TEXT.test(text.slice(ref.pos, ref.end));
    },
  };
}

/** Text every effect a classifier can find leaves in the function making the call (conservative, as the pre-filter's). */
const EFFECT_TEXT = new RegExp(`${DB_WRITE_EVIDENCE.source}|${OUTGOING_EVIDENCE.source}|\\b(sendMail|incr\\w*|hincrby|writeFile\\w*|appendFile\\w*)\\b`, 'i');

function keyOf(file: string, pos: number, end: number): string {
  return `${file}\0${pos}\0${end}`;
}

/**
 * Per project, the shallowest depth at which a function's summary was found empty. Followed with
 * less depth left it is empty too, so a function known to do nothing outside the process is
 * neither parsed again nor walked again.
 */
const emptySummaries = new WeakMap<ProjectIndex, Map<string, number>>();

/** Whether the summary of `callee` at `depth` is known to be empty. */
export function knownEmpty(project: ProjectIndex, callee: Callee, depth: number): boolean {
  const at = emptySummaries.get(project)?.get(callee.key);
  const known = at !== undefined && depth >= at;
  // A cached analysis must still record the file the answer rests on.
  if (known && project.tracking) project.record(callee.file);
  return known;
}

/** Records that the summary of `callee` at `depth` is empty. */
export function recordEmpty(project: ProjectIndex, callee: Callee, depth: number): void {
  let map = emptySummaries.get(project);
  if (!map) emptySummaries.set(project, (map = new Map()));
  const at = map.get(callee.key);
  if (at === undefined || depth < at) map.set(callee.key, depth);
}
