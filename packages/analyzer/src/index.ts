/**
 * @eos/analyzer: finds exactly-once hazards in message-processing code.
 *
 * The library never prints, exits or imports an editor or CLI framework; the CLI and the VS Code
 * extension are its two front ends.
 */
export type * from './types';
export { Analyzer, diskHost } from './engine/analyzer';
export { lineColumnOf } from './engine/positions';
export { sortFindings } from './engine/ordering';
export type { AnalyzerOptions, FileAnalysis, RuleSetting } from './engine/analyzer';
export type { Rule, RuleContext, RuleDefinition, RuleListener, ReportDescriptor, NodeVisitors } from './engine/rule';
export { createRule } from './engine/rule';
export type { SourceHost } from './facts/project/project-index';
export { DOCS_PACKAGE, docPageOf, docsHomepage, docsUrlOf, readRuleDoc, ruleDocPath, ruleDocsDir, RuleDocMissingError } from './rule-docs';
export { MissingPackageError } from './shipped';
export { parseSuppressions, applySuppressions, UNUSED_SUPPRESSION, INVALID_SUPPRESSION } from './engine/suppressions';
export type { CommentSpan } from './engine/suppressions';
export { suppressionComments } from './engine/suppression-comments';
export { allRules, ruleById } from './rules';
export { auditConnectorConfigText as auditConnectorText } from './audit/connect-configs';
export { parseConnectorConfig, mayBeConnectorConfig, ConfigSyntaxError } from './connect/config-file';
export type { ConnectorConfig, ConfigEntry } from './connect/config-file';
export { applyEdits, applyFixes, preservesComments } from './fix/apply';
export type { FixResult } from './fix/apply';
// Audit runs (eos audit): discover files, read them safely, load configuration, analyse, fix.
export { fixText, MAX_FIX_PASSES } from './audit/run';
export type { AnalysisEngine, AuditApi, AuditOptions, AuditResult, AuditStats, FileFixResult } from './audit/run';
export { cacheFileProblem } from './audit/cache';
export { parseShard, inShard } from './audit/shard';
export type { Shard } from './audit/shard';
export { discoverFiles, displayPath, isSourceFile, isTestPath, SOURCE_EXTENSIONS, DEFAULT_SKIPPED_DIRECTORIES, TEST_DIRECTORIES } from './audit/files';
export type { DiscoverOptions, Discovery } from './audit/files';
export { readSource, describeFsError, DEFAULT_MAX_FILE_SIZE, formatBytes } from './audit/source';
export type { SourceRead } from './audit/source';
export { loadConfig, validateConfig, ConfigError, CONFIG_FILE_NAME } from './audit/config';
export type { ConfigurableRule, EosConfig, LoadedConfig, RuleIds } from './audit/config';
export type { OptionSpec, OptionsSchema, OptionValues } from './engine/rule-options';
export { TypeAwareOrigins, findTsconfig, packageOfFile } from './engine/type-aware';
// Writing files without losing a byte: temporary files beside the target, signals held meanwhile.
export { holdInterrupts } from './write/interrupts';
export type { InterruptHold } from './write/interrupts';
export { removeStaleTemps, tempPathFor } from './write/temp-files';

// The full API loads the analyzer anyway: its audit runs use the modules imported above (the light
// entry requires them on first use instead, see light.ts).
import { Analyzer as EngineAnalyzer } from './engine/analyzer';
import { allRules as engineRules } from './rules';
import { findTsconfig as engineTsconfig, TypeAwareOrigins as EngineTypeAware } from './engine/type-aware';
import { auditApi } from './audit/run';
export const { auditPaths, createAnalyzer, builtInRules } = auditApi(() => ({
  Analyzer: EngineAnalyzer,
  allRules: engineRules,
  findTsconfig: engineTsconfig,
  TypeAwareOrigins: EngineTypeAware,
}));
export type { Origin, OriginFallback } from './facts/origins';
// Scaffold engine (eos scaffold, VS Code): templates → answers → plan → atomic write.
export * from './scaffold';
