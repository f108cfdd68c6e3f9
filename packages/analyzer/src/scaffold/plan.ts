import * as fs from 'node:fs';
import * as path from 'node:path';
import { unifiedDiff } from '../text/unified-diff';
import { ScaffoldError } from './errors';
import { assertRealInside, checkRelativeTarget, resolveOutDir } from './paths';
import type { ProjectInfo } from './project';
import { renderSource, renderText, toJavaScript } from './render';
import { matchesWhen, type Answers, type FileSpec, type TemplateSpec } from './template';

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
 * inside --out (symlinks included), every file compared with what is on disk. Writes nothing.
 */
export function planScaffold(template: TemplateSpec, given: Answers, project: ProjectInfo): ScaffoldPlan {
  const outDir = resolveOutDir(project.root, String(given.out));
  // Templates see --out relative to the project root with forward slashes (`./src/eos/` and an
  // absolute path inside the project both become `src/eos`), so generated paths are portable.
  const answers: Answers = { ...given, out: path.relative(project.root, outDir).split(path.sep).join('/') || '.' };
  const language = answers.language === 'js' ? 'js' : 'ts';
  const moduleKind = answers.module === 'esm' ? 'esm' : 'cjs';
  const files: PlannedFile[] = [];
  const seen = new Set<string>();
  for (const spec of template.files) {
    if (!matchesWhen(spec.when, answers)) continue;
    const fileAnswers = withBindings(template, spec, answers);
    let relative = checkRelativeTarget(renderText(spec.target, fileAnswers, `${template.name}/template.json target '${spec.target}'`));
    let content = renderSource(template, spec.source, fileAnswers);
    if (spec.language === 'ts' && language === 'js') {
      content = toJavaScript(content, moduleKind, relative);
      relative = relative.replace(/\.ts$/, '.js');
    }
    const absolutePath = path.join(outDir, relative);
    if (seen.has(absolutePath)) throw new ScaffoldError(`${template.name}: two files target ${relative}`, 'template');
    seen.add(absolutePath);
    assertRealInside(project.root, absolutePath, relative);
    const display = path.relative(project.root, absolutePath).split(path.sep).join('/');
    files.push({ path: display, absolutePath, content, ...compareWithDisk(absolutePath, content, display) });
  }
  return {
    template: template.name,
    answers,
    projectRoot: project.root,
    outDir,
    files,
    packages: packagesFor(template, answers, project),
    nextSteps: template.nextSteps.filter((s) => matchesWhen(s.when, answers)).map((s) => renderText(s.text, answers, `${template.name} nextSteps`)),
  };
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
