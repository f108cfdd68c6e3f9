import { resolveAnswers, type AskFn } from './answers';
import { nextStepLines, planScaffold, type ScaffoldPlan } from './plan';
import { detectProject } from './project';
import { allVariables, defaultTemplatesRoot, loadTemplate } from './template';
import { writePlan, type WriteResult } from './write';

export interface ScaffoldOptions {
  /** Template name: outbox, dedup, consumer. */
  template: string;
  /** Where the user is; the project root is the nearest package.json at or above it. */
  cwd: string;
  /** Raw answers by flag name (`store`, `out`, ...), as a CLI or a form collected them. */
  flags: Readonly<Record<string, unknown>>;
  /** Accept every default without asking. */
  yes?: boolean;
  /** Asks for a missing answer; omit when nobody can be asked (then a required answer fails fast). */
  ask?: AskFn;
  /** Plan only; write nothing. */
  dryRun?: boolean;
  /** Overwrite existing files whose content differs. */
  force?: boolean;
  /**
   * Shown the plan before anything is written (the interactive front ends ask the user); resolving
   * false writes nothing. Not called on a dry run.
   */
  confirm?: (plan: ScaffoldPlan, nextSteps: readonly string[]) => Promise<boolean>;
  templatesRoot?: string;
}

export interface ScaffoldResult {
  plan: ScaffoldPlan;
  /** Undefined on a dry run, or when `confirm` declined. */
  written?: WriteResult;
  /** `confirm` was asked and declined: nothing was written. */
  declined?: boolean;
  /** Install commands, then the template's own steps. */
  nextSteps: string[];
}

/**
 * The whole scaffold in one call, for front ends: load the template, resolve answers (flags >
 * prompts > detected defaults), plan, and write as one atomic set unless `dryRun`. Throws
 * ScaffoldError (with `exitCode`) for every expected failure.
 */
export async function scaffold(options: ScaffoldOptions): Promise<ScaffoldResult> {
  const template = loadTemplate(options.template, options.templatesRoot ?? defaultTemplatesRoot());
  const project = detectProject(options.cwd);
  const given: Record<string, unknown> = {};
  for (const v of allVariables(template)) given[v.name] = options.flags[v.flag];
  const answers = await resolveAnswers(template, { given, project, yes: options.yes, ask: options.ask });
  const plan = planScaffold(template, answers, project);
  const nextSteps = nextStepLines(plan);
  if (options.dryRun) return { plan, nextSteps };
  if (options.confirm && !(await options.confirm(plan, nextSteps))) return { plan, nextSteps, declined: true };
  return { plan, written: writePlan(plan, { force: options.force }), nextSteps };
}
