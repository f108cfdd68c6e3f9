import * as path from 'node:path';
import {
  Analyzer,
  allRules,
  ConfigError,
  DEFAULT_MAX_FILE_SIZE,
  findTsconfig,
  isTestPath,
  loadConfig,
  TypeAwareOrigins,
  type LoadedConfig,
  type RuleSetting,
  type SourceHost,
} from '@eos/analyzer';
import picomatch from 'picomatch';
import type { ts } from 'ts-morph';
import type { EosSettings } from '../protocol';

/** Settings used when the client sends none (e.g. a file outside every workspace folder). */
export const DEFAULT_SETTINGS: EosSettings = { enable: true, run: 'onType', rules: {}, typeAware: false };

/**
 * Everything needed to analyse files of one workspace folder: its settings, its eos.config.json,
 * and a warm Analyzer (imported files stay parsed between runs).
 */
export interface FolderContext {
  /** Absolute path of the workspace folder; undefined for files outside every folder. */
  folder: string | undefined;
  settings: EosSettings;
  analyzer: Analyzer;
  config: LoadedConfig | undefined;
  /** Why eos.config.json could not be used (defaults apply), for the status item and the log. */
  configProblem: string | undefined;
  maxFileSize: number;
  /** Whether the configuration's ignore globs exclude a file, or it is test code (left out unless `includeTests`). */
  isIgnored(file: string): boolean;
  /** Type-aware resolution could not start (the analysis goes on syntactically). */
  typeAwareProblem(): string | undefined;
}

export interface FolderContextInput {
  folder: string | undefined;
  settings: EosSettings;
  /** Restricted Mode: do not read the workspace's eos.config.json. */
  trusted: boolean;
  /** Sees unsaved editor buffers before the disk. */
  host: SourceHost;
  /** Incremental parser shared by every folder (documents are keyed by file name). */
  parse: (fileName: string, text: string) => ts.SourceFile;
}

/**
 * Builds a folder's context. Settings in the editor (`eos.rules`) win over eos.config.json, which
 * wins over each rule's default severity; rule options come from eos.config.json only.
 */
export function createFolderContext(input: FolderContextInput): FolderContext {
  const { folder, settings, trusted } = input;
  let config: LoadedConfig | undefined;
  let configProblem: string | undefined;
  if (folder && trusted) {
    try {
      config = loadConfig(folder, allRules);
    } catch (e) {
      configProblem = e instanceof ConfigError ? e.message : `cannot load eos configuration: ${(e as Error).message}`;
    }
  }
  const ruleSettings: Record<string, RuleSetting> = { ...(config?.config.rules ?? {}) };
  for (const [id, severity] of Object.entries(settings.rules ?? {})) {
    ruleSettings[id] = { ...ruleSettings[id], severity };
  }
  const typeAware = settings.typeAware && folder ? new TypeAwareOrigins(findTsconfig(folder)) : undefined;
  const analyzer = new Analyzer({
    rules: allRules,
    settings: ruleSettings,
    host: input.host,
    parse: input.parse,
    originFallback: typeAware ? (sf) => typeAware.fallbackFor(sf) : undefined,
    typePackages: typeAware ? () => typeAware.declaredPackages() : undefined,
  });
  const ignoreGlobs = config?.config.ignore ?? [];
  const matchers = ignoreGlobs.length > 0 ? picomatch(ignoreGlobs, { dot: true }) : undefined;
  const baseDir = config?.baseDir ?? folder;
  return {
    folder,
    settings,
    analyzer,
    config,
    configProblem,
    maxFileSize: config?.config.maxFileSize ?? DEFAULT_MAX_FILE_SIZE,
    isIgnored(file) {
      // Test code is left out as the CLI's walk leaves it out, unless the configuration asks for it.
      if (folder && !config?.config.includeTests) {
        const inFolder = path.relative(folder, file).split(path.sep).join('/');
        if (!inFolder.startsWith('..') && !path.isAbsolute(inFolder) && isTestPath(inFolder)) return true;
      }
      if (!matchers || !baseDir) return false;
      const rel = path.relative(baseDir, file).split(path.sep).join('/');
      return !rel.startsWith('..') && matchers(rel);
    },
    typeAwareProblem: () => typeAware?.failure,
  };
}
