import type { AuditStats, Finding, InputError, InternalError, Rule, SeverityOrOff } from '@eos/analyzer';

/** What every reporter gets: the run's results and what it needs to describe them. */
export interface ReportInput {
  /** Paths are shown relative to this directory, with forward slashes. */
  cwd: string;
  findings: readonly Finding[];
  /** Inputs that could not be analysed, and internal failures (bugs in eos, marked `internal`). */
  errors: ReadonlyArray<InputError | InternalError>;
  stats: AuditStats;
  /** The registered rules, for rule metadata (SARIF). */
  rules: readonly Rule[];
  /** Configured severity of a rule id. */
  severityOf(ruleId: string): SeverityOrOff;
  /** The current text of a file, for code frames; undefined when it cannot be read. */
  readText(file: string): string | undefined;
  /** Whether to colour the output. */
  color: boolean;
  /** eos version, for SARIF. */
  version: string;
}

/** Renders a run's results as the text written to stdout (or --output). */
export type Reporter = (input: ReportInput) => string;
