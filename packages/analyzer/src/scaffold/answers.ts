import { MissingAnswerError, ScaffoldError } from './errors';
import { entityNameProblem } from './identifiers';
import { resolveOutDir } from './paths';
import { detectedDefault, findOutboxes, outboxBrokerIn, type ProjectInfo } from './project';
import { allVariables, matchesWhen, NO_OUTBOX, type Answers, type AnswerValue, type TemplateSpec, type VariableSpec } from './template';

/**
 * A SQL identifier that needs no case folding and no quoting tricks on any dialect: lower-case
 * letter or underscore, then lower-case letters, digits, underscores. 63 = PostgreSQL's limit.
 */
export const DEFAULT_IDENTIFIER_PATTERN = '^[a-z_][a-z0-9_]*$';
export const DEFAULT_IDENTIFIER_MAX_LENGTH = 63;

/**
 * Asks one question interactively; given the suggested default, returns the raw answer. `answers`
 * holds the earlier answers, for validating this one (`answerProblem`).
 */
export type AskFn = (variable: VariableSpec, suggested: AnswerValue | undefined, answers: Readonly<Answers>) => Promise<unknown>;

export interface ResolveOptions {
  /** Raw values given on the command line, by variable name (undefined = not given). */
  given: Readonly<Record<string, unknown>>;
  project: ProjectInfo;
  /** Accept every default without asking. */
  yes?: boolean;
  /** Present only when a terminal can be asked; without it a missing required answer fails at once. */
  ask?: AskFn;
  /** Outboxes written by the same plan (absolute folder → broker), which are not on disk yet. */
  plannedOutboxes?: ReadonlyMap<string, string>;
}

/**
 * The suggested default: detected from the project, else the template's literal default. For an
 * `outbox` variable: the one eos outbox in the project that publishes to the `broker` answered so
 * far, else `none` (several candidates are never guessed between).
 */
export function suggestedDefault(variable: VariableSpec, project: ProjectInfo, answers: Answers = {}): AnswerValue | undefined {
  if (variable.type === 'outbox') {
    const candidates = findOutboxes(project.root).filter((o) => answers.broker === undefined || o.broker === answers.broker);
    return candidates.length === 1 ? candidates[0].relative : NO_OUTBOX;
  }
  const detected = variable.detect ? detectedDefault(variable.detect, project, variable.choices) : undefined;
  return detected ?? variable.default;
}

/**
 * Checks an `outbox` answer against the project and the answers so far: `none`, or a folder that
 * holds an eos outbox (on disk, or planned in the same run) publishing to the `broker` answer.
 * Sets the derived `composed` answer.
 */
function settleOutbox(variable: VariableSpec, answers: Answers, project: ProjectInfo, planned: ReadonlyMap<string, string> = new Map()): void {
  const value = String(answers[variable.name]);
  answers.composed = value !== NO_OUTBOX;
  if (value === NO_OUTBOX) return;
  const dir = resolveOutDir(project.root, value);
  const broker = planned.get(dir) ?? outboxBrokerIn(dir);
  const flag = `--${variable.flag} ${value}`;
  if (!broker) {
    throw new ScaffoldError(`${flag}: no eos outbox there (expected outbox-relay and outbox-publisher, as \`eos scaffold outbox\` writes them); pass --${variable.flag} ${NO_OUTBOX} to consume without one`, 'usage');
  }
  if (answers.broker !== undefined && broker !== answers.broker) {
    throw new ScaffoldError(`${flag}: that outbox publishes to ${broker}, not ${String(answers.broker)}`, 'usage');
  }
}

/**
 * Resolves every variable of a template: flag > prompt > detected default > literal default.
 * Variables whose `when` does not match the earlier answers are skipped. Throws
 * MissingAnswerError (exit 2) when a required answer has no flag, `--yes` is not given and there
 * is no way to ask; ScaffoldError naming the flag when a value is invalid.
 */
export async function resolveAnswers(template: TemplateSpec, options: ResolveOptions): Promise<Answers> {
  const answers: Answers = {};
  const variables = allVariables(template);
  const unknown = Object.keys(options.given).filter((k) => options.given[k] !== undefined && !variables.some((v) => v.name === k));
  if (unknown.length > 0) throw new ScaffoldError(`template ${template.name} has no option ${unknown.map((k) => `'${k}'`).join(', ')}`, 'usage');
  // Bad values first, then missing required flags, all before asking anything: a script learns
  // what is wrong with its command line at once instead of after a prompt it cannot answer.
  for (const v of variables) if (options.given[v.name] !== undefined) validateAnswer(v, options.given[v.name], options.project, options.given);
  if (!options.ask && !options.yes) {
    const missing = variables.find((v) => v.required && options.given[v.name] === undefined);
    if (missing) throw new MissingAnswerError(missing.name, missing.flag, missing.choices);
  }
  for (const variable of variables) {
    if (!matchesWhen(variable.when, answers)) continue;
    const raw = options.given[variable.name];
    if (raw !== undefined) {
      answers[variable.name] = validateAnswer(variable, raw, options.project, answers);
    } else {
      const suggested = suggestedDefault(variable, options.project, answers);
      if (options.yes || (!options.ask && !variable.required)) {
        if (suggested === undefined) {
          if (variable.required) throw new MissingAnswerError(variable.name, variable.flag, variable.choices);
          continue;
        }
        answers[variable.name] = validateAnswer(variable, suggested, options.project, answers);
      } else {
        if (!options.ask) throw new MissingAnswerError(variable.name, variable.flag, variable.choices);
        answers[variable.name] = validateAnswer(variable, await options.ask(variable, suggested, { ...answers }), options.project, answers);
      }
    }
    if (variable.type === 'outbox') settleOutbox(variable, answers, options.project, options.plannedOutboxes);
  }
  checkConstraints(template, answers);
  return answers;
}

/**
 * Answers of a template included by another: the given texts (already rendered), every other
 * variable its default, nothing asked. A required variable without a default is the including
 * template's mistake.
 */
export function resolveIncludedAnswers(template: TemplateSpec, given: Readonly<Record<string, unknown>>, project: ProjectInfo, plannedOutboxes?: ReadonlyMap<string, string>): Answers {
  const variables = allVariables(template);
  const unknown = Object.keys(given).filter((k) => !variables.some((v) => v.name === k));
  if (unknown.length > 0) throw new ScaffoldError(`includes of ${template.name}: it has no variable ${unknown.join(', ')}`, 'template');
  const answers: Answers = {};
  for (const variable of variables) {
    if (!matchesWhen(variable.when, answers)) continue;
    const raw = given[variable.name] ?? suggestedDefault(variable, project, answers);
    if (raw === undefined) {
      if (variable.required) throw new ScaffoldError(`includes of ${template.name}: no answer for its required variable ${variable.name}`, 'template');
      continue;
    }
    answers[variable.name] = validateAnswer(variable, raw, project, answers);
    if (variable.type === 'outbox') settleOutbox(variable, answers, project, plannedOutboxes);
  }
  checkConstraints(template, answers);
  return answers;
}

function checkConstraints(template: TemplateSpec, answers: Answers): void {
  const violated = template.constraints.find((c) => matchesWhen(c.when, answers));
  if (violated) throw new ScaffoldError(violated.message, 'usage');
}

/** The problem with a raw answer, or undefined when it is valid (for prompt validation). */
export function answerProblem(variable: VariableSpec, raw: unknown, project: ProjectInfo, answers: Readonly<Record<string, unknown>> = {}): string | undefined {
  try {
    validateAnswer(variable, raw, project, answers);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Converts and checks one raw answer; throws a ScaffoldError naming the flag. `answers` (the
 * others given or resolved so far) matter to a name checked against the chosen broker's rules.
 */
export function validateAnswer(variable: VariableSpec, raw: unknown, project: ProjectInfo, answers: Readonly<Record<string, unknown>> = {}): AnswerValue {
  const flag = `--${variable.flag}`;
  const fail = (why: string): never => {
    throw new ScaffoldError(`${flag} ${quoted(raw)}: ${why}`, 'usage');
  };
  switch (variable.type) {
    case 'choice': {
      const value = String(raw);
      if (!variable.choices?.includes(value)) fail(`must be one of ${variable.choices?.join('|')}`);
      return value;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const text = String(raw).toLowerCase();
      if (['true', 'yes', '1'].includes(text)) return true;
      if (['false', 'no', '0'].includes(text)) return false;
      return fail('must be true or false');
    }
    case 'integer': {
      const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
      if (!Number.isSafeInteger(n) || String(raw).trim() === '') fail('must be an integer');
      const { min, max } = variable.validation ?? {};
      if (min !== undefined && n < min) fail(`must be at least ${min}`);
      if (max !== undefined && n > max) fail(`must be at most ${max}`);
      return n;
    }
    case 'identifier': {
      if (typeof raw !== 'string') return fail(variable.list ? 'must be a comma-separated list of names' : 'must be a name');
      if (variable.list) return validateIdentifierList(raw, (item) => validateAnswer({ ...variable, list: false }, item, project, answers), fail);
      const maxLength = variable.validation?.maxLength ?? DEFAULT_IDENTIFIER_MAX_LENGTH;
      const brokerName = variable.validation?.brokerName;
      if (brokerName !== undefined) {
        const problem = entityNameProblem(raw, answers[brokerName], maxLength);
        return problem === undefined ? raw : fail(problem);
      }
      const pattern = new RegExp(variable.validation?.pattern ?? DEFAULT_IDENTIFIER_PATTERN);
      if (raw.length === 0 || raw.length > maxLength) fail(`must be 1 to ${maxLength} characters`);
      if (!pattern.test(raw)) fail(variable.validation?.message ?? `must match ${pattern.source} (lower-case letters, digits and _)`);
      return raw;
    }
    case 'path': {
      if (typeof raw !== 'string') return fail('must be a path');
      resolveOutDir(project.root, raw);
      return raw;
    }
    case 'outbox': {
      if (typeof raw !== 'string' || raw.trim() === '') return fail(`must be the folder of an eos outbox, or ${NO_OUTBOX}`);
      if (raw === NO_OUTBOX) return raw;
      resolveOutDir(project.root, raw);
      return raw;
    }
  }
}

/**
 * A list answer (`"list": true`): comma-separated items, each checked by `validateItem` (the single
 * identifier's validation), none empty or repeated. Returns the items joined by ',' without spaces.
 */
function validateIdentifierList(raw: string, validateItem: (item: string) => AnswerValue, fail: (why: string) => never): string {
  const items = raw.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) fail('must be a comma-separated list of names, without empty items');
  // A bad item fails with its own message, which names the flag and the item.
  for (const item of items) validateItem(item);
  const repeated = items.find((item, index) => items.indexOf(item) !== index);
  if (repeated !== undefined) fail(`lists '${repeated}' twice`);
  return items.join(',');
}

/** Longest answer quoted whole in an error; a longer one is cut (a pasted file would flood the terminal). */
const QUOTED_MAX = 40;

/** A raw answer as an error shows it: JSON-quoted, cut after QUOTED_MAX characters with its length. */
function quoted(raw: unknown): string {
  if (typeof raw === 'string' && raw.length > QUOTED_MAX) return `${JSON.stringify(`${raw.slice(0, QUOTED_MAX - 8)}…`)} (${raw.length} characters)`;
  return JSON.stringify(raw) ?? String(raw);
}
