import type { ts } from 'ts-morph';
import type { FileFacts } from '../facts/file-facts';
import type { Fix, RuleMeta } from '../types';
import type { Admission } from './prefilter';
import type { OptionsSchema, OptionValues } from './rule-options';
import type { ProjectIndex } from '../facts/project/project-index';

/** Per-kind callbacks; the engine calls them during its single walk over each file. */
export type NodeVisitors = { [K in ts.SyntaxKind]?: (node: ts.Node) => void };

/** What a rule returns from `create`: node callbacks for the shared walk, and/or an end hook. */
export interface RuleListener {
  visitors?: NodeVisitors;
  /** Runs once after the walk, when the file's facts are complete. */
  end?(): void;
}

/** What a rule hands to `context.report`; `M`: the rule's message ids. */
export interface ReportDescriptor<M extends string = string> {
  /** The node (or offset range in the node's file) the finding points at. */
  node: ts.Node;
  /** Key into the rule's `messages` (checked by the compiler for rules made with `createRule`). */
  messageId: M;
  /** Values for `{{name}}` placeholders in the message. */
  data?: Record<string, string>;
  fix?: Fix;
  suggestions?: Fix[];
  /** Other places that belong to the problem, each with a short message. */
  related?: Array<{ node: ts.Node; message: string }>;
}

/** Everything a rule sees while it checks one file; `M`: its message ids, `O`: its option values. */
export interface RuleContext<M extends string = string, O extends Readonly<Record<string, unknown>> = Readonly<Record<string, unknown>>> {
  /** The file being checked. */
  readonly sourceFile: ts.SourceFile;
  /** Facts about that file: imports, broker objects, handlers, side effects. */
  readonly facts: FileFacts;
  /** Cross-file lookups (handlers imported from other files). */
  readonly project: ProjectIndex;
  /**
   * The rule's options: every option it declares (`Rule.options`), the configured value or the
   * default (`rules: { id: [severity, options] }`).
   */
  readonly options: O;
  report(descriptor: ReportDescriptor<M>): void;
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
  /**
   * The options the rule takes. Configuration is checked against it (an unknown key or a value of
   * the wrong type is an error naming the rule and the key). Absent: the rule takes none.
   */
  options?: OptionsSchema;
  create(context: RuleContext): RuleListener;
}

/** A rule as written with `createRule`: message ids and option values typed from its own declarations. */
export interface RuleDefinition<M extends string, S extends OptionsSchema> extends Omit<Rule, 'messages' | 'options' | 'create'> {
  messages: Record<M, string>;
  options?: S;
  create(context: RuleContext<M, OptionValues<S>>): RuleListener;
}

/**
 * Declares a rule. The compiler checks every `messageId` the rule reports against the keys of its
 * `messages`, and types `context.options` from its `options` declaration.
 */
export function createRule<const M extends string, const S extends OptionsSchema = Record<never, never>>(definition: RuleDefinition<M, S>): Rule {
  return definition as unknown as Rule;
}
