/**
 * The part of @eos/analyzer's public API that loads without the TypeScript compiler: running
 * audits (the analyzer itself is required only once a file must be analysed), configuration,
 * file discovery, the cache and shard split, fixes as text edits, ordering and paths.
 *
 * Front ends whose fast path must stay light (`eos audit --cache`, where importing ts-morph
 * alone costs more than checking ten thousand unchanged files) import this module; everything
 * here is also exported by the package's main entry, which adds the analyzer and the rules.
 */
export type * from './types';
export type { Rule } from './engine/rule';
export type { RuleSetting, Analyzer } from './engine/analyzer';
export { fixText, MAX_FIX_PASSES } from './audit/run';
export type { AuditOptions, AuditResult, AuditStats, FileFixResult } from './audit/run';
import { auditApi, type AnalysisEngine } from './audit/run';

/**
 * The engine, required on first use rather than imported: these modules load the TypeScript
 * compiler. (A bare `require` of a .ts source fails under test runners that compile on the fly;
 * tests use the full entry, index.ts, which imports the same modules.)
 */
function requireEngine(): AnalysisEngine {
  const { Analyzer } = require('./engine/analyzer') as typeof import('./engine/analyzer');
  const { allRules } = require('./rules') as typeof import('./rules');
  const { findTsconfig, TypeAwareOrigins } = require('./engine/type-aware') as typeof import('./engine/type-aware');
  return { Analyzer, allRules, findTsconfig, TypeAwareOrigins };
}

export const { auditPaths, createAnalyzer, builtInRules } = auditApi(requireEngine);
export { cacheFileProblem } from './audit/cache';
export { parseShard, inShard } from './audit/shard';
export type { Shard } from './audit/shard';
export { discoverFiles, displayPath, isSourceFile, isTestPath, SOURCE_EXTENSIONS, DEFAULT_SKIPPED_DIRECTORIES, TEST_DIRECTORIES } from './audit/files';
export { readSource, describeFsError, DEFAULT_MAX_FILE_SIZE, formatBytes } from './audit/source';
export { loadConfig, validateConfig, ConfigError, CONFIG_FILE_NAME } from './audit/config';
export type { ConfigurableRule, EosConfig, LoadedConfig, RuleIds } from './audit/config';
export type { OptionSpec, OptionsSchema, OptionValues } from './engine/rule-options';
export { sortFindings } from './engine/ordering';
export { lineColumnOf } from './engine/positions';
export { DOCS_PACKAGE, docPageOf, docsHomepage, docsUrlOf, readRuleDoc, ruleDocPath, ruleDocsDir, RuleDocMissingError } from './rule-docs';
export { MissingPackageError } from './shipped';
export { UNUSED_SUPPRESSION, INVALID_SUPPRESSION } from './engine/suppressions';
export { applyEdits, applyFixes, preservesComments } from './fix/apply';
export { unifiedDiff } from './text/unified-diff';
export { holdInterrupts } from './write/interrupts';
export type { InterruptHold } from './write/interrupts';
export { removeStaleTemps, tempPathFor } from './write/temp-files';
