import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Class-hierarchy analysis for the syntactic mode, by name: which classes of the project extend or
 * implement a given class or interface, where a class or interface of a given name is declared,
 * and which class a dependency-injection token provides (`{ provide: TOKEN, useClass: X }`).
 *
 * Read from the text of every project file with regular expressions, never parsed: a use case
 * that calls `this.eventBus.publish()` on an interface-typed field needs the implementing class,
 * which lives in a file the use case never imports. The scan is made once per analyzer, the first
 * time such a question is asked, and costs a read and a few regular expressions per file (the
 * parse of those files is paid only for the classes actually followed).
 *
 * Names are compared without their namespace or generic arguments. Two classes of the same name
 * in different packages are both candidates: every implementation is followed (bounded by the
 * caller), as a class-hierarchy analysis does.
 */

/** A class (or interface) declared in a project file. */
export interface ClassRef {
  file: string;
  name: string;
}

/** Where the project's files come from: the run's discovered files, or a folder scan. */
export type ProjectFiles = () => readonly string[];

/** Reads a file's text, undefined when absent. */
export type ReadText = (file: string) => string | undefined;

/** `class X<…> extends A<…> implements B, C {` and `interface X extends A, B {`. */
const DECLARATION = /\b(class|interface)\s+([A-Za-z_$][\w$]*)\s*(<(?:[^<>{}]|\{[^{}]*\}|<[^<>]*>)*>)?\s*((?:extends|implements)\b(?:[^{;]|\{[^{}]*\})*?)?\{/g;
/** `provide: TOKEN, useClass: Impl` (NestJS / Angular-style providers), either order within a few lines. */
const PROVIDER = /provide\s*:\s*([\w$.'"`-]+)\s*,[^}]{0,200}?\buse(?:Class|Existing)\s*:\s*([A-Za-z_$][\w$]*)/g;
/** `provide: TOKEN, useFactory: (…) => new Impl(…)` — the class the factory builds, when it is visible. */
const FACTORY = /provide\s*:\s*([\w$.'"`-]+)\s*,[^}]{0,200}?\buseFactory\s*:[^}]{0,300}?\bnew\s+([A-Za-z_$][\w$]*)/g;
/** Inversify-style bindings: `bind(TOKEN).to(Impl)` / `bind<T>(TOKEN).to(Impl)`. */
const BINDING = /\bbind\s*(?:<[^>]*>)?\s*\(\s*([\w$.'"`-]+)\s*\)\s*\.\s*to\s*\(\s*([A-Za-z_$][\w$]*)\s*\)/g;

/** Files larger than this are not scanned (generated bundles). */
const MAX_SCANNED_BYTES = 1_000_000;
/** A folder scan (no file list given) stops after this many files. */
const MAX_SCANNED_FILES = 20_000;
const SOURCE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'dist', 'build', 'out', 'coverage', '.next']);

export class ClassHierarchy {
  /** Base or interface name → classes and interfaces naming it in their `extends` / `implements`. */
  private readonly heritage = new Map<string, ClassRef[]>();
  /** Class or interface name → files declaring it. */
  private readonly declared = new Map<string, string[]>();
  /** Names declared as `interface`, or as `abstract class`. */
  private readonly abstractNames = new Set<string>();
  /** Injection token text (quotes removed) → class names provided for it. */
  private readonly provided = new Map<string, string[]>();

  constructor(files: readonly string[], read: ReadText) {
    for (const file of files) {
      let text: string | undefined;
      try {
        text = read(file);
      } catch (e) {
        // A file that vanished or cannot be read since discovery is left out of the index (the
        // run names unreadable inputs itself); anything else is a bug and surfaces.
        if (!isFileSystemError(e)) throw e;
        text = undefined;
      }
      if (text === undefined || text.length > MAX_SCANNED_BYTES) continue;
      this.scan(file, text);
    }
  }

  private scan(file: string, text: string): void {
    if (!/\b(class|interface)\b/.test(text)) return;
    for (const m of text.matchAll(DECLARATION)) {
      const [, keyword, name, , clause] = m;
      push(this.declared, name, file);
      const before = text.slice(Math.max(0, (m.index ?? 0) - 10), m.index);
      if (keyword === 'interface' || /\babstract\s+$/.test(before)) this.abstractNames.add(name);
      if (!clause) continue;
      for (const base of heritageNames(clause)) push(this.heritage, base, { file, name });
    }
    if (!/\b(provide|bind)\b/.test(text)) return;
    for (const re of [PROVIDER, FACTORY, BINDING]) {
      for (const m of text.matchAll(re)) push(this.provided, tokenKey(m[1]), m[2]);
    }
  }

  /**
   * Every class of the project that extends or implements `name`, directly or through other
   * classes and interfaces, at most `limit` of them (nearest first).
   */
  subtypesOf(name: string, limit = 8): ClassRef[] {
    const out: ClassRef[] = [];
    const seen = new Set<string>([name]);
    const queue = [name];
    while (queue.length > 0 && out.length < limit) {
      const next = queue.shift() as string;
      for (const ref of this.heritage.get(next) ?? []) {
        const key = `${ref.file}\0${ref.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(ref);
        if (!seen.has(ref.name)) {
          seen.add(ref.name);
          queue.push(ref.name);
        }
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  /** Files that declare a class or interface named `name`. */
  filesDeclaring(name: string): readonly string[] {
    return this.declared.get(name) ?? [];
  }

  /** Whether `name` is declared somewhere as an interface or an abstract class. */
  isAbstract(name: string): boolean {
    return this.abstractNames.has(name);
  }

  /** Classes a DI container provides for a token (`'EVENT_BUS'`, `EVENT_BUS`, `Symbol` constant, or a class used as token). */
  providersOf(token: string): readonly string[] {
    return this.provided.get(tokenKey(token)) ?? [];
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** `extends Base<T> implements A, ns.B<X>` → ['Base', 'A', 'B']. */
function heritageNames(clause: string): string[] {
  let depth = 0;
  let plain = '';
  for (const ch of clause) {
    if (ch === '<' || ch === '(') depth++;
    else if (ch === '>' || ch === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0) plain += ch;
  }
  const out: string[] = [];
  for (const part of plain.split(/\b(?:extends|implements)\b|,/)) {
    const name = part.trim().split('.').pop()?.trim();
    if (name && /^[A-Za-z_$][\w$]*$/.test(name)) out.push(name);
  }
  return out;
}

/** A token as written, without quotes or a namespace: `'EVENT_BUS'`, `Tokens.EVENT_BUS` → EVENT_BUS. */
export function tokenKey(token: string): string {
  return token.replace(/^['"`]|['"`]$/g, '').split('.').pop() ?? token;
}

/**
 * The source files of the project holding `file` when the run gave no list (an editor, a test):
 * the files below the nearest folder with a package.json or tsconfig.json, build output and
 * dependencies left out, at most MAX_SCANNED_FILES.
 */
export function projectAround(file: string): { root: string; files: string[] } {
  let root = path.dirname(path.resolve(file));
  for (let dir = root; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) || fs.existsSync(path.join(dir, 'tsconfig.json'))) {
      root = dir;
      break;
    }
    if (path.dirname(dir) === dir) break;
  }
  const out: string[] = [];
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      // An unreadable folder near the edited file holds nothing the editor could use.
      if (!isFileSystemError(e)) throw e;
      return;
    }
    for (const e of entries) {
      if (out.length >= MAX_SCANNED_FILES) return;
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name) && !e.name.startsWith('.')) walk(path.join(dir, e.name));
      } else if (e.isFile() && SOURCE.test(e.name) && !e.name.endsWith('.d.ts')) {
        out.push(path.join(dir, e.name));
      }
    }
  };
  walk(root);
  return { root, files: out };
}

/** An error of the file system (it carries an errno code such as ENOENT or EACCES), not a bug. */
function isFileSystemError(e: unknown): boolean {
  return typeof (e as NodeJS.ErrnoException | undefined)?.code === 'string';
}
