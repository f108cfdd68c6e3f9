import * as fs from 'node:fs';
import * as path from 'node:path';
import { ScaffoldError } from './errors';
import { MissingPackageError, shippedPath } from '../shipped';

/**
 * Kinds of template variables; see templates/README.md. `outbox` is the folder of an eos outbox
 * the generated code consumes from (or `none`): the engine checks it and derives `composed` and
 * `outboxImport` from it.
 */
export type VariableType = 'choice' | 'identifier' | 'path' | 'boolean' | 'integer' | 'outbox';

/** An answer value. Paths and identifiers are strings. */
export type AnswerValue = string | number | boolean;
export type Answers = Record<string, AnswerValue>;

/** `{ store: "postgres" }` or `{ store: ["mysql", "sqlite"] }`: every key must match. */
export type WhenCondition = Record<string, AnswerValue | AnswerValue[]>;

/** What a default may be derived from in the user's project. */
export type DetectKind = 'store' | 'broker' | 'language' | 'module';

export interface VariableValidation {
  pattern?: string;
  maxLength?: number;
  min?: number;
  max?: number;
  /** Shown after the pattern fails, e.g. "lower-case letters, digits and _". */
  message?: string;
  /**
   * The answer names what a consumer reads (queue, topic, subscription, stream) on the broker that
   * this variable's answer chooses: it is checked against that broker's naming rules instead of
   * `pattern` (see entityNameProblem), within `maxLength`.
   */
  brokerName?: string;
}

export interface VariableSpec {
  name: string;
  flag: string;
  type: VariableType;
  choices?: string[];
  default?: AnswerValue;
  detect?: DetectKind;
  prompt: string;
  required: boolean;
  when?: WhenCondition;
  validation?: VariableValidation;
  /**
   * Only for type identifier: the answer is a comma-separated list of identifiers, each validated
   * like a single one (no empty item, no duplicate); stored as the items joined by ','.
   */
  list?: boolean;
}

export interface FileSpec {
  /** Handlebars source, relative to the template folder (may reach sibling templates). */
  source: string;
  /** Handlebars pattern of the path relative to --out. */
  target: string;
  when?: WhenCondition;
  /** `ts`: TypeScript source, transpiled to JS when the language answer is js. */
  language?: 'ts';
  /**
   * Answers overridden for this file only (its source and its target): a string value is a
   * Handlebars pattern rendered with the answers, other values are taken as they are. This is how
   * a template reuses a sibling's file with other names, e.g. the outbox's files with
   * `{ "table": "{{name}}_outbox" }` next to the dedup store's with `{ "table": "{{name}}_inbox" }`.
   */
  with?: Record<string, AnswerValue>;
}

export interface PackageSpec {
  name: string;
  /** Type package to add as a dev dependency when the language is ts. */
  types?: string;
  when?: WhenCondition;
}

export interface NextStepSpec {
  text: string;
  when?: WhenCondition;
}

/**
 * Another template rendered as part of this one, into a sub-folder of --out: its files, packages
 * and next steps join the plan. `answers` are Handlebars texts rendered with this template's
 * answers; its variables not named there take their defaults.
 */
export interface IncludeSpec {
  template: string;
  /** Handlebars pattern of the sub-folder, relative to this template's --out. */
  out: string;
  answers: Readonly<Record<string, string>>;
  /** false: the included template's next steps are left out (the including one states the whole path). */
  nextSteps: boolean;
  when?: WhenCondition;
}

/** An answer combination the template cannot serve: when `when` matches, the run fails with `message`. */
export interface ConstraintSpec {
  when: WhenCondition;
  message: string;
}

/** A loaded and validated template folder. */
export interface TemplateSpec {
  name: string;
  description: string;
  /** Absolute path of the template folder. */
  dir: string;
  /** Absolute path of the templates root (sources may not leave it). */
  root: string;
  variables: VariableSpec[];
  files: FileSpec[];
  packages: PackageSpec[];
  nextSteps: NextStepSpec[];
  constraints: ConstraintSpec[];
  includes: IncludeSpec[];
}

/** The answer of an `outbox` variable that names no outbox. */
export const NO_OUTBOX = 'none';

/**
 * Answers the engine derives from an `outbox` variable (a template has at most one): `composed` is
 * true when it names an outbox; `outboxImport` is the module path from --out to that outbox
 * (`../outbox`), set once --out is known.
 */
export const DERIVED_OUTBOX_ANSWERS = ['composed', 'outboxImport'] as const;

/** Variables every template gets without declaring them (templates/README.md, "Built-in variables"). */
export const BUILTIN_VARIABLES: readonly VariableSpec[] = [
  {
    name: 'out',
    flag: 'out',
    type: 'path',
    prompt: 'Directory to write the files to (inside this project)',
    required: true,
  },
  {
    name: 'language',
    flag: 'language',
    type: 'choice',
    choices: ['ts', 'js'],
    detect: 'language',
    default: 'ts',
    prompt: 'Language of the generated code',
    required: false,
  },
  {
    name: 'module',
    flag: 'module',
    type: 'choice',
    choices: ['esm', 'cjs'],
    detect: 'module',
    default: 'cjs',
    prompt: 'Module system of the generated code',
    required: false,
  },
];

const VARIABLE_TYPES: readonly VariableType[] = ['choice', 'identifier', 'path', 'boolean', 'integer', 'outbox'];
const DETECT_KINDS: readonly DetectKind[] = ['store', 'broker', 'language', 'module'];
const NAME_PATTERN = /^[a-z][a-zA-Z0-9]*$/;
const FLAG_PATTERN = /^[a-z][a-z0-9-]*$/;
const TEMPLATE_NAME = /^[a-z][a-z0-9-]*$/;

/** The package that ships eos's templates (the repository's `templates/` folder). */
export const TEMPLATES_PACKAGE = '@eos/templates';

/** Folder of the templates shipped with eos: the installed `@eos/templates` package. */
export function defaultTemplatesRoot(): string {
  try {
    return shippedPath(TEMPLATES_PACKAGE);
  } catch (err) {
    if (err instanceof MissingPackageError) throw new ScaffoldError(err.message, 'template');
    throw err;
  }
}

/** Names of the templates under `root` (folders holding a template.json), sorted. */
export function listTemplateNames(root: string = defaultTemplatesRoot()): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch {
    throw new ScaffoldError(`templates folder not found: ${root}`, 'template');
  }
  const names = entries
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(root, e.name, 'template.json')))
    .map((e) => e.name)
    .sort();
  // A templates folder without a template is a broken install (or a wrong templatesRoot), not an empty catalogue.
  if (names.length === 0) throw new ScaffoldError(`no templates in ${root} (no folder holds a template.json)`, 'template');
  return names;
}

/** Loads every template under `root`. */
export function loadTemplates(root: string = defaultTemplatesRoot()): TemplateSpec[] {
  return listTemplateNames(root).map((name) => loadTemplate(name, root));
}

/**
 * Reads and validates `<root>/<name>/template.json`. Every problem found is reported at once,
 * naming the file, so a template author fixes them in one pass.
 */
export function loadTemplate(name: string, root: string = defaultTemplatesRoot()): TemplateSpec {
  if (!TEMPLATE_NAME.test(name)) throw new ScaffoldError(`unknown template '${name}'`, 'usage');
  const dir = path.join(root, name);
  const file = path.join(dir, 'template.json');
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const known = listTemplateNamesSafe(root);
    if (!fs.existsSync(file)) {
      throw new ScaffoldError(`unknown template '${name}' (known: ${known.join(', ') || 'none'})`, 'usage');
    }
    throw new ScaffoldError(`${file}: not valid JSON (${(err as Error).message})`, 'template');
  }
  const problems: string[] = [];
  const spec = checkTemplate(raw, name, problems);
  for (const f of spec.files) {
    const source = path.resolve(dir, f.source);
    if (!isInside(root, source)) problems.push(`files: source '${f.source}' leaves the templates folder`);
    else if (!fs.existsSync(source)) problems.push(`files: source '${f.source}' does not exist`);
  }
  for (const inc of spec.includes) {
    if (inc.template && !fs.existsSync(path.join(root, inc.template, 'template.json'))) problems.push(`includes: no template '${inc.template}' next to this one`);
  }
  if (problems.length > 0) {
    throw new ScaffoldError(`${file}: invalid template:\n  - ${problems.join('\n  - ')}`, 'template');
  }
  return { ...spec, dir, root };
}

function listTemplateNamesSafe(root: string): string[] {
  try {
    return listTemplateNames(root);
  } catch {
    return [];
  }
}

/** Whether `child` is `parent` or below it (both absolute, already normalised). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isAnswerValue = (v: unknown): v is AnswerValue =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

function checkTemplate(raw: unknown, folder: string, problems: string[]): Omit<TemplateSpec, 'dir' | 'root'> {
  const empty = { name: folder, description: '', variables: [], files: [], packages: [], nextSteps: [], constraints: [], includes: [] };
  if (!isObj(raw)) {
    problems.push('top level must be an object');
    return empty;
  }
  if (raw.name !== folder) problems.push(`name must equal the folder name '${folder}'`);
  if (typeof raw.description !== 'string' || raw.description === '') problems.push('description must be a non-empty string');
  const variables = list(raw.variables, 'variables', problems).map((v, i) => checkVariable(v, `variables[${i}]`, problems));
  const names = new Set<string>(BUILTIN_VARIABLES.map((b) => b.name));
  const flags = new Set<string>(BUILTIN_VARIABLES.map((b) => b.flag));
  for (const v of variables) {
    if (names.has(v.name)) problems.push(`variables: duplicate or built-in name '${v.name}'`);
    if (flags.has(v.flag)) problems.push(`variables: duplicate or built-in flag '--${v.flag}'`);
    names.add(v.name);
    flags.add(v.flag);
  }
  const outboxVariables = variables.filter((v) => v.type === 'outbox');
  if (outboxVariables.length > 1) problems.push(`variables: at most one variable of type outbox (found ${outboxVariables.map((v) => v.name).join(', ')})`);
  if (outboxVariables.length > 0) for (const derived of DERIVED_OUTBOX_ANSWERS) names.add(derived);
  const whenOf = (w: unknown, where: string): WhenCondition | undefined => checkWhen(w, where, names, problems);
  for (const [i, v] of variables.entries()) v.when = whenOf((raw.variables as Obj[])[i]?.when, `variables[${i}].when`);
  const files = list(raw.files, 'files', problems).map((f, i): FileSpec => {
    const where = `files[${i}]`;
    if (!isObj(f)) {
      problems.push(`${where} must be an object`);
      return { source: '', target: '' };
    }
    if (typeof f.source !== 'string' || f.source === '') problems.push(`${where}.source must be a non-empty string`);
    if (typeof f.target !== 'string' || f.target === '') problems.push(`${where}.target must be a non-empty string`);
    if (f.language !== undefined && f.language !== 'ts') problems.push(`${where}.language must be "ts" when present`);
    const bindings = checkWith(f.with, `${where}.with`, problems);
    return {
      source: String(f.source ?? ''),
      target: String(f.target ?? ''),
      when: whenOf(f.when, `${where}.when`),
      ...(f.language === 'ts' ? { language: 'ts' as const } : {}),
      ...(bindings ? { with: bindings } : {}),
    };
  });
  const includes = optionalList(raw.includes, 'includes', problems).map((inc, i): IncludeSpec => {
    const where = `includes[${i}]`;
    if (!isObj(inc)) {
      problems.push(`${where} must be an object`);
      return { template: '', out: '', answers: {}, nextSteps: true };
    }
    if (typeof inc.template !== 'string' || !TEMPLATE_NAME.test(inc.template)) problems.push(`${where}.template must name a template folder`);
    else if (inc.template === folder) problems.push(`${where}.template cannot include itself`);
    if (typeof inc.out !== 'string' || inc.out === '') problems.push(`${where}.out must be a non-empty string`);
    const answers: Record<string, string> = {};
    if (inc.answers !== undefined && !isObj(inc.answers)) problems.push(`${where}.answers must be an object of name → text`);
    for (const [k, v] of Object.entries(isObj(inc.answers) ? inc.answers : {})) {
      if (typeof v !== 'string') problems.push(`${where}.answers.${k} must be a string (a Handlebars text)`);
      else answers[k] = v;
    }
    if (inc.nextSteps !== undefined && typeof inc.nextSteps !== 'boolean') problems.push(`${where}.nextSteps must be true or false`);
    return { template: String(inc.template ?? ''), out: String(inc.out ?? ''), answers, nextSteps: inc.nextSteps !== false, when: whenOf(inc.when, `${where}.when`) };
  });
  if (files.length === 0 && includes.length === 0) problems.push('files must list at least one file (or includes one template)');
  const packages = optionalList(raw.packages, 'packages', problems).map((p, i): PackageSpec => {
    const where = `packages[${i}]`;
    if (!isObj(p) || typeof p.name !== 'string') {
      problems.push(`${where} must be an object with a string name`);
      return { name: '' };
    }
    if (p.types !== undefined && typeof p.types !== 'string') problems.push(`${where}.types must be a string`);
    return { name: p.name, ...(typeof p.types === 'string' ? { types: p.types } : {}), when: whenOf(p.when, `${where}.when`) };
  });
  const nextSteps = optionalList(raw.nextSteps, 'nextSteps', problems).map((s, i): NextStepSpec => {
    const where = `nextSteps[${i}]`;
    if (!isObj(s) || typeof s.text !== 'string') {
      problems.push(`${where} must be an object with a string text`);
      return { text: '' };
    }
    return { text: s.text, when: whenOf(s.when, `${where}.when`) };
  });
  const constraints = optionalList(raw.constraints, 'constraints', problems).flatMap((c, i): ConstraintSpec[] => {
    const where = `constraints[${i}]`;
    const when = isObj(c) ? whenOf(c.when, `${where}.when`) : undefined;
    if (!isObj(c) || !when || typeof c.message !== 'string' || c.message === '') {
      problems.push(`${where} must be an object with a when condition and a non-empty message`);
      return [];
    }
    return [{ when, message: c.message }];
  });
  return { name: folder, description: String(raw.description ?? ''), variables, files, packages, nextSteps, constraints, includes };
}

function list(v: unknown, where: string, problems: string[]): unknown[] {
  if (!Array.isArray(v)) {
    problems.push(`${where} must be an array`);
    return [];
  }
  return v;
}

function optionalList(v: unknown, where: string, problems: string[]): unknown[] {
  return v === undefined ? [] : list(v, where, problems);
}

function checkWith(w: unknown, where: string, problems: string[]): Record<string, AnswerValue> | undefined {
  if (w === undefined) return undefined;
  if (!isObj(w)) {
    problems.push(`${where} must be an object of name → value`);
    return undefined;
  }
  for (const [k, v] of Object.entries(w)) {
    if (!NAME_PATTERN.test(k)) problems.push(`${where}: name '${k}' must match ${NAME_PATTERN}`);
    if (!isAnswerValue(v)) problems.push(`${where}.${k} must be a string, number or boolean`);
  }
  return w as Record<string, AnswerValue>;
}

function checkVariable(v: unknown, where: string, problems: string[]): VariableSpec {
  if (!isObj(v)) {
    problems.push(`${where} must be an object`);
    return { name: '', flag: '', type: 'choice', prompt: '', required: false };
  }
  const name = typeof v.name === 'string' ? v.name : '';
  if (!NAME_PATTERN.test(name)) problems.push(`${where}.name must match ${NAME_PATTERN}`);
  const flag = v.flag === undefined ? name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`) : v.flag;
  if (typeof flag !== 'string' || !FLAG_PATTERN.test(flag)) problems.push(`${where}.flag must match ${FLAG_PATTERN}`);
  const type = v.type as VariableType;
  if (!VARIABLE_TYPES.includes(type)) problems.push(`${where}.type must be one of ${VARIABLE_TYPES.join('|')}`);
  let choices: string[] | undefined;
  if (type === 'choice') {
    if (!Array.isArray(v.choices) || v.choices.length === 0 || !v.choices.every((c) => typeof c === 'string')) {
      problems.push(`${where}.choices must be a non-empty array of strings for type choice`);
    } else choices = v.choices as string[];
  } else if (v.choices !== undefined) problems.push(`${where}.choices is only allowed for type choice`);
  if (v.default !== undefined && !isAnswerValue(v.default)) problems.push(`${where}.default must be a string, number or boolean`);
  if (choices && typeof v.default === 'string' && !choices.includes(v.default)) {
    problems.push(`${where}.default '${v.default}' is not one of its choices`);
  }
  if (v.detect !== undefined && !DETECT_KINDS.includes(v.detect as DetectKind)) {
    problems.push(`${where}.detect must be one of ${DETECT_KINDS.join('|')}`);
  }
  if (typeof v.prompt !== 'string' || v.prompt === '') problems.push(`${where}.prompt must be a non-empty string`);
  if (v.required !== undefined && typeof v.required !== 'boolean') problems.push(`${where}.required must be a boolean`);
  let validation: VariableValidation | undefined;
  if (v.validation !== undefined) {
    if (!isObj(v.validation)) problems.push(`${where}.validation must be an object`);
    else {
      validation = v.validation as VariableValidation;
      if (validation.brokerName !== undefined && typeof validation.brokerName !== 'string') problems.push(`${where}.validation.brokerName must name the variable that chooses the broker`);
      if (validation.pattern !== undefined) {
        try {
          new RegExp(validation.pattern);
        } catch {
          problems.push(`${where}.validation.pattern is not a valid regular expression`);
        }
      }
    }
  }
  if (v.list !== undefined && (typeof v.list !== 'boolean' || type !== 'identifier')) {
    problems.push(`${where}.list must be a boolean, and only for type identifier`);
  }
  return {
    name,
    flag: typeof flag === 'string' ? flag : name,
    type,
    ...(choices ? { choices } : {}),
    ...(isAnswerValue(v.default) ? { default: v.default } : {}),
    ...(v.detect !== undefined ? { detect: v.detect as DetectKind } : {}),
    prompt: String(v.prompt ?? ''),
    required: v.required === true,
    ...(validation ? { validation } : {}),
    ...(v.list === true && type === 'identifier' ? { list: true } : {}),
  };
}

function checkWhen(w: unknown, where: string, names: ReadonlySet<string>, problems: string[]): WhenCondition | undefined {
  if (w === undefined) return undefined;
  if (!isObj(w)) {
    problems.push(`${where} must be an object of variable → value(s)`);
    return undefined;
  }
  for (const [k, v] of Object.entries(w)) {
    if (!names.has(k)) problems.push(`${where} names unknown variable '${k}'`);
    const ok = Array.isArray(v) ? v.every(isAnswerValue) : isAnswerValue(v);
    if (!ok) problems.push(`${where}.${k} must be a value or an array of values`);
  }
  return w as WhenCondition;
}

/** Whether answers satisfy a `when` condition (absent condition = always). */
export function matchesWhen(when: WhenCondition | undefined, answers: Answers): boolean {
  if (!when) return true;
  return Object.entries(when).every(([k, v]) => (Array.isArray(v) ? v.includes(answers[k]) : answers[k] === v));
}

/** Variables of a template in prompt order: the template's own, then the built-ins. */
export function allVariables(template: TemplateSpec): VariableSpec[] {
  return [...template.variables, ...BUILTIN_VARIABLES];
}
