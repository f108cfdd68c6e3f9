import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore = require('ignore');
import { mayBeConnectorConfig } from '../connect/config-file';
import type { InputError } from '../types';
import { describeFsError } from './source';

/** File name endings the analyzer reads. Declaration files (`.d.ts`) hold no runtime code and are left out. */
export const SOURCE_EXTENSIONS: readonly string[] = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

/** Directories never descended into (unless named on the command line): dependencies, build output, VCS data. */
export const DEFAULT_SKIPPED_DIRECTORIES: readonly string[] = ['node_modules', 'dist', 'build', '.git'];

/**
 * Folders of test code. Left out of a walk by default (see `isTestPath`), like the files named as
 * tests: a test that seeds a database and then calls a server, or acks a fake message first, is
 * not a hazard of the service, and its findings would bury the service's own.
 */
export const TEST_DIRECTORIES: readonly string[] = ['__tests__', '__mocks__', '__fixtures__', 'test', 'tests', 'e2e'];

/** Test files by name: `orders.test.ts`, `orders.spec.js`, `app.e2e-spec.ts`, `flow.e2e.ts`. */
const TEST_FILE_NAME = /\.(test|spec|e2e-spec|e2e)\.[cm]?[jt]sx?$/i;

/** Whether `relative` (a path below the analysed folder, `/`-separated) is test code by its name or a folder's. */
export function isTestPath(relative: string): boolean {
  const parts = relative.split('/');
  return TEST_FILE_NAME.test(parts[parts.length - 1]) || parts.slice(0, -1).some((p) => TEST_DIRECTORIES.includes(p));
}

export interface DiscoverOptions {
  /** Directory relative paths are resolved against (default: process.cwd()). */
  cwd?: string;
  /** picomatch globs of paths to leave out, relative to `ignoreBase` (e.g. `generated/**`, `**\/*.test.ts`). */
  ignore?: readonly string[];
  /** Directory the `ignore` globs are relative to: the config file's directory (default: `cwd`). */
  ignoreBase?: string;
  /** Honour .gitignore files (default true). */
  gitignore?: boolean;
  /** Walk into test folders and test files too (default false: see `TEST_DIRECTORIES`). Named files are always analysed. */
  includeTests?: boolean;
}

/** The files to analyse and the paths that could not be walked. */
export interface Discovery {
  /** Absolute paths, sorted, each real file once. */
  files: string[];
  /** Files that may be Kafka Connect connector configs (`*.json`, `*.properties`), sorted; see connect/. */
  configs: string[];
  /** Those of `configs` named on the command line (not found by walking a folder). */
  namedConfigs: string[];
  errors: InputError[];
  /**
   * Source files and folders the walk left out because an ignore rule matched them: the
   * configuration's `ignore` globs, or .gitignore files; and test folders and files, left out by
   * default (`tests`). A run that finds nothing else must say so.
   */
  ignored: { config: number; gitignore: number; tests: number };
}

/**
 * Folders of the operating system's own pseudo file systems (processes, devices, the kernel's
 * objects): they hold no source code, some of their files block when read, and /proc alone has
 * a folder per process and thread. A walk that reaches them (`eos audit /`) does not enter them;
 * named on the command line, they are walked as asked.
 */
export const SYSTEM_DIRECTORIES: readonly string[] = ['/proc', '/sys', '/dev'];

/** Normalises a path for display relative to `cwd`, with forward slashes. */
export function displayPath(file: string, cwd: string): string {
  return path.relative(cwd, file).split(path.sep).join('/');
}

/** Whether a file name is one the analyzer reads. */
export function isSourceFile(fileName: string): boolean {
  const lower = fileName.toLowerCase();
  if (/\.d\.[cm]?ts$/.test(lower)) return false;
  return SOURCE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/**
 * Expands files and folders into the source files to analyse. Folders are walked recursively,
 * honouring .gitignore files (from the repository root down), the configured ignore globs and the
 * default skipped directories; symbolic links are followed, and a link leading back into a folder
 * being walked is reported once instead of looping. Files named explicitly are always analysed.
 * Never throws: unreadable paths become input errors naming the path.
 */
export function discoverFiles(paths: readonly string[], options: DiscoverOptions = {}): Discovery {
  const cwd = options.cwd ?? process.cwd();
  const walker = new Walker(options, cwd);
  for (const p of paths) walker.start(path.resolve(cwd, p));
  return walker.result();
}

/** One .gitignore file: its directory and its rules. */
interface IgnoreLayer {
  dir: string;
  rules: ignore.Ignore;
}

class Walker {
  private readonly files = new Map<string, string>(); // real path → path as reached
  private readonly errors: InputError[] = [];
  private readonly configs = new Set<string>();
  private readonly namedConfigs = new Set<string>();
  private readonly ignoredCount = { config: 0, gitignore: 0, tests: 0 };
  /**
   * Real paths of the folders walked so far. A folder reached again (through a symbolic link, or
   * a second named path) is not walked again: its files are already in. Without it, a ladder of
   * links (each folder linking twice to the next) is walked an exponential number of times.
   */
  private readonly walked = new Set<string>();
  /**
   * Linked folders whose target lies inside the folder being walked (a monorepo's
   * `apps/auth -> services/auth`), walked last: the target is then reached first under its own
   * name, so its files and findings carry their real path, not the link's.
   */
  private readonly linked: Array<{ full: string; real: string; stack: string[]; layers: IgnoreLayer[] }> = [];
  /** The real path of the folder `start` is walking. */
  private root = '';
  private readonly layers = new Map<string, IgnoreLayer | null>();
  private readonly isIgnoredByConfig: (relative: string) => boolean;
  /** Whether the configuration ignores anything (else no path is made relative to its base). */
  private readonly hasConfigIgnores: boolean;
  private readonly ignoreBase: string;
  private readonly useGitignore: boolean;
  private readonly includeTests: boolean;

  constructor(options: DiscoverOptions, cwd: string) {
    this.includeTests = options.includeTests ?? false;
    this.ignoreBase = path.resolve(cwd, options.ignoreBase ?? cwd);
    this.useGitignore = options.gitignore ?? true;
    const globs = [...(options.ignore ?? [])];
    this.hasConfigIgnores = globs.length > 0;
    // Required only when there are globs: loading picomatch is a few ms of every start otherwise.
    this.isIgnoredByConfig = this.hasConfigIgnores ? (require('picomatch') as typeof import('picomatch'))(globs, { dot: true }) : () => false;
  }

  result(): Discovery {
    const files = [...this.files.values()].sort();
    const errors = this.errors.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    return { files, configs: [...this.configs].sort(), namedConfigs: [...this.namedConfigs].sort(), errors, ignored: { ...this.ignoredCount } };
  }

  start(target: string): void {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(target);
    } catch (e) {
      this.errors.push({ file: target, message: `cannot read: ${describeFsError(e)}` });
      return;
    }
    if (stat.isDirectory()) {
      const real = this.realpath(target);
      if (real === undefined || this.walked.has(real)) return;
      this.walked.add(real);
      this.root = real;
      this.walk(target, [real], this.ancestorLayers(target));
      for (let next = this.linked.shift(); next; next = this.linked.shift()) {
        if (this.walked.has(next.real)) continue;
        this.walked.add(next.real);
        this.walk(next.full, next.stack, next.layers);
      }
      return;
    }
    if (!isSourceFile(target) && mayBeConnectorConfig(target)) {
      this.configs.add(target);
      this.namedConfigs.add(target);
      return;
    }
    if (!isSourceFile(target)) {
      this.errors.push({ file: target, message: `not a JavaScript or TypeScript source file (expected ${SOURCE_EXTENSIONS.join(', ')}); skipped` });
      return;
    }
    // Named explicitly: analysed even when an ignore rule matches, as the user asked for it.
    this.addFile(target);
  }

  /** @param knownReal the file's real path when the walk already knows it (no syscall needed) */
  private addFile(file: string, knownReal?: string): void {
    let real = knownReal ?? file;
    if (knownReal === undefined) {
      try {
        real = fs.realpathSync.native(file);
      } catch {
        // A dangling link: keep it, reading it reports the problem with its name.
      }
    }
    if (!this.files.has(real)) this.files.set(real, file);
  }

  private realpath(p: string): string | undefined {
    try {
      return fs.realpathSync.native(p);
    } catch (e) {
      this.errors.push({ file: p, message: `cannot read: ${describeFsError(e)}` });
      return undefined;
    }
  }

  /**
   * @param stack real paths of the folders being walked, outermost first (a link to one of them is a loop)
   * @param layers .gitignore rules that apply inside `dir`, outermost first
   */
  private walk(dir: string, stack: string[], layers: IgnoreLayer[]): void {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      this.errors.push({ file: dir, message: `cannot read directory: ${describeFsError(e)}` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // Usually the folder is its own real path, and so is each plain file in it (one string, not two).
    const realDir = stack[stack.length - 1];
    // Asked of the listing, not of the disk: a failed read per folder (most have no .gitignore)
    // costs an exception each, a noticeable part of walking a large tree.
    const own = this.useGitignore && entries.some((e) => e.name === '.gitignore') ? this.layerOf(dir) : undefined;
    // Joined by hand: `dir` is already normalised and a name holds no separator, so path.join's
    // normalising pass, once per entry, would change nothing.
    const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
    const realPrefix = realDir === dir ? prefix : realDir.endsWith(path.sep) ? realDir : realDir + path.sep;
    const active = own ? [...layers, own] : layers;
    for (const entry of entries) {
      const full = prefix + entry.name;
      let isDirectory = entry.isDirectory();
      const isLink = entry.isSymbolicLink();
      if (isLink) {
        let target: fs.Stats;
        try {
          target = fs.statSync(full);
        } catch (e) {
          // A dangling link only matters where a source file was expected; a loop always does.
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'ELOOP' || isSourceFile(entry.name)) {
            this.errors.push({ file: full, message: `cannot read: ${describeFsError(e)}` });
          }
          continue;
        }
        isDirectory = target.isDirectory();
      }
      if (isDirectory) {
        if (DEFAULT_SKIPPED_DIRECTORIES.includes(entry.name)) continue;
        if (this.isLeftOutTest(TEST_DIRECTORIES.includes(entry.name))) continue;
        if (this.ignored(full, true, active)) continue;
        // A plain folder's real path is its parent's plus its name, as for files below.
        const real = isLink ? this.realpath(full) : realPrefix + entry.name;
        if (real === undefined) continue;
        if (stack.includes(real)) {
          this.errors.push({ file: full, message: `symbolic link loop: leads back to ${real}, which is already being walked; not followed` });
          continue;
        }
        if (this.walked.has(real) || SYSTEM_DIRECTORIES.includes(real)) continue;
        if (isLink && real.startsWith(this.root + path.sep)) {
          this.linked.push({ full, real, stack: [...stack, real], layers: active });
          continue;
        }
        this.walked.add(real);
        this.walk(full, [...stack, real], active);
        continue;
      }
      if (!isSourceFile(entry.name)) {
        // Candidates are only named here; the audit reads them and keeps the connector configs.
        // ignoredBy, not ignored: the "source files left out" counts are about source files.
        if (mayBeConnectorConfig(entry.name) && this.ignoredBy(full, false, active) === undefined) this.configs.add(full);
        continue;
      }
      if (this.isLeftOutTest(TEST_FILE_NAME.test(entry.name))) continue;
      if (this.ignored(full, false, active)) continue;
      // Not only regular files: a FIFO or socket with a source name is passed on, and reading it
      // reports why it cannot be analysed instead of silently dropping it. A plain entry's real
      // path is its folder's real path plus its name: resolving it again per file was most of the
      // time of a cached rerun.
      this.addFile(full, isLink ? undefined : realDir === dir ? full : realPrefix + entry.name);
    }
  }

  /** Whether a test folder or file (`isTest`) is left out of this walk; counted. */
  private isLeftOutTest(isTest: boolean): boolean {
    if (!isTest || this.includeTests) return false;
    this.ignoredCount.tests++;
    return true;
  }

  /** Whether an ignore rule leaves `full` out; counted by source of the rule. */
  private ignored(full: string, isDirectory: boolean, layers: IgnoreLayer[]): boolean {
    const by = this.ignoredBy(full, isDirectory, layers);
    if (by) this.ignoredCount[by]++;
    return by !== undefined;
  }

  private ignoredBy(full: string, isDirectory: boolean, layers: IgnoreLayer[]): 'config' | 'gitignore' | undefined {
    if (this.hasConfigIgnores) {
      const fromBase = path.relative(this.ignoreBase, full).split(path.sep).join('/');
      if (fromBase && !fromBase.startsWith('..') && !path.isAbsolute(fromBase)) {
        if (this.isIgnoredByConfig(fromBase) || (isDirectory && this.isIgnoredByConfig(`${fromBase}/`))) return 'config';
      }
    }
    // As in git, a deeper .gitignore overrides a shallower one (`!keep.gen.ts` below `*.gen.ts`).
    for (let i = layers.length - 1; i >= 0; i--) {
      const layer = layers[i];
      const rel = path.relative(layer.dir, full).split(path.sep).join('/');
      if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) continue;
      const verdict = layer.rules.test(isDirectory ? `${rel}/` : rel);
      if (verdict.ignored) return 'gitignore';
      if (verdict.unignored) return undefined;
    }
    return undefined;
  }

  /** The .gitignore of a folder, parsed once; null when there is none (or it cannot be read). */
  private layerOf(dir: string): IgnoreLayer | undefined {
    if (!this.layers.has(dir)) {
      let layer: IgnoreLayer | null = null;
      try {
        const text = fs.readFileSync(path.join(dir, '.gitignore'), 'utf8');
        layer = { dir, rules: ignore().add(text) };
      } catch {
        layer = null;
      }
      this.layers.set(dir, layer);
    }
    return this.layers.get(dir) ?? undefined;
  }

  /**
   * .gitignore files above a starting folder, from the repository root (the nearest folder holding
   * `.git`) down to the folder's parent. Outside a repository only the walked tree's own count.
   */
  private ancestorLayers(start: string): IgnoreLayer[] {
    if (!this.useGitignore) return [];
    const chain: string[] = [];
    let root: string | undefined;
    for (let dir = path.dirname(start); ; dir = path.dirname(dir)) {
      chain.push(dir);
      if (fs.existsSync(path.join(dir, '.git'))) {
        root = dir;
        break;
      }
      if (path.dirname(dir) === dir) break;
    }
    if (fs.existsSync(path.join(start, '.git')) || root === undefined) return [];
    return chain.reverse().map((d) => this.layerOf(d)).filter((l): l is IgnoreLayer => l !== undefined);
  }
}
