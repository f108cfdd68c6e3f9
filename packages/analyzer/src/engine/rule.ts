import type { ts } from 'ts-morph';
import type { FileFacts } from '../facts/file-facts';
import type { Fix, RuleMeta } from '../types';
import type { Admission } from './prefilter';
import type { ProjectIndex } from '../facts/project/project-index';

/** Per-kind callbacks; the engine calls them during its single walk over each file. */
export type NodeVisitors = { [K in ts.SyntaxKind]?: (node: ts.Node) => void };

/** What a rule returns from `create`: node callbacks for the shared walk, and/or an end hook. */
export interface RuleListener {
  visitors?: NodeVisitors;
  /** Runs once after the walk, when the file's facts are complete. */
  end?(): void;
}

/** What a rule hands to `context.report`. */
export interface ReportDescriptor {
  /** The node (or offset range in the node's file) the finding points at. */
  node: ts.Node;
  /** Key into the rule's `messages`. */
  messageId: string;
  /** Values for `{{name}}` placeholders in the message. */
  data?: Record<string, string>;
  fix?: Fix;
  suggestions?: Fix[];
  /** Other places that belong to the problem, each with a short message. */
  related?: Array<{ node: ts.Node; message: string }>;
}

/** Everything a rule sees while it checks one file. */
export interface RuleContext {
  /** The file being checked. */
  readonly sourceFile: ts.SourceFile;
  /** Facts about that file: imports, broker objects, handlers, side effects. */
  readonly facts: FileFacts;
  /** Cross-file lookups (handlers imported from other files). */
  readonly project: ProjectIndex;
  /** Rule options from configuration (`rules: { id: [severity, options] }`). */
  readonly options: Readonly<Record<string, unknown>>;
  report(descriptor: ReportDescriptor): void;
}

/** A rule: metadata, messages, a pre-filter, and a factory of listeners. */
export interface Rule {
  meta: RuleMeta;
  /**
   * Messages keyed by id. Each says what is wrong, the runtime consequence (message lost / effect
   * doubled / ...) and the fix. `{{name}}` placeholders are filled from `data`.
   */
  messages: Record<string, string>;
  /**
   * Cheap text pre-filter: a file whose text does not match cannot produce a finding of this
   * rule, so it is never parsed for it. Must be conservative: a missed match is a lost finding
   * (the pre-filter equivalence test checks this over every fixture).
   */
  triggers: RegExp;
  /**
   * `triggers` for a type-aware run (`--types`), when the checker can tell more than the text
   * shows (a Redis client typed through an alias in another package). Absent: `triggers`.
   */
  typeAwareTriggers?: RegExp;
  /**
   * Second stage of the pre-filter, for files whose text matches `triggers`: a finer test that may
   * look at the files the file imports (a finding can rest on a callee's effects there). Must be
   * just as conservative. Plain data (see Admission), so it can be judged on another thread.
   * Absent: `triggers` alone decides.
   */
  admits?: Admission;
  create(context: RuleContext): RuleListener;
}
