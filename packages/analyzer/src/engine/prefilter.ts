import { unionOf } from './trigger-union';
import type { SourceFiles } from '../facts/project/project-index';

/**
 * The pre-filter: decides from text alone, without parsing, which rules can find anything in a
 * file. Free of TypeScript imports, so that it can run on a thread that never loads the compiler
 * (see audit/read-ahead.ts) as well as inside the Analyzer; the files it reads come through
 * `SourceFiles` (a type only, erased from the output).
 */

/**
 * A rule's second pre-filter test (see `Rule.admits`), as plain data so that it can be sent to
 * another thread: the file's own text matches, the file or a file it imports matches, the type
 * checker can name a package matching `typesFrom` as an origin, or a combination.
 */
export type Admission = AdmissionOf<RegExp>;

/** The shape of an Admission over any representation of its patterns. */
export type AdmissionOf<P> =
  | { text: P }
  | { reaches: P }
  | { typesFrom: P }
  | { all: ReadonlyArray<AdmissionOf<P>> }
  | { any: ReadonlyArray<AdmissionOf<P>> };

/** The same admission with each pattern mapped (to plain data and back). */
function mapAdmission<P, Q>(a: AdmissionOf<P>, f: (pattern: P) => Q): AdmissionOf<Q> {
  if ('text' in a) return { text: f(a.text) };
  if ('reaches' in a) return { reaches: f(a.reaches) };
  if ('typesFrom' in a) return { typesFrom: f(a.typesFrom) };
  if ('all' in a) return { all: a.all.map((x) => mapAdmission(x, f)) };
  return { any: a.any.map((x) => mapAdmission(x, f)) };
}

/** What an Admission is judged against: a file's text and the files it imports. */
export interface PrefilterView {
  /** The file's text. */
  readonly text: string;
  /**
   * Whether `pattern` matches this file's text or the text of a file it imports through a relative
   * specifier, directly or transitively. Syntactic analysis follows nothing else (see
   * ProjectIndex), so evidence that is reachable by no relative import cannot reach a finding.
   */
  reaches(pattern: RegExp): boolean;
  /**
   * Whether origins come from the type checker (`--types`) and its program declares types in a
   * package whose name matches: the checker sees through any import (path aliases, workspace
   * packages, a helper's return type), so such an origin may show in no text `reaches` can find,
   * but it can only name a package the program holds declarations of.
   */
  typesFrom(pattern: RegExp): boolean;
}

/**
 * What the type checker of a run can name as an origin: undefined for a syntactic run;
 * `packages` undefined when not known (any package).
 */
export interface TypeScope {
  packages?: ReadonlySet<string>;
}

/**
 * Not inside an `import type …` / `export type …` statement: a type-only import brings no code
 * into the file, so nothing it names can be called or have effects.
 */
const NOT_TYPE_ONLY = String.raw`(?<!\b(?:import|export)\s+type\s*(?:\{[^}'";]*\}|\*(?:\s+as\s+[\w$]+)?|[\w$]+)\s*from\s*)`;

/** Text of a relative module specifier that brings code in: a file without one reaches no other file. */
export const RELATIVE_IMPORT_TEXT = new RegExp(`${NOT_TYPE_ONLY}['"]\\.\\.?[/'"]`);

/**
 * Module specifiers that start with `.` in imports, re-exports, `import()` and `require()`, but not
 * in type-only imports.
 * Over-matching (a specifier in a comment) costs a lookup, never a finding.
 */
const RELATIVE_SPECIFIER = new RegExp(`(?:\\bfrom|\\bimport|\\bimport\\s*\\(|\\brequire\\s*\\()\\s*${NOT_TYPE_ONLY}['"](\\.\\.?(?:/[^'"\\n]*)?)['"]`, 'g');

/** What the index remembers of a file: its resolved relative imports and which patterns match it. */
interface FileEvidence {
  imports: string[];
  matches: Map<RegExp, boolean>;
}

/**
 * Answers `reaches` for every file of a run over a graph of relative imports read with regular
 * expressions, never parsed. Per file it keeps only the resolved imports and one boolean per
 * pattern asked, so memory stays small on large trees; per pattern it remembers which files reach
 * a match, so a tree whose files share their imports is walked about once.
 *
 * Files are read through `SourceFiles`, so a cached analysis records them as dependencies
 * (a change to an imported file can turn a skipped file into a reported one). Like the
 * ProjectIndex's parsed files, what it knows of other files is kept until the analyzer is
 * rebuilt; the file being analysed is always read from the text given.
 */
export class EvidenceIndex {
  private readonly files = new Map<string, FileEvidence | null>();
  private readonly reach = new Map<RegExp, Map<string, boolean>>();

  /**
   * @param patterns the patterns `reaches` will be asked about, when known: each file's text is
   *   then tested against all of them on its one read, instead of read again per pattern.
   */
  constructor(
    private readonly sources: SourceFiles,
    private readonly patterns: readonly RegExp[] = [],
  ) {}

  /** The pre-filter's view of `fileName` whose current text is `text`. */
  view(fileName: string, text: string, types: TypeScope | undefined): PrefilterView {
    let imports: string[] | undefined;
    const importsOf = (): string[] => (imports ??= this.resolveImports(fileName, text));
    return {
      text,
      typesFrom: (pattern) => types !== undefined && (types.packages === undefined || anyMatches(types.packages, pattern)),
      reaches: (pattern) => pattern.test(text) || this.anyReaches(importsOf(), pattern, fileName),
    };
  }

  private resolveImports(fileName: string, text: string): string[] {
    const out = new Set<string>();
    for (const m of text.matchAll(RELATIVE_SPECIFIER)) {
      const target = this.sources.resolveModule(fileName, m[1]);
      if (target !== undefined && target !== fileName) out.add(target);
    }
    return [...out];
  }

  private evidenceOf(fileName: string): FileEvidence | undefined {
    let known = this.files.get(fileName);
    if (known === undefined) {
      const text = this.sources.readFile(fileName);
      known = text === undefined ? null : { imports: this.resolveImports(fileName, text), matches: new Map(this.patterns.map((p) => [p, p.test(text)])) };
      this.files.set(fileName, known);
    }
    return known ?? undefined;
  }

  private matches(fileName: string, evidence: FileEvidence, pattern: RegExp): boolean {
    let hit = evidence.matches.get(pattern);
    if (hit === undefined) {
      hit = pattern.test(this.sources.readFile(fileName) ?? '');
      evidence.matches.set(pattern, hit);
    }
    return hit;
  }

  /**
   * Depth-first search from `roots` for a file whose text matches. A file on the path to a match
   * reaches it; when the whole search fails, every file it visited fails too (their imports were
   * all visited), so both answers are remembered. While reads are tracked (for the cache), every
   * file the answer depends on is read again so that it is recorded.
   */
  private anyReaches(roots: readonly string[], pattern: RegExp, origin: string): boolean {
    let known = this.reach.get(pattern);
    if (!known) this.reach.set(pattern, (known = new Map()));
    const tracking = this.sources.tracking;
    const visited = new Set<string>([origin]);
    const path: string[] = [];
    const stack: Array<{ file: string; next: number; imports: string[] }> = [];
    const enter = (file: string): boolean => {
      if (visited.has(file)) return false;
      visited.add(file);
      if (tracking) this.sources.record(file);
      else {
        const answer = known.get(file);
        if (answer === false) return false;
        if (answer === true) return true;
      }
      const evidence = this.evidenceOf(file);
      if (!evidence) return false;
      if (this.matches(file, evidence, pattern)) return true;
      path.push(file);
      stack.push({ file, next: 0, imports: evidence.imports });
      return false;
    };
    const found = (): boolean => {
      for (const file of path) known.set(file, true);
      return true;
    };
    for (const root of roots) {
      if (enter(root)) return found();
      while (stack.length > 0) {
        const top = stack[stack.length - 1];
        if (top.next < top.imports.length) {
          if (enter(top.imports[top.next++])) return found();
        } else {
          stack.pop();
          path.pop();
        }
      }
    }
    for (const file of visited) if (file !== origin) known.set(file, false);
    return false;
  }
}

/** The patterns an Admission asks `reaches` about. */
function reachedPatterns(a: Admission): RegExp[] {
  if ('reaches' in a) return [a.reaches];
  if ('all' in a) return a.all.flatMap(reachedPatterns);
  if ('any' in a) return a.any.flatMap(reachedPatterns);
  return [];
}

/** Whether a file satisfies an Admission. */
export function isAdmitted(admission: Admission, view: PrefilterView): boolean {
  if ('text' in admission) return admission.text.test(view.text);
  if ('reaches' in admission) return view.reaches(admission.reaches);
  if ('typesFrom' in admission) return view.typesFrom(admission.typesFrom);
  if ('all' in admission) return admission.all.every((a) => isAdmitted(a, view));
  return admission.any.some((a) => isAdmitted(a, view));
}

/** One rule as the pre-filter sees it. */
export interface PrefilterRule {
  id: string;
  /** The rule's first test (its `triggers`, or `typeAwareTriggers` in a type-aware run). */
  triggers: RegExp;
  admits?: Admission;
}

/** Text every suppression comment contains: a file with one is parsed even when no rule runs (it may be unused). */
export const SUPPRESSION_MARK = /eos-ignore/;

/** What the pre-filter decided for one file. */
export interface PrefilterDecision {
  /** Ids of the rules that may find something. */
  rules: string[];
  /** Whether the file must be parsed: some rule runs, or it holds a suppression comment to judge. */
  parse: boolean;
}

/**
 * The pre-filter of a run: one combined test of every rule's triggers (most files fail it, at the
 * cost of one scan), then each rule's own test and Admission.
 */
export class Prefilter {
  private readonly union: RegExp;
  private readonly evidence: EvidenceIndex;

  constructor(
    private readonly rules: readonly PrefilterRule[],
    files: SourceFiles,
    private readonly types: TypeScope | undefined,
  ) {
    this.union = unionOf([SUPPRESSION_MARK, ...rules.map((r) => r.triggers)]);
    this.evidence = new EvidenceIndex(files, [...new Set(rules.flatMap((r) => (r.admits ? reachedPatterns(r.admits) : [])))]);
  }

  decide(fileName: string, text: string): PrefilterDecision {
    if (!this.union.test(text)) return { rules: [], parse: false };
    const view = this.evidence.view(fileName, text, this.types);
    const rules = this.rules.filter((r) => r.triggers.test(text) && (!r.admits || isAdmitted(r.admits, view))).map((r) => r.id);
    return { rules, parse: rules.length > 0 || SUPPRESSION_MARK.test(text) };
  }

  /** The rules and mode as plain data, for `Prefilter.fromSpec` on another thread. */
  static spec(rules: readonly PrefilterRule[], types: TypeScope | undefined): PrefilterSpec {
    return { types: types && { packages: types.packages && [...types.packages] }, rules: rules.map((r) => ({ id: r.id, triggers: patternOf(r.triggers), admits: r.admits && mapAdmission(r.admits, patternOf) })) };
  }

  static fromSpec(spec: PrefilterSpec, files: SourceFiles): Prefilter {
    // One RegExp per distinct pattern, so the evidence index remembers answers across rules.
    const patterns = new Map<string, RegExp>();
    const regex = (p: PatternSpec): RegExp => {
      const key = `${p.flags}/${p.source}`;
      let r = patterns.get(key);
      if (!r) patterns.set(key, (r = new RegExp(p.source, p.flags)));
      return r;
    };
    const rules = spec.rules.map((r) => ({ id: r.id, triggers: regex(r.triggers), admits: r.admits && mapAdmission(r.admits, regex) }));
    return new Prefilter(rules, files, spec.types && { packages: spec.types.packages && new Set(spec.types.packages) });
  }
}

/** A RegExp as plain data. */
export interface PatternSpec {
  source: string;
  flags: string;
}

/** An Admission as plain data. */
export type AdmissionSpec = AdmissionOf<PatternSpec>;

/** A Prefilter as plain data (structured-clone safe). */
export interface PrefilterSpec {
  /** The TypeScope, its packages as a list. */
  types?: { packages?: string[] };
  rules: Array<{ id: string; triggers: PatternSpec; admits?: AdmissionSpec }>;
}

function patternOf(r: RegExp): PatternSpec {
  return { source: r.source, flags: r.flags };
}

function anyMatches(names: Iterable<string>, pattern: RegExp): boolean {
  for (const name of names) if (pattern.test(name)) return true;
  return false;
}
