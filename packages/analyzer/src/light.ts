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
export { auditPaths, builtInRules, createAnalyzer, fixText, MAX_FIX_PASSES } from './engine/run';
export type { AuditOptions, AuditResult, AuditStats, FileFixResult } from './engine/run';
export { cacheFileProblem } from './engine/cache';
export { parseShard, inShard } from './engine/shard';
export type { Shard } from './engine/shard';
export { discoverFiles, displayPath, isSourceFile, SOURCE_EXTENSIONS, DEFAULT_SKIPPED_DIRECTORIES } from './engine/files';
export { readSource, describeFsError, DEFAULT_MAX_FILE_SIZE, formatBytes } from './engine/source';
export { loadConfig, validateConfig, ConfigError, CONFIG_FILE_NAME } from './engine/config';
export type { EosConfig, LoadedConfig, RuleIds } from './engine/config';
export { sortFindings } from './engine/ordering';
export { DOCS_BASE_URL, docsUrlOf } from './engine/docs-url';
export { UNUSED_SUPPRESSION, INVALID_SUPPRESSION } from './engine/suppressions';
export { applyEdits, applyFixes, preservesComments } from './fix/apply';
export { unifiedDiff } from './text/unified-diff';
export { holdInterrupts } from './write/interrupts';
export type { InterruptHold } from './write/interrupts';
export { removeStaleTemps, tempPathFor } from './write/temp-files';
