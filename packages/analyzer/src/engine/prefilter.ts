import type { ProjectIndex } from './project-index';

/**
 * What a rule's pre-filter sees of a file without parsing it: its text, and the texts of the
 * files it imports. Rules use it to skip files that cannot produce a finding (see `Rule.admits`).
 */
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
   * Origins come from the type checker (`--types`), which sees through any import (path aliases,
   * workspace packages), so evidence of a library may be in no text `reaches` can find.
   */
  readonly typeAware: boolean;
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
 * Files are read through the ProjectIndex, so a cached analysis records them as dependencies
 * (a change to an imported file can turn a skipped file into a reported one). Like the
 * ProjectIndex's parsed files, what it knows of other files is kept until the analyzer is
 * rebuilt; the file being analysed is always read from the text given.
 */
export class EvidenceIndex {
  private readonly files = new Map<string, FileEvidence | null>();
  private readonly reach = new Map<RegExp, Map<string, boolean>>();

  constructor(private readonly project: ProjectIndex) {}

  /** The pre-filter's view of `fileName` whose current text is `text`. */
  view(fileName: string, text: string, typeAware: boolean): PrefilterView {
    let imports: string[] | undefined;
    const importsOf = (): string[] => (imports ??= this.resolveImports(fileName, text));
    return {
      text,
      typeAware,
      reaches: (pattern) => pattern.test(text) || this.anyReaches(importsOf(), pattern, fileName),
    };
  }

  private resolveImports(fileName: string, text: string): string[] {
    const out = new Set<string>();
    for (const m of text.matchAll(RELATIVE_SPECIFIER)) {
      const target = this.project.resolveModule(fileName, m[1]);
      if (target !== undefined && target !== fileName) out.add(target);
    }
    return [...out];
  }

  private evidenceOf(fileName: string): FileEvidence | undefined {
    let known = this.files.get(fileName);
    if (known === undefined) {
      const text = this.project.readFile(fileName);
      known = text === undefined ? null : { imports: this.resolveImports(fileName, text), matches: new Map() };
      this.files.set(fileName, known);
    }
    return known ?? undefined;
  }

  private matches(fileName: string, evidence: FileEvidence, pattern: RegExp): boolean {
    let hit = evidence.matches.get(pattern);
    if (hit === undefined) {
      hit = pattern.test(this.project.readFile(fileName) ?? '');
      evidence.matches.set(pattern, hit);
    }
    return hit;
  }

  /**
   * Depth-first search from `roots` for a file whose text matches. A file on the path to a match
   * reaches it; when the whole search fails, every file it visited fails too (their imports were
   * all visited), so both answers are remembered. While the ProjectIndex tracks reads (the
   * cache), every file the answer depends on is read again so that it is recorded.
   */
  private anyReaches(roots: readonly string[], pattern: RegExp, origin: string): boolean {
    let known = this.reach.get(pattern);
    if (!known) this.reach.set(pattern, (known = new Map()));
    const tracking = this.project.tracking;
    const visited = new Set<string>([origin]);
    const path: string[] = [];
    const stack: Array<{ file: string; next: number; imports: string[] }> = [];
    const enter = (file: string): boolean => {
      if (visited.has(file)) return false;
      visited.add(file);
      if (tracking) this.project.readFile(file);
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
