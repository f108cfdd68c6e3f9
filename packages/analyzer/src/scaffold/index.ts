/**
 * The scaffold engine: loads templates/<name>/template.json, resolves answers (flags > prompts >
 * detected defaults), renders Handlebars into a plan, and writes it as one atomic set. Library
 * code only: front ends (CLI, VS Code) supply the prompting and the printing.
 */
export { ScaffoldError, MissingAnswerError } from './errors';
export type { ScaffoldErrorKind } from './errors';
export {
  BUILTIN_VARIABLES,
  allVariables,
  defaultTemplatesRoot,
  listTemplateNames,
  loadTemplate,
  loadTemplates,
  matchesWhen,
  NO_OUTBOX,
} from './template';
export type {
  AnswerValue,
  Answers,
  DetectKind,
  FileSpec,
  IncludeSpec,
  NextStepSpec,
  ConstraintSpec,
  PackageSpec,
  TemplateSpec,
  VariableSpec,
  VariableType,
  VariableValidation,
  WhenCondition,
} from './template';
export { detectProject, detectedDefault, findOutboxes } from './project';
export type { FoundOutbox, ProjectInfo } from './project';
export { resolveAnswers, resolveIncludedAnswers, validateAnswer, answerProblem, suggestedDefault, DEFAULT_IDENTIFIER_PATTERN } from './answers';
export type { AskFn, ResolveOptions } from './answers';
export { quoteSqlIdentifier, jsStringLiteral } from './identifiers';
export type { SqlDialect } from './identifiers';
export { resolveOutDir } from './paths';
export { planScaffold, nextStepLines } from './plan';
export type { PlannedFile, PlannedStatus, ScaffoldPlan, PackagesToInstall } from './plan';
export { writePlan } from './write';
export type { WriteOptions, WriteResult, WriteFs } from './write';
export { toJavaScript } from './render';
export { unifiedDiff } from '../text/unified-diff';
export { scaffold } from './scaffold';
export type { ScaffoldOptions, ScaffoldResult } from './scaffold';
