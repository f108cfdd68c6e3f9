import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnswerValue, ScaffoldPlan, VariableSpec, WriteResult } from '@eos/analyzer/scaffold';

/** The scaffold engine, bundled apart (out/scaffold-engine.js): it carries the TypeScript compiler, loaded on first use only. */
type Engine = typeof import('@eos/analyzer/scaffold');
let engine: Engine | undefined;
function loadEngine(): Engine {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  engine ??= require(path.join(__dirname, 'scaffold-engine.js')) as Engine;
  return engine;
}

/** The scaffold commands and the template each renders. */
export const SCAFFOLD_COMMANDS = [
  { command: 'eos.scaffoldOutbox', template: 'outbox' },
  { command: 'eos.scaffoldDedup', template: 'dedup' },
  { command: 'eos.scaffoldConsumer', template: 'consumer' },
  { command: 'eos.scaffoldPipeline', template: 'pipeline' },
  { command: 'eos.scaffoldSaga', template: 'saga' },
  { command: 'eos.scaffoldSink', template: 'sink' },
] as const;

/**
 * Arguments of the scaffold commands. Given answers are not asked; with `yes`, unanswered
 * questions take their defaults (as the CLI's `--yes`). With arguments nothing modal is shown:
 * files that exist with other content are overwritten only with `overwrite: true`.
 */
export interface ScaffoldCommandArgs {
  /** Project folder (absolute); the first workspace folder when omitted. */
  folder?: string;
  /** Answers by variable name, e.g. `{ store: 'sqlite', out: 'src/dedup' }`. */
  answers?: Record<string, AnswerValue>;
  yes?: boolean;
  overwrite?: boolean;
}

/** What a scaffold command did (returned to callers such as tests). */
export interface ScaffoldOutcome {
  status: 'written' | 'cancelled' | 'refused' | 'failed';
  /** Project-relative paths written / left as they were. */
  written: string[];
  unchanged: string[];
  /** Files that exist with different content (when refused). */
  conflicts: string[];
  nextSteps: string[];
  message?: string;
}

class Cancelled extends Error {}

/** Where the templates are: bundled into out/templates by scripts/build.mjs (from @eos/templates), in development too. */
export function templatesRoot(extensionPath: string): string {
  return path.join(extensionPath, 'out', 'templates');
}

/**
 * Runs one scaffold: asks what the CLI asks (QuickPick for choices, InputBox with the engine's own
 * validation for names and paths), shows the file plan, and writes it as one atomic set. Existing
 * files with other content are never overwritten without an explicit confirmation.
 */
export async function runScaffold(templateName: string, extensionPath: string, log: vscode.LogOutputChannel, args?: ScaffoldCommandArgs): Promise<ScaffoldOutcome> {
  const interactive = args === undefined;
  const outcome: ScaffoldOutcome = { status: 'cancelled', written: [], unchanged: [], conflicts: [], nextSteps: [] };
  try {
    if (!vscode.workspace.isTrusted) throw new Error('scaffolding writes files; trust this workspace first');
    const folder = args?.folder ?? (await pickFolder());
    const e = loadEngine();
    const project = e.detectProject(folder);
    const template = e.loadTemplate(templateName, templatesRoot(extensionPath));
    const answers = await e.resolveAnswers(template, {
      given: args?.answers ?? {},
      project,
      yes: args?.yes,
      ask: interactive ? (variable, suggested, earlier) => ask(variable, suggested, templateName, (v, raw) => e.answerProblem(v, raw, project, earlier)) : undefined,
    });
    const plan = e.planScaffold(template, answers, project);
    outcome.nextSteps = e.nextStepLines(plan);
    outcome.conflicts = plan.files.filter((f) => f.status === 'changed').map((f) => f.path);
    let overwrite = args?.overwrite === true;
    if (interactive) {
      const decision = await confirmPlan(plan);
      if (decision === 'cancel') return outcome;
      overwrite = decision === 'overwrite';
    }
    if (outcome.conflicts.length > 0 && !overwrite) {
      outcome.status = 'refused';
      outcome.message = `not written: ${outcome.conflicts.length} file(s) exist with other content (${outcome.conflicts.join(', ')})`;
      log.warn(`scaffold ${templateName}: ${outcome.message}`);
      if (interactive) void vscode.window.showWarningMessage(`eos: ${outcome.message}.`);
      return outcome;
    }
    const result: WriteResult = e.writePlan(plan, { force: overwrite });
    outcome.status = 'written';
    outcome.written = result.written;
    outcome.unchanged = result.unchanged;
    log.info(`scaffold ${templateName}: wrote ${result.written.length} file(s) under ${path.relative(project.root, plan.outDir) || '.'}: ${result.written.join(', ')}`);
    for (const step of outcome.nextSteps) log.info(`  next: ${step}`);
    if (interactive) await announce(templateName, plan, result, outcome.nextSteps);
    return outcome;
  } catch (err) {
    if (err instanceof Cancelled) return outcome;
    outcome.status = 'failed';
    outcome.message = (err as Error).message;
    log.error(`scaffold ${templateName}: ${outcome.message}`);
    if (interactive) void vscode.window.showErrorMessage(`eos scaffold ${templateName}: ${outcome.message}`);
    return outcome;
  }
}

async function pickFolder(): Promise<string> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) throw new Error('open a folder first: scaffolded files are written inside the project');
  if (folders.length === 1) return folders[0].uri.fsPath;
  const picked = await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Project to write the files into' });
  if (!picked) throw new Cancelled();
  return picked.uri.fsPath;
}

/** One question, asked the way its type calls for; validated by the engine as the CLI validates flags. */
async function ask(variable: VariableSpec, suggested: AnswerValue | undefined, templateName: string, problem: (v: VariableSpec, raw: unknown) => string | undefined): Promise<unknown> {
  const title = `eos scaffold ${templateName}`;
  if (variable.type === 'choice' || variable.type === 'boolean') {
    const choices = variable.type === 'boolean' ? ['true', 'false'] : (variable.choices ?? []);
    const items = choices.map((c) => ({ label: c, description: String(suggested) === c ? 'default' : undefined }));
    // The default first, so Enter accepts it as in the terminal.
    items.sort((a, b) => Number(!!b.description) - Number(!!a.description));
    const picked = await vscode.window.showQuickPick(items, { title, placeHolder: variable.prompt, ignoreFocusOut: true });
    if (!picked) throw new Cancelled();
    return variable.type === 'boolean' ? picked.label === 'true' : picked.label;
  }
  const value = await vscode.window.showInputBox({
    title,
    prompt: `${variable.prompt} (--${variable.flag})`,
    value: suggested !== undefined ? String(suggested) : variable.name === 'out' ? `src/${templateName}` : '',
    ignoreFocusOut: true,
    validateInput: (raw) => problem(variable, raw),
  });
  if (value === undefined) throw new Cancelled();
  return value;
}

/** Shows the file plan; returns whether to write, and whether overwriting was confirmed. */
async function confirmPlan(plan: ScaffoldPlan): Promise<'write' | 'overwrite' | 'cancel'> {
  const toWrite = plan.files.filter((f) => f.status !== 'unchanged');
  const changed = plan.files.filter((f) => f.status === 'changed');
  if (toWrite.length === 0) {
    void vscode.window.showInformationMessage(`eos: every file of this ${plan.template} scaffold is already there with the same content.`);
    return 'cancel';
  }
  const mark = { new: 'new', changed: 'EXISTS, differs', unchanged: 'unchanged' } as const;
  const detail = plan.files.map((f) => `${f.path}  (${mark[f.status]})`).join('\n');
  if (changed.length === 0) {
    const write = `Write ${toWrite.length} file${toWrite.length === 1 ? '' : 's'}`;
    const choice = await vscode.window.showInformationMessage(`eos will write these files:`, { modal: true, detail }, write);
    return choice === write ? 'write' : 'cancel';
  }
  for (;;) {
    const overwrite = `Overwrite ${changed.length} existing file${changed.length === 1 ? '' : 's'}`;
    const showDiff = 'Show differences';
    const choice = await vscode.window.showWarningMessage(
      `${changed.length} of these files already exist with different content. Overwrite them?`,
      { modal: true, detail },
      showDiff,
      overwrite,
    );
    if (choice === overwrite) return 'overwrite';
    if (choice !== showDiff) return 'cancel';
    const diff = changed.map((f) => f.diff ?? '').join('\n');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'diff', content: diff }), { preview: true });
  }
}

async function announce(templateName: string, plan: ScaffoldPlan, result: WriteResult, nextSteps: string[]): Promise<void> {
  const first = plan.files.find((f) => result.written.includes(f.path) && /\.[cm]?[jt]s$/.test(f.path));
  if (first) await vscode.window.showTextDocument(vscode.Uri.file(first.absolutePath), { preview: false });
  const steps = nextSteps.length > 0 ? ` Next: ${nextSteps.join('; ')}` : '';
  void vscode.window.showInformationMessage(`eos: ${templateName} scaffold wrote ${result.written.length} file(s).${steps}`);
}
