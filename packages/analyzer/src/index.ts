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
export { DOCS_BASE_URL, docsUrlOf } from './engine/docs-url';
export { parseSuppressions, applySuppressions, UNUSED_SUPPRESSION, INVALID_SUPPRESSION } from './engine/suppressions';
export { allRules, ruleById } from './rules';
export { applyEdits, applyFixes, preservesComments } from './fix/apply';
export type { FixResult } from './fix/apply';
// Scaffold engine (eos scaffold, VS Code): templates → answers → plan → atomic write.
export * from './scaffold';
