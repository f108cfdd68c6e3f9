/**
 * Public data model of the analyzer: findings, fixes and rule metadata.
 *
 * Positions inside the analyzer are 0-based character offsets into the file text; they become
 * 1-based line/column only at the edges (reporters, editor), see `locate()` in engine/positions.
 */

/** How seriously a finding is taken. `off` disables a rule. */
export type Severity = 'error' | 'warning' | 'info';
export type SeverityOrOff = Severity | 'off';

/** Brokers, job queues and workflow engines (Temporal activities) the analyzer knows. */
export type Broker = 'rabbitmq' | 'kafka' | 'sqs' | 'pubsub' | 'nats' | 'bullmq' | 'redis-streams' | 'temporal';

/** A replacement of `[start, end)` of the original text by `text`. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/**
 * How much a fix may change. `safe`: behaviour changes only as far as the finding asks (applied by
 * `--fix`); `unsafe`: correct in the common case but may change behaviour (applied by `--fix-unsafe`).
 */
export type FixSafety = 'safe' | 'unsafe';

/** A mechanical change that resolves a finding. Edits never overlap. */
export interface Fix {
  description: string;
  safety: FixSafety;
  edits: TextEdit[];
}

/** Another place that belongs to the problem (e.g. the work an ack precedes). */
export interface RelatedLocation {
  file: string;
  start: number;
  end: number;
  message: string;
}

/** One problem found in one file. */
export interface Finding {
  ruleId: string;
  severity: Severity;
  /** Absolute path of the file. */
  file: string;
  /** Character offsets of the reported range. */
  start: number;
  end: number;
  /** 1-based line and column of the range (end column is exclusive). */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** What is wrong, what happens at runtime, and how to fix it, in one paragraph. */
  message: string;
  /** The runtime consequence on its own, for reporters that show it apart. */
  consequence: Consequence;
  /** The mechanical fix, when one is correct. */
  fix?: Fix;
  /** Fixes a person should choose between; never applied automatically. */
  suggestions?: Fix[];
  related?: RelatedLocation[];
}

/** What goes wrong at runtime when the finding is left alone. */
export type Consequence =
  | 'message-lost'
  | 'effect-doubled'
  | 'event-lost-or-phantom'
  | 'message-lost-or-doubled'
  | 'poison-loop'
  | 'option-ignored';

/** A problem with the input itself (unparsable, unreadable, too large...); the run goes on. */
export interface InputError {
  file: string;
  message: string;
}

/**
 * A failure of eos itself on a file (a bug): a rule or a fact threw. The run goes on without that
 * rule's findings for the file (or, when the shared walk failed, without the file's findings).
 */
export interface InternalError extends InputError {
  /** Tells an internal error from an input error where both are listed together (reporters). */
  internal: true;
  /** The rule that threw; absent when the failure was outside any rule (parsing the facts of the file). */
  ruleId?: string;
  /** The first stack frame of the failure (`function (file:line:column)`), when known. */
  frame?: string;
}

/** Static description of a rule. */
export interface RuleMeta {
  id: string;
  description: string;
  defaultSeverity: Severity;
  /** Best fix the rule can offer: `none` (suggestions only), `unsafe`, or `safe`. */
  fixable: 'none' | FixSafety;
  /** Whether the rule needs the type checker (`--types`) to run at all. */
  requiresTypes: boolean;
  /** Brokers the rule speaks about; empty for broker-independent rules. */
  brokers: Broker[];
  consequence: Consequence;
}
