import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ts } from 'ts-morph';
import type { SeverityOrOff } from '../types';
import type { RuleSetting } from '../engine/analyzer';
import { kindAndValue, optionProblem, type OptionsSchema } from '../engine/rule-options';

/** The name of the dedicated configuration file, looked up from the working directory upward. */
export const CONFIG_FILE_NAME = 'eos.config.json';

const SEVERITIES: readonly SeverityOrOff[] = ['off', 'info', 'warning', 'error'];
const TOP_LEVEL_KEYS = ['$schema', 'rules', 'ignore', 'includeTests', 'maxFileSize'];

/**
 * A rule as configuration sees it: its id and the options it declares (none when absent). Every
 * `Rule` is one.
 */
export interface ConfigurableRule {
  meta: { id: string };
  options?: OptionsSchema;
}

/**
 * The rules a configuration may name, or a function giving them: called only when the
 * configuration has rule settings, so a caller can avoid loading the rules otherwise. Given as
 * rules, their options are checked too; given as bare ids, only the ids are.
 */
export type RuleIds = ReadonlyArray<string | ConfigurableRule> | (() => ReadonlyArray<string | ConfigurableRule>);

/**
 * Validated configuration, as written in `eos.config.json` or under the `eos` key of
 * `package.json`:
 * `{ "rules": { "<rule-id>": "off" | "info" | "warning" | "error" | [severity, options] },
 *    "ignore": ["generated/**"], "includeTests": false, "maxFileSize": 4194304 }`
 */
export interface EosConfig {
  rules: Record<string, RuleSetting>;
  /** picomatch globs, relative to the directory of the file that declared them. */
  ignore: string[];
  /** Analyse test folders and files found by walking (default false; see audit/files.ts `TEST_DIRECTORIES`). */
  includeTests?: boolean;
  /** Largest file analysed, in bytes. */
  maxFileSize?: number;
}

/** Configuration together with where it came from. */
export interface LoadedConfig {
  config: EosConfig;
  /** The file it was read from; undefined when none was found (defaults apply). */
  file?: string;
  /** Directory that relative paths in the configuration (the ignore globs) are relative to. */
  baseDir: string;
  /**
   * Set when the configuration was found above the project it applies to, outside any git
   * repository: the folder of the nearest package.json below it. Front ends say so, since a
   * stray eos.config.json in a parent folder (a home or temp folder) could silence the project.
   */
  aboveProject?: string;
}

/** A configuration that cannot be used. The message names the file and the key path. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    /** Dotted path of the offending key, e.g. `rules.ack-before-process`; empty for the whole file. */
    readonly keyPath: string,
    readonly reason: string,
  ) {
    super(`${file}${keyPath ? `: ${keyPath}` : ''}: ${reason}`);
    this.name = 'ConfigError';
  }
}

/**
 * Finds and validates the configuration that applies in `cwd`: the nearest `eos.config.json`, or
 * `package.json` with an `eos` key, in `cwd` or a parent directory (the first found wins; a
 * package.json without `eos` is passed over). The search ends at the root of the git repository
 * (the folder holding `.git`): a configuration above it belongs to another project. Outside a
 * repository it goes on up, and a configuration found above the nearest package.json is marked
 * `aboveProject`. `explicitFile` skips the search.
 * Throws ConfigError for unreadable, malformed or invalid configuration.
 */
export function loadConfig(cwd: string, knownRuleIds: RuleIds, explicitFile?: string): LoadedConfig {
  if (explicitFile !== undefined) {
    const file = path.resolve(cwd, explicitFile);
    const raw = readJson(file);
    const value = path.basename(file) === 'package.json' ? (raw as Record<string, unknown> | null)?.eos : raw;
    if (value === undefined) throw new ConfigError(file, '', 'has no "eos" key');
    return { config: validateConfig(value, file, path.basename(file) === 'package.json' ? 'eos' : '', knownRuleIds), file, baseDir: path.dirname(file) };
  }
  let nearestPackage: string | undefined;
  const found = (config: EosConfig, file: string, dir: string): LoadedConfig => {
    const above = nearestPackage !== undefined && nearestPackage !== dir && !inRepository(dir) ? nearestPackage : undefined;
    return { config, file, baseDir: dir, ...(above ? { aboveProject: above } : {}) };
  };
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const dedicated = path.join(dir, CONFIG_FILE_NAME);
    if (fs.existsSync(dedicated)) return found(validateConfig(readJson(dedicated), dedicated, '', knownRuleIds), dedicated, dir);
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      const json = readJson(pkg);
      if (isObject(json) && 'eos' in json) return found(validateConfig(json.eos, pkg, 'eos', knownRuleIds), pkg, dir);
      nearestPackage ??= dir;
    }
    // The repository root: whatever lies above is not this project's (and inside a repository, a
    // configuration above a workspace package's package.json is the monorepo's own, not a stray).
    if (fs.existsSync(path.join(dir, '.git'))) break;
    if (path.dirname(dir) === dir) break;
  }
  return { config: { rules: {}, ignore: [] }, baseDir: path.resolve(cwd) };
}

/** Whether `dir` or a folder above it holds `.git`. */
function inRepository(dir: string): boolean {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) return true;
    if (path.dirname(d) === d) return false;
  }
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(file, '', `cannot read${code ? ` (${code})` : ''}`);
  }
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new ConfigError(file, '', `invalid JSON: ${jsonErrorWithPosition(file, text, (e as Error).message)}`);
  }
}

/**
 * Adds the line and column of a JSON syntax error. Node's own message carries a position only in
 * some versions, so the position comes from TypeScript's JSON parser, which reports one always.
 */
function jsonErrorWithPosition(file: string, text: string, message: string): string {
  // Required only here: loading the compiler for every run would cost more than the whole check
  // of a cached `eos audit` rerun.
  const { ts } = require('ts-morph') as typeof import('ts-morph');
  const parsed = ts.parseJsonText(file, text) as ts.JsonSourceFile & { parseDiagnostics?: ts.Diagnostic[] };
  const first = parsed.parseDiagnostics?.[0];
  const offset = first?.start ?? Number(/at position (\d+)/.exec(message)?.[1] ?? NaN);
  // Node quotes the text around the error ('..."a\n b"... is not valid JSON'), line breaks included.
  const reason = message.replace(/\s*\(?(in JSON )?at position \d+.*$/, '').replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, '').replace(/\s*[\r\n]+\s*/g, ' ').trim();
  if (Number.isNaN(offset)) return reason;
  const { line, character } = ts.getLineAndCharacterOfPosition(parsed, offset);
  return `${reason} at line ${line + 1} column ${character + 1}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A key path one level down; a key that is not a plain name is JSON-quoted, so an error stays one line. */
const join = (prefix: string, key: string) => {
  const shown = /^[\w$@./-]+$/.test(key) ? key : JSON.stringify(key);
  return prefix ? `${prefix}.${shown}` : shown;
};

/**
 * Checks a parsed configuration value strictly: unknown keys, unknown rule ids, bad severities
 * and wrong types are errors (a typo must not silently leave a rule at its default).
 */
export function validateConfig(value: unknown, file: string, prefix: string, ruleIds: RuleIds): EosConfig {
  if (!isObject(value)) throw new ConfigError(file, prefix, `must be an object, got ${kindAndValue(value)}`);
  for (const key of Object.keys(value)) {
    if (!TOP_LEVEL_KEYS.includes(key)) {
      throw new ConfigError(file, join(prefix, key), `unknown key (allowed: ${TOP_LEVEL_KEYS.filter((k) => k !== '$schema').join(', ')})`);
    }
  }
  const config: EosConfig = { rules: {}, ignore: [] };
  if (value.rules !== undefined) {
    const rulesPath = join(prefix, 'rules');
    if (!isObject(value.rules)) throw new ConfigError(file, rulesPath, `must be an object mapping rule ids to severities, got ${kindAndValue(value.rules)}`);
    const known = typeof ruleIds === 'function' ? ruleIds() : ruleIds;
    const knownRuleIds = known.map((r) => (typeof r === 'string' ? r : r.meta.id));
    for (const [id, setting] of Object.entries(value.rules)) {
      const keyPath = join(rulesPath, id);
      if (!knownRuleIds.includes(id)) {
        throw new ConfigError(file, keyPath, `unknown rule id${knownRuleIds.length ? ` (known: ${knownRuleIds.join(', ')})` : ''}`);
      }
      const rule = known.find((r) => typeof r !== 'string' && r.meta.id === id);
      config.rules[id] = validateRuleSetting(setting, file, keyPath, typeof rule === 'object' ? rule : undefined);
    }
  }
  if (value.ignore !== undefined) {
    const keyPath = join(prefix, 'ignore');
    if (!Array.isArray(value.ignore)) throw new ConfigError(file, keyPath, `must be an array of glob strings, got ${kindAndValue(value.ignore)}`);
    value.ignore.forEach((g, i) => {
      if (typeof g !== 'string' || g.trim() === '') throw new ConfigError(file, `${keyPath}[${i}]`, `must be a non-empty glob string, got ${kindAndValue(g)}`);
      config.ignore.push(g);
    });
  }
  if (value.includeTests !== undefined) {
    const keyPath = join(prefix, 'includeTests');
    if (typeof value.includeTests !== 'boolean') throw new ConfigError(file, keyPath, `must be true or false, got ${kindAndValue(value.includeTests)}`);
    config.includeTests = value.includeTests;
  }
  if (value.maxFileSize !== undefined) {
    const keyPath = join(prefix, 'maxFileSize');
    const n = value.maxFileSize;
    if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) throw new ConfigError(file, keyPath, `must be a positive integer number of bytes, got ${asWritten(n)}`);
    config.maxFileSize = n;
  }
  return config;
}

/** A rule's setting; its options are checked against `rule`'s declaration when the rule is known. */
function validateRuleSetting(setting: unknown, file: string, keyPath: string, rule: ConfigurableRule | undefined): RuleSetting {
  const severityOf = (v: unknown, at: string): SeverityOrOff => {
    if (typeof v === 'string' && (SEVERITIES as readonly string[]).includes(v)) return v as SeverityOrOff;
    throw new ConfigError(file, at, `severity must be one of ${SEVERITIES.map((s) => `"${s}"`).join(', ')}, got ${JSON.stringify(v)}`);
  };
  if (typeof setting === 'string') return { severity: severityOf(setting, keyPath) };
  if (Array.isArray(setting)) {
    if (setting.length < 1 || setting.length > 2) throw new ConfigError(file, keyPath, `must be [severity] or [severity, options], got an array of ${setting.length}`);
    const severity = severityOf(setting[0], `${keyPath}[0]`);
    if (setting.length === 1) return { severity };
    if (!isObject(setting[1])) throw new ConfigError(file, `${keyPath}[1]`, `rule options must be an object, got ${kindAndValue(setting[1])}`);
    const problem = rule && optionProblem(rule.meta.id, rule.options, setting[1]);
    if (problem) throw new ConfigError(file, join(`${keyPath}[1]`, problem.key), problem.reason);
    return { severity, options: setting[1] };
  }
  throw new ConfigError(file, keyPath, `must be a severity string or [severity, options], got ${kindAndValue(setting)}`);
}

/**
 * A value as the user wrote it, near enough. JSON reads a number beyond ±1.8e308 (`1e309`) as
 * Infinity, which JSON.stringify would show as `null`, a value nobody wrote.
 */
function asWritten(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return `a number ${v < 0 ? 'below' : 'above'} what JSON can hold (read as ${v})`;
  return JSON.stringify(v) ?? String(v);
}
