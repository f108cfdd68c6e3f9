/**
 * @eos/analyzer: finds exactly-once hazards in message-processing code.
 *
 * The library never prints, exits or imports an editor or CLI framework; the CLI and the VS Code
 * extension are its two front ends.
 */
export type * from './types';
export { Analyzer, diskHost, displayPath, lineColumnOf, sortFindings } from './engine/analyzer';
export type { AnalyzerOptions, FileAnalysis, RuleSetting } from './engine/analyzer';
export type { Rule, RuleContext, RuleListener, ReportDescriptor, NodeVisitors } from './engine/rule';
export type { SourceHost } from './engine/project-index';
export { DOCS_PACKAGE, docPageOf, docsHomepage, docsUrlOf, readRuleDoc, ruleDocPath, ruleDocsDir, RuleDocMissingError } from './rule-docs';
export { MissingPackageError } from './shipped';
export { parseSuppressions, applySuppressions, UNUSED_SUPPRESSION, INVALID_SUPPRESSION } from './engine/suppressions';
export { allRules, ruleById } from './rules';
export { auditConnectorText } from './connect/audit';
export { parseConnectorConfig, mayBeConnectorConfig, ConfigSyntaxError } from './connect/config-file';
export type { ConnectorConfig, ConfigEntry } from './connect/config-file';
export { applyEdits, applyFixes, preservesComments } from './fix/apply';
export type { FixResult } from './fix/apply';
// Audit runs (eos audit): discover files, read them safely, load configuration, analyse, fix.
export { auditPaths, createAnalyzer, fixText, MAX_FIX_PASSES } from './engine/run';
export type { AuditOptions, AuditResult, AuditStats, FileFixResult } from './engine/run';
export { cacheFileProblem } from './engine/cache';
export { parseShard, inShard } from './engine/shard';
export type { Shard } from './engine/shard';
export { discoverFiles, isSourceFile, SOURCE_EXTENSIONS, DEFAULT_SKIPPED_DIRECTORIES } from './engine/files';
export type { DiscoverOptions, Discovery } from './engine/files';
export { readSource, describeFsError, DEFAULT_MAX_FILE_SIZE, formatBytes } from './engine/source';
export type { SourceRead } from './engine/source';
export { loadConfig, validateConfig, ConfigError, CONFIG_FILE_NAME } from './engine/config';
export type { EosConfig, LoadedConfig } from './engine/config';
export { TypeAwareOrigins, findTsconfig, packageOfFile } from './engine/type-aware';
// Writing files without losing a byte: temporary files beside the target, signals held meanwhile.
export { holdInterrupts } from './write/interrupts';
export type { InterruptHold } from './write/interrupts';
export { removeStaleTemps, tempPathFor } from './write/temp-files';

// The full API loads the analyzer anyway; audit runs started through it reuse these modules
// (engine/run.ts requires them lazily only when entered through the light API, see light.ts).
import { Analyzer as EngineAnalyzer } from './engine/analyzer';
import { allRules as engineRules } from './rules';
import { findTsconfig as engineTsconfig, TypeAwareOrigins as EngineTypeAware } from './engine/type-aware';
import { provideAnalysisEngine } from './engine/run';
provideAnalysisEngine({ Analyzer: EngineAnalyzer, allRules: engineRules, findTsconfig: engineTsconfig, TypeAwareOrigins: EngineTypeAware });
export type { Origin, OriginFallback } from './facts/origins';
// Scaffold engine (eos scaffold, VS Code): templates → answers → plan → atomic write.
export * from './scaffold';
