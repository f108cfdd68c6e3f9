import * as fs from 'node:fs';
import * as path from 'node:path';
import { unifiedDiff } from '../text/unified-diff';
import { ScaffoldError } from './errors';
import { assertRealInside, checkRelativeTarget, resolveOutDir } from './paths';
import type { ProjectInfo } from './project';
import { resolveIncludedAnswers } from './answers';
import { renderSource, renderText, toJavaScript, type NextStepContext } from './render';
import { loadTemplate, matchesWhen, type Answers, type FileSpec, type IncludeSpec, type TemplateSpec } from './template';

/** new: no file there; unchanged: same content there; changed: different content there. */
export type PlannedStatus = 'new' | 'unchanged' | 'changed';

export interface PlannedFile {
  /** Path relative to the project root, with forward slashes (for display). */
  path: string;
  /** Absolute path. */
  absolutePath: string;
  content: string;
  status: PlannedStatus;
  /** Unified diff against the existing file when status is changed. */
  diff?: string;
}

export interface PackagesToInstall {
  dependencies: string[];
  devDependencies: string[];
}

export interface ScaffoldPlan {
  template: string;
  answers: Answers;
  projectRoot: string;
  outDir: string;
  files: PlannedFile[];
  packages: PackagesToInstall;
  nextSteps: string[];
}

/**
 * Renders a template with resolved answers into a plan: every target path checked to stay
 * inside --out (symlinks included), every file compared with what is on disk, included templates
 * rendered into their sub-folders. Writes nothing. Next steps are rendered from the files planned,
 * so a step never names a file, extension or command that does not match what is written.
 */
export function planScaffold(template: TemplateSpec, given: Answers, project: ProjectInfo): ScaffoldPlan {
  const part = planPart(template, given, project, { planned: new Map(), seen: new Set(), chain: [template.name] });
  return {
    template: template.name,
    answers: part.answers,
    projectRoot: project.root,
    outDir: part.outDir,
    files: part.files,
    packages: part.packages,
    nextSteps: [...new Set(part.nextSteps)],
  };
}

/** State shared by a template and the templates it includes while one plan is made. */
interface PlanState {
  /** Outboxes this plan writes (absolute folder → broker), so an included consumer can name one. */
  readonly planned: Map<string, string>;
  /** Absolute paths already planned: two parts may not write one file. */
  readonly seen: Set<string>;
  /** Template names being planned, outermost first (an include cycle is a template error). */
  readonly chain: readonly string[];
}

interface PlannedPart {
  answers: Answers;
  outDir: string;
  files: PlannedFile[];
  /** Rendered target (relative to this part's --out, before the .js rename) → project-relative path. */
  targets: Map<string, string>;
  packages: PackagesToInstall;
  nextSteps: string[];
}

function planPart(template: TemplateSpec, given: Answers, project: ProjectInfo, state: PlanState): PlannedPart {
  const outDir = resolveOutDir(project.root, String(given.out));
  // Templates see --out relative to the project root with forward slashes (`./src/eos/` and an
  // absolute path inside the project both become `src/eos`), so generated paths are portable.
  const out = path.relative(project.root, outDir).split(path.sep).join('/') || '.';
  const answers: Answers = { ...given, out };
  if (answers.composed === true) {
    const outboxVariable = template.variables.find((v) => v.type === 'outbox');
    const outboxDir = resolveOutDir(project.root, String(answers[outboxVariable?.name ?? '']));
    let specifier = path.relative(outDir, outboxDir).split(path.sep).join('/') || '.';
    if (!specifier.startsWith('.')) specifier = `./${specifier}`;
    answers.outboxImport = specifier;
  } else if (answers.composed === false) answers.outboxImport = '';
  const language = answers.language === 'js' ? 'js' : 'ts';
  const moduleKind = answers.module === 'esm' ? 'esm' : 'cjs';
  const files: PlannedFile[] = [];
  const packages: PackagesToInstall[] = [];
  const steps: string[] = [];
  // This part's next steps may name the files of the parts it includes, by `<sub-folder>/<target>`.
  const written = new Map<string, string>();
  for (const include of template.includes) {
    if (!matchesWhen(include.when, answers)) continue;
    const { sub, part } = planInclude(template, include, answers, project, state);
    files.push(...part.files);
    packages.push(part.packages);
    if (include.nextSteps) steps.push(...part.nextSteps);
    for (const [target, display] of part.targets) written.set(`${sub}/${target}`, display);
  }
  for (const spec of template.files) {
    if (!matchesWhen(spec.when, answers)) continue;
    const fileAnswers = withBindings(template, spec, answers);
    const target = renderText(spec.target, fileAnswers, `${template.name}/template.json target '${spec.target}'`);
    let relative = checkRelativeTarget(target);
    let content = renderSource(template, spec.source, fileAnswers);
    if (spec.language === 'ts' && language === 'js') {
      content = toJavaScript(content, moduleKind, relative);
      relative = relative.replace(/\.ts$/, '.js');
    }
    const absolutePath = path.join(outDir, relative);
    if (state.seen.has(absolutePath)) throw new ScaffoldError(`${template.name}: two files target ${relative}`, 'template');
    state.seen.add(absolutePath);
    assertRealInside(project.root, absolutePath, relative);
    const display = path.relative(project.root, absolutePath).split(path.sep).join('/');
    written.set(target.replace(/\\/g, '/'), display);
    files.push({ path: display, absolutePath, content, ...compareWithDisk(absolutePath, content, display) });
  }
  // An outbox written by this plan is not on disk yet; a consumer included after it may name it.
  if (typeof answers.broker === 'string' && written.has('outbox-publisher.ts')) state.planned.set(outDir, answers.broker);
  const context: NextStepContext = { files: written, language, module: moduleKind, importFrom: out === '.' ? '.' : path.posix.dirname(out) };
  steps.push(
    ...template.nextSteps
      .filter((s) => matchesWhen(s.when, answers))
      .map((s) => renderText(s.text, answers, `${template.name} nextSteps`, context)),
  );
  packages.push(packagesFor(template, answers, project));
  return {
    answers,
    outDir,
    files,
    targets: written,
    packages: {
      dependencies: [...new Set(packages.flatMap((p) => p.dependencies))],
      devDependencies: [...new Set(packages.flatMap((p) => p.devDependencies))],
    },
    nextSteps: steps,
  };
}

/** Plans an included template into its sub-folder, with answers rendered from the including one's. */
function planInclude(parent: TemplateSpec, include: IncludeSpec, answers: Answers, project: ProjectInfo, state: PlanState): { sub: string; part: PlannedPart } {
  if (state.chain.includes(include.template)) {
    throw new ScaffoldError(`${parent.name}: includes form a cycle (${[...state.chain, include.template].join(' → ')})`, 'template');
  }
  const where = `${parent.name}/template.json includes ${include.template}`;
  const child = loadTemplate(include.template, parent.root);
  const given: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(include.answers)) given[name] = renderText(text, answers, `${where} answers.${name}`);
  const sub = checkRelativeTarget(renderText(include.out, answers, `${where} out`)).split(path.sep).join('/');
  given.out = answers.out === '.' ? sub : `${String(answers.out)}/${sub}`;
  given.language = answers.language;
  given.module = answers.module;
  const childAnswers = resolveIncludedAnswers(child, given, project, state.planned);
  return { sub, part: planPart(child, childAnswers, project, { ...state, chain: [...state.chain, include.template] }) };
}

/** The answers one file is rendered with: the run's, overridden by the file's `with` bindings. */
function withBindings(template: TemplateSpec, spec: FileSpec, answers: Answers): Answers {
  if (!spec.with) return answers;
  const bound: Answers = { ...answers };
  for (const [name, value] of Object.entries(spec.with)) {
    bound[name] = typeof value === 'string' ? renderText(value, answers, `${template.name}/template.json ${spec.source} with.${name}`) : value;
  }
  return bound;
}

function compareWithDisk(file: string, content: string, label: string): Pick<PlannedFile, 'status' | 'diff'> {
  let existing: string;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) throw new ScaffoldError(`${label} exists and is not a regular file`, 'conflict');
    existing = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ScaffoldError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'new' };
    throw new ScaffoldError(`cannot read ${label}: ${(err as Error).message}`, 'write');
  }
  if (existing === content) return { status: 'unchanged' };
  return { status: 'changed', diff: unifiedDiff(label, existing, content, { from: `${label} (existing)`, to: `${label} (generated)` }) };
}

function packagesFor(template: TemplateSpec, answers: Answers, project: ProjectInfo): PackagesToInstall {
  const dependencies: string[] = [];
  const devDependencies: string[] = [];
  for (const p of template.packages) {
    if (!matchesWhen(p.when, answers)) continue;
    if (!project.dependencies.has(p.name)) dependencies.push(p.name);
    if (p.types && answers.language === 'ts' && !project.dependencies.has(p.types)) devDependencies.push(p.types);
  }
  return { dependencies: [...new Set(dependencies)], devDependencies: [...new Set(devDependencies)] };
}

/** Human-readable next steps: install commands first, then the template's own steps. */
export function nextStepLines(plan: ScaffoldPlan): string[] {
  const lines: string[] = [];
  if (plan.packages.dependencies.length > 0) lines.push(`npm install ${plan.packages.dependencies.join(' ')}`);
  if (plan.packages.devDependencies.length > 0) lines.push(`npm install --save-dev ${plan.packages.devDependencies.join(' ')}`);
  return [...lines, ...plan.nextSteps];
}
