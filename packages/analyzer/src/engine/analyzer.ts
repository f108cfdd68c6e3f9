import * as fs from 'node:fs';
import { ts } from 'ts-morph';
import { FileFacts } from '../facts/file-facts';
import type { OriginFallback } from '../facts/origins';
import type { Finding, InputError, InternalError, Severity, SeverityOrOff } from '../types';
import { internalError } from './internal-errors';
import { optionValues } from './rule-options';
import { NestingTooDeep, parseSource, syntaxProblems, tooDeepOr } from './parse';
import { renderMessage } from './messages';
import { locate, spanOf } from './positions';
import { Prefilter, type PrefilterDecision, type PrefilterRule, type PrefilterSpec, type TypeScope } from './prefilter';
import { ProjectIndex, type SourceHost } from '../facts/project/project-index';
import type { ReportDescriptor, Rule, RuleContext, RuleListener } from './rule';
import { sortFindings } from './ordering';
import { suppressionComments } from './suppression-comments';
import { applySuppressions } from './suppressions';
import { walkTree } from '../facts/tree-walk';

/** Severity and options of one rule after configuration is applied. */
export interface RuleSetting {
  severity: SeverityOrOff;
  options?: Record<string, unknown>;
}

export interface AnalyzerOptions {
  /** The rules to run. */
  rules: readonly Rule[];
  /** Per-rule settings by id; rules not named run at their default severity. */
  settings?: Readonly<Record<string, RuleSetting>>;
  /** Skip files (and rules) whose text cannot match (default true). Off only to prove it loses nothing. */
  prefilter?: boolean;
  /** Reads imported files; defaults to the file system. Editors pass one that sees unsaved buffers. */
  host?: SourceHost;
  /** Type-aware mode: gives each parsed file a fallback for origins syntax cannot tell (see engine/type-aware). */
  originFallback?: (sourceFile: ts.SourceFile) => OriginFallback | undefined;
  /**
   * Type-aware mode: the packages the checker's program declares types of (see
   * TypeAwareOrigins.declaredPackages), asked when the pre-filter is built, before the first
   * file is judged; lets the pre-filter skip what no origin can name. Absent: any package.
   */
  typePackages?: () => ReadonlySet<string>;
  /**
   * Parses the file being analysed (default `parseSource`). Editors pass one that reuses the
   * previous tree of the same document (`ts.updateSourceFile`), so an edit re-parses only the
   * changed region. Must return a tree with parent pointers set.
   */
  parse?: (fileName: string, text: string) => ts.SourceFile;
  /** The project's files (a run's discovered files), for project-wide questions such as which classes implement an interface. */
  projectFiles?: readonly string[];
}

/** Result of analysing one file. Findings may point into other files (imported handlers). */
export interface FileAnalysis {
  findings: Finding[];
  errors: InputError[];
  /**
   * Rules that threw on this file (bugs in eos): each is named, its findings for the file are
   * dropped, and the other rules' findings are kept. Absent when none threw.
   */
  internalErrors?: InternalError[];
  /** False when the pre-filter proved the file cannot hold a finding and it was not parsed. */
  parsed: boolean;
}

/** Severity of the engine's own reports about suppression comments. */
const SUPPRESSION_SEVERITY: Severity = 'warning';

/**
 * Reads files from disk, treating unreadable ones as absent. A leading byte-order mark is dropped,
 * as the audit drops it from the files it analyses (audit/source.ts): positions of functions found
 * in one reading must hold in the other, or a path into a file saved with a BOM is lost.
 */
export const diskHost: SourceHost = {
  readFile(fileName) {
    try {
      const text = fs.readFileSync(fileName, 'utf8');
      return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    } catch {
      return undefined;
    }
  },
};

/**
 * Runs rules over files: one parse and one walk per file, shared by every rule and by the facts
 * layer. Holds no state across calls except the cache of imported files, so one instance can
 * serve a whole CLI run or an editor session.
 */
export class Analyzer {
  readonly project: ProjectIndex;
  private readonly prefilter: boolean;
  /** The rules not turned off by settings. */
  private readonly enabled: readonly Rule[];
  /** Whether origins come from the type checker (`originFallback`). */
  private readonly typeAware: boolean;
  private readonly ruleIds: ReadonlySet<string>;
  private prefilterOfRun: Prefilter | undefined;

  constructor(private readonly options: AnalyzerOptions) {
    this.prefilter = options.prefilter ?? true;
    this.project = new ProjectIndex(options.host ?? diskHost, (f, t) => this.loadFacts(f, t), options.projectFiles);
    const enabled = options.rules.filter((r) => this.severityOf(r) !== 'off');
    this.enabled = enabled;
    this.typeAware = options.originFallback !== undefined;
    this.ruleIds = new Set(options.rules.map((r) => r.meta.id));
  }

  /** Severity of a rule after settings. */
  severityOf(rule: Rule): SeverityOrOff {
    return this.options.settings?.[rule.meta.id]?.severity ?? rule.meta.defaultSeverity;
  }

  /** This analyzer's pre-filter as plain data, to judge files elsewhere (the read-ahead thread). */
  prefilterSpec(): PrefilterSpec {
    return Prefilter.spec(this.prefilterRules(), this.typeScope());
  }

  /** The enabled rules as the pre-filter sees them, in this run's mode. */
  private prefilterRules(): PrefilterRule[] {
    return this.enabled.map((r) => ({ id: r.meta.id, triggers: (this.typeAware && r.typeAwareTriggers) || r.triggers, admits: r.admits }));
  }

  private typeScope(): TypeScope | undefined {
    if (!this.typeAware) return undefined;
    return { packages: this.options.typePackages?.() };
  }

  /**
   * Analyses one file's text, applying the suppression comments of every file a finding lands in.
   * Syntax errors yield an input error and no findings (a half-parsed file gives bogus ones).
   * `decided`: the pre-filter's decision when it was already made for this text (by the
   * read-ahead thread, from `prefilterSpec()`); otherwise the analyzer makes it.
   */
  analyzeText(fileName: string, text: string, decided?: PrefilterDecision): FileAnalysis {
    const raw = this.runRules(fileName, text, decided);
    if (!raw.parsed || raw.errors.length > 0) return { findings: raw.findings, errors: raw.errors, parsed: raw.parsed };
    const byFile = new Map<string, Finding[]>();
    for (const f of raw.findings) {
      const list = byFile.get(f.file);
      if (list) list.push(f);
      else byFile.set(f.file, [f]);
    }
    if (!byFile.has(fileName)) byFile.set(fileName, []);
    const findings: Finding[] = [];
    for (const [file, list] of byFile) {
      const sourceFile = file === fileName ? raw.sourceFile : this.project.factsOf(file)?.sourceFile;
      if (sourceFile === undefined) {
        findings.push(...list);
        continue;
      }
      const { kept, problems } = applySuppressions(sourceFile.text, list, this.ruleIds, suppressionComments(sourceFile));
      findings.push(...kept);
      // Suppression comments are judged only in the file being analysed, where all its findings are known.
      if (file !== fileName) continue;
      for (const p of problems) findings.push(this.engineFinding(p.ruleId, sourceFile, p.start, p.end, p.message));
    }
    return { findings: sortFindings(findings), errors: raw.errors, ...(raw.internalErrors ? { internalErrors: raw.internalErrors } : {}), parsed: true };
  }

  /** Parses and walks a file for its facts only (imported files reached from a handler). */
  private loadFacts(fileName: string, text: string): FileFacts | undefined {
    let sourceFile: ts.SourceFile;
    try {
      sourceFile = parseSource(fileName, text);
    } catch (e) {
      // Too deep for the parser is unparsable, like a syntax error: the file's functions stay unknown.
      if (e instanceof NestingTooDeep) return undefined;
      throw e;
    }
    if (syntaxProblems(sourceFile).length > 0) return undefined;
    const facts = new FileFacts(sourceFile, this.options.originFallback?.(sourceFile));
    walkTree(sourceFile, (node) => facts.observe(node));
    return facts;
  }

  /** The rules to run on a file, or undefined when it need not be parsed at all. */
  private rulesToRun(fileName: string, text: string, decided: PrefilterDecision | undefined): readonly Rule[] | undefined {
    if (!this.prefilter) return this.enabled;
    this.prefilterOfRun ??= new Prefilter(this.prefilterRules(), this.project, this.typeScope());
    const decision = decided ?? this.prefilterOfRun.decide(fileName, text);
    if (!decision.parse) return undefined;
    const ids = new Set(decision.rules);
    return this.enabled.filter((r) => ids.has(r.meta.id));
  }

  /** The analysis, with the tree when the file parsed (suppressions are read from its comments). */
  private runRules(fileName: string, text: string, decided: PrefilterDecision | undefined): FileAnalysis & { sourceFile?: ts.SourceFile } {
    const rules = this.rulesToRun(fileName, text, decided);
    if (!rules) return { findings: [], errors: [], parsed: false };
    let sourceFile: ts.SourceFile;
    try {
      sourceFile = (this.options.parse ?? parseSource)(fileName, text);
    } catch (e) {
      const cause = tooDeepOr(e);
      if (!(cause instanceof NestingTooDeep)) throw e;
      return { findings: [], errors: [{ file: fileName, message: `cannot parse: ${cause.message}; file skipped` }], parsed: true };
    }
    const problems = syntaxProblems(sourceFile);
    if (problems.length > 0) {
      const first = problems[0];
      const { line, column } = locate(sourceFile, first.offset);
      const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
      return {
        findings: [],
        errors: [{ file: fileName, message: `cannot parse: ${first.message} at ${line}:${column}${more}; file skipped` }],
        parsed: true,
      };
    }
    const facts = new FileFacts(sourceFile, this.options.originFallback?.(sourceFile));
    this.project.remember(facts);
    const findings: Finding[] = [];
    const seen = new Set<string>();
    const listeners: Array<{ rule: Rule; listener: RuleListener }> = [];
    const dispatch = new Map<ts.SyntaxKind, Array<(node: ts.Node) => void>>();
    // Each rule runs isolated: one that throws is reported as an internal error, loses its own
    // findings for this file and is not called again on it; the other rules go on.
    const failed = new Map<string, InternalError>();
    const guard = (rule: Rule, fn: () => void): void => {
      if (failed.has(rule.meta.id)) return;
      try {
        fn();
      } catch (e) {
        failed.set(rule.meta.id, internalError(fileName, e, rule.meta.id));
      }
    };
    for (const rule of rules) {
      const severity = this.severityOf(rule);
      if (severity === 'off') continue;
      const context: RuleContext = {
        sourceFile,
        facts,
        project: this.project,
        options: optionValues(rule.options, this.options.settings?.[rule.meta.id]?.options),
        report: (d) => {
          const finding = this.toFinding(rule, severity, d);
          const key = `${finding.ruleId}:${finding.file}:${finding.start}:${finding.end}`;
          if (seen.has(key)) return;
          seen.add(key);
          findings.push(finding);
        },
      };
      let listener: RuleListener | undefined;
      guard(rule, () => {
        listener = rule.create(context);
      });
      if (!listener) continue;
      listeners.push({ rule, listener });
      for (const [kind, fn] of Object.entries(listener.visitors ?? {})) {
        if (!fn) continue;
        const k = Number(kind) as ts.SyntaxKind;
        const id = rule.meta.id;
        // Inline rather than through `guard`: this runs for every node of the kinds listened to.
        const visitor = (node: ts.Node): void => {
          if (failed.has(id)) return;
          try {
            fn(node);
          } catch (e) {
            failed.set(id, internalError(fileName, e, id));
          }
        };
        const list = dispatch.get(k);
        if (list) list.push(visitor);
        else dispatch.set(k, [visitor]);
      }
    }
    walkTree(sourceFile, (node) => {
      facts.observe(node);
      const fns = dispatch.get(node.kind);
      if (fns) for (const fn of fns) fn(node);
    });
    for (const { rule, listener } of listeners) if (listener.end) guard(rule, () => listener.end?.());
    if (failed.size === 0) return { findings, errors: [], parsed: true, sourceFile };
    return { findings: findings.filter((f) => !failed.has(f.ruleId)), errors: [], internalErrors: [...failed.values()], parsed: true, sourceFile };
  }

  private toFinding(rule: Rule, severity: Severity, d: ReportDescriptor): Finding {
    const sf = d.node.getSourceFile();
    return {
      ruleId: rule.meta.id,
      severity,
      file: sf.fileName,
      ...spanOf(d.node.getStart(sf), d.node.getEnd(), (offset) => locate(sf, offset)),
      message: renderMessage(rule.meta.id, rule.messages, d.messageId, d.data),
      consequence: rule.meta.consequence,
      fix: d.fix,
      suggestions: d.suggestions,
      related: d.related?.map((r) => ({
        file: r.node.getSourceFile().fileName,
        start: r.node.getStart(),
        end: r.node.getEnd(),
        message: r.message,
      })),
    };
  }

  private engineFinding(ruleId: string, sourceFile: ts.SourceFile, start: number, end: number, message: string): Finding {
    const a = locate(sourceFile, start);
    const b = locate(sourceFile, end);
    return {
      ruleId,
      severity: SUPPRESSION_SEVERITY,
      file: sourceFile.fileName,
      start,
      end,
      line: a.line,
      column: a.column,
      endLine: b.line,
      endColumn: b.column,
      message,
      consequence: 'option-ignored',
    };
  }
}
