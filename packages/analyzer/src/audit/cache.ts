/**
 * Result cache for `eos audit --cache`. Deliberately free of TypeScript imports: a rerun in which
 * nothing changed must not even load the compiler.
 *
 * A file's entry is valid while the file and every file its analysis read (imported handlers,
 * probed module paths) are unchanged. "Unchanged" is checked by size + mtime first and by a
 * content hash when those differ (a fresh CI checkout touches every mtime, not the contents).
 * The key folds in the eos version and the rule configuration: any change there drops the cache.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Finding, InputError } from '../types';
import { isSourceFile } from './files';
import { sha1 } from './sha1';
import { describeFsError, formatBytes } from './source';

/** What the cache stores per analysed file. */
export interface CachedAnalysis {
  findings: Finding[];
  errors: InputError[];
  parsed: boolean;
}

export interface Stamp {
  size: number;
  mtimeMs: number;
  /** sha1 of the content, or null for a file that was probed and absent. */
  hash: string | null;
}

/** A Stamp as stored: [size, mtimeMs, hash]. */
type StoredStamp = [number, number, string | null];

/** One file's entry, as set during a run. */
interface Entry {
  /** The file's own stamp. */
  s: StoredStamp;
  /** Stamps of the other files the result depends on (paths relative to the root). */
  d?: Record<string, StoredStamp>;
  /** The result; absent for a file that was not parsed and gave nothing. */
  r?: CachedAnalysis;
}

/** What a file's entry holds besides its own stamp, as stored; each part is left out when empty. */
interface StoredDetails {
  /**
   * The other files the result depends on, as rows of the table whose stamp is the one the
   * analysis saw. A large tree's files share their imports (and the paths probed for them), so a
   * row per dependency instead of a path and a stamp per dependent made the file ten times smaller.
   */
  d?: number[];
  /** Dependencies whose stamp differs from their row's (a result kept from a run before the file changed), by path. */
  x?: Record<string, StoredStamp>;
  /** The result; absent for a file that was not parsed and gave nothing. */
  r?: CachedAnalysis;
}

/**
 * The cache file. A rerun checks the stamp of every file of a large tree, so stamps are stored
 * as columns (an array per field, one string of all hashes) rather than as an object per file:
 * parsing then makes a few arrays instead of tens of thousands of small objects, which was a
 * good part of a cached rerun (the parse, and the garbage collections that copied them).
 */
interface CacheFileContent {
  format: 4;
  key: string;
  /** The analyzer build the key was made with, so that the next run need not fingerprint it. */
  build: BuildIdentity;
  /** Paths relative to the root, '/'-separated, sorted: the analysed files and the files their results depend on. */
  files: string[];
  /** Per file, as `files`: its size in bytes, or -1 when it was absent (then it has no hash). */
  sizes: number[];
  /** Per file, as `files`: its mtimeMs. */
  mtimes: number[];
  /** Per file, as `files`: HASH_LENGTH hex characters of its content hash (zeros when absent). */
  hashes: string;
  /** By index into `files`, for the files that have dependencies or a result. */
  details: Record<number, StoredDetails>;
  /** Indices into `files` of the rows that are only dependencies, not analysed files (no entry of their own). */
  depsOnly: number[];
}

/** Length of a content hash (sha1, hex). */
const HASH_LENGTH = 40;

/** The hash column's placeholder for an absent file. */
const NO_HASH = '0'.repeat(HASH_LENGTH);

/** The columns as read: an empty table when there is no usable cache file. */
type Table = Omit<CacheFileContent, 'format' | 'key' | 'build'>;

const EMPTY_TABLE: Table = { files: [], sizes: [], mtimes: [], hashes: '', details: {}, depsOnly: [] };

/** Whether parsed JSON has the columns of a format 4 file, of matching lengths. */
function isTable(content: Partial<CacheFileContent>): boolean {
  const { files, sizes, mtimes, hashes, details, depsOnly } = content;
  return (
    Array.isArray(files) &&
    Array.isArray(depsOnly) &&
    Array.isArray(sizes) &&
    Array.isArray(mtimes) &&
    typeof hashes === 'string' &&
    typeof details === 'object' &&
    details !== null &&
    sizes.length === files.length &&
    mtimes.length === files.length &&
    hashes.length === files.length * HASH_LENGTH
  );
}

const stored = (s: Stamp): StoredStamp => [s.size, s.mtimeMs, s.hash];

/** sha1 of a text, hex. */
export function contentHash(text: string): string {
  return sha1(text).toString('hex');
}

/**
 * A stable key from the values that change what the analysis says: their JSON with object keys
 * sorted at every depth, so the same configuration written in another order gives the same key.
 * Compared as it is, not hashed (a hash would cost loading node:crypto on every cached run).
 */
export function cacheKey(parts: Record<string, unknown>): string {
  return stableJson(parts);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The analyzer's code: src under tests, dist when installed. */
const CODE_ROOT = path.resolve(__dirname, '..');

/** The analyzer's code files and its package.json. */
function codeFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (/\.(js|ts)$/.test(e.name) && !e.name.endsWith('.d.ts')) files.push(full);
    }
  };
  walk(CODE_ROOT);
  files.sort();
  // Absent when bundled: the code files still identify the build.
  files.push(path.resolve(CODE_ROOT, '..', 'package.json'));
  return files;
}

/**
 * Identifies the analyzer build: a hash of the contents of every code file of the package and
 * of its package.json. Contents, not mtimes: a CI job that rebuilds eos from the same commit
 * keeps its cache, while a changed rule in development never reuses a stale one. Costs several
 * milliseconds (about a hundred files read and hashed); see `buildIdentity` for the cheap way.
 */
export function analyzerFingerprint(files: readonly string[] = codeFiles()): string {
  const parts: string[] = [];
  for (const file of files) {
    try {
      parts.push(`${path.relative(CODE_ROOT, file)}:${contentHash(fs.readFileSync(file, 'utf8'))}`);
    } catch {
      // Vanished while walking, or no package.json: the next run sees the tree as it is then.
    }
  }
  return contentHash(parts.join('\n'));
}

/** An analyzer build as a cache file remembers it: its fingerprint and how its files looked. */
export interface BuildIdentity {
  /** Each code file's path, size, mtime, ctime and inode, a line each. */
  stamp: string;
  /** `analyzerFingerprint()` of those files. */
  id: string;
}

/**
 * The build's identity, reusing `remembered` when the code files look exactly as they did then:
 * same size, mtime, ctime and inode. Rewriting or copying a file always moves its ctime, which
 * no program can set back, so equal stamps mean unchanged contents, and the files need not be
 * read (a stat each instead of a read and a hash: about 1 ms instead of 8 on every cached run).
 */
export function buildIdentity(remembered?: Partial<BuildIdentity>): BuildIdentity {
  const files = codeFiles();
  const stamp = files
    .map((file) => {
      try {
        const st = fs.statSync(file, STAT_OR_UNDEFINED);
        if (st) return `${file}:${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;
      } catch {
        // Unreadable: as absent (then the fingerprint, which reads it, decides).
      }
      return `${file}:absent`;
    })
    .join('\n');
  if (remembered?.stamp === stamp && typeof remembered.id === 'string') return { stamp, id: remembered.id };
  return { stamp, id: analyzerFingerprint(files) };
}

/** The stamp of a file that is not there (probed and absent, or unreadable). */
const ABSENT: Stamp = Object.freeze({ size: -1, mtimeMs: 0, hash: null });

/**
 * Content hashes already taken during one run, by path, with the size and mtime they were taken
 * at: a file imported by many others is a dependency of each, and hashing its text again for
 * every one of them was most of the extra time of a cold `--cache` run (188k dependency stamps
 * for 21k paths on a 10k-file monorepo). A hash is reused only while size and mtime are the same,
 * which is what a rerun trusts too (see `unchanged`).
 */
export type StampMemo = Map<string, Stamp>;

/**
 * The stamp of a file as a computation read it: its text, null when it was probed and absent
 * (a file that later appears must invalidate the result), or undefined when it was recorded
 * without its text (then read again only if `memo` has no stamp of it at its size and mtime).
 */
export function stampOfRead(file: string, text: string | null | undefined, memo?: StampMemo): Stamp {
  return text === null ? ABSENT : stampOf(file, text, memo);
}

/** The file's current stamp, or an absent stamp. */
function stampOf(file: string, knownText?: string, memo?: StampMemo): Stamp {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return ABSENT;
    const known = memo?.get(file);
    if (known && known.size === st.size && known.mtimeMs === st.mtimeMs) return known;
    const text = knownText ?? fs.readFileSync(file, 'utf8');
    const stamp = { size: st.size, mtimeMs: st.mtimeMs, hash: contentHash(text) };
    memo?.set(file, stamp);
    return stamp;
  } catch {
    return ABSENT;
  }
}

/** statSync options of the unchanged check: absence is an answer, not an exception. */
const STAT_OR_UNDEFINED = { throwIfNoEntry: false } as const;

/**
 * Whether `file` still matches a stamp: stat first, the content hash only when the size matches
 * and the mtime does not (a fresh checkout). `size` -1 stands for a file that was absent.
 */
function unchanged(file: string, size: number, mtimeMs: number, hash: string): boolean {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(file, STAT_OR_UNDEFINED);
  } catch {
    st = undefined;
  }
  if (!st) return size === -1;
  if (st.size !== size) return false;
  if (st.mtimeMs === mtimeMs) return true;
  try {
    return contentHash(fs.readFileSync(file, 'utf8')) === hash;
  } catch {
    return false;
  }
}

/** `unchanged` for a stamp as stored in an entry. */
function unchangedSince(file: string, [size, mtimeMs, hash]: StoredStamp): boolean {
  return unchanged(file, hash === null ? -1 : size, mtimeMs, hash ?? NO_HASH);
}

/** Where a path has a segment starting with a dot. */
const DOT_SEGMENT = `${path.sep}.`;

/** The result of a file that was not parsed and gave nothing; shared, read only. */
const NOTHING: CachedAnalysis = Object.freeze({ parsed: false, errors: Object.freeze([]) as unknown as InputError[], findings: Object.freeze([]) as unknown as Finding[] });

/**
 * The largest cache file read. A JavaScript string holds at most about 512 M characters, so a
 * larger file cannot even be read as text; well before that, reading and parsing it would take
 * seconds and gigabytes to then find it unusable. Its size is checked before anything is read.
 */
export const MAX_CACHE_FILE_BYTES = 256 * 1024 * 1024;

/** A cache file's parsed JSON, or why there is none (`absent`, `invalid` JSON, or a reason to say). */
function readCacheFile(file: string): Partial<CacheFileContent> | 'absent' | 'invalid' | { unusable: string } {
  let raw: string;
  try {
    const { size } = fs.statSync(file);
    if (size > MAX_CACHE_FILE_BYTES) return { unusable: `cache file is ${formatBytes(size)}, over the ${formatBytes(MAX_CACHE_FILE_BYTES)} eos reads` };
    raw = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    return { unusable: `cannot read the cache file (${describeFsError(e)})` };
  }
  try {
    const parsed = JSON.parse(raw) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Partial<CacheFileContent>) : {};
  } catch {
    return 'invalid';
  }
}

/** How every cache file eos writes begins (JSON.stringify puts `format` first), even one cut short. */
const CACHE_FILE_START = /^\s*\{\s*"format"\s*:/;

/**
 * Why `file` must not be used as a cache file, or undefined when it may be (absent, or written by
 * eos: any format, even damaged). A cache is replaced on save, so a file that is not one (a
 * package.json, a source file, a report) is refused rather than lost, and so is a source file
 * name, which the next run would analyse.
 */
export function cacheFileProblem(file: string): string | undefined {
  const refused = (why: string) => `${why}; eos will not write its cache there (choose another --cache-location, or delete the file if it is a damaged cache)`;
  if (isSourceFile(file)) return refused('it is a source file name');
  let fd: number | undefined;
  try {
    if (!fs.statSync(file).isFile()) return refused('it is not a regular file');
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(64);
    const length = fs.readSync(fd, head, 0, head.length, 0);
    return CACHE_FILE_START.test(head.subarray(0, length).toString('utf8')) ? undefined : refused('it exists and is not an eos cache file');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return refused(`cannot read it (${describeFsError(e)})`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Per-file analysis results that survive between runs. */
export class AnalysisCache {
  /** The entries of the cache file, as read. */
  private table: Table = EMPTY_TABLE;
  /** Index into the table's columns by path. */
  private index = new Map<string, number>();
  /** Entries set during this run (null: dropped), which take the place of the table's. */
  private readonly changed = new Map<string, Entry | null>();
  /** Stamps taken during this run (see StampMemo). */
  private readonly stamps: StampMemo = new Map();
  /**
   * The last stamp stored for each dependency, by absolute path, with its path as stored: entries
   * set in one run share them while the stamp is the same (a cold run of a large tree sets
   * hundreds of thousands of dependency stamps for a few thousand files, and kept each as a copy).
   */
  private readonly depStamps = new Map<string, { rel: string; stamp: StoredStamp }>();
  /** Dependency checks made during this run, by path and stamp (see depUnchanged). */
  private readonly depChecks = new Map<string, boolean>();
  /** Per row of the table, whether its file is unchanged: 0 not checked yet, 1 unchanged, 2 changed. */
  private rowChecks = new Uint8Array(0);
  /** Rows of the table that are dependencies only: get() finds no entry there. */
  private depsOnly = new Set<number>();
  /** How many of the table's entries get() found for a file of this run. */
  private found = 0;
  /** Why an existing cache file was discarded, for a one-line notice. */
  discarded?: string;
  /** Why the file cannot be a cache at all (see cacheFileProblem): it is neither read nor written. */
  private refused?: string;
  private dirty = false;

  /** The root with a trailing separator: what the path of a file below it starts with. */
  private readonly rootPrefix: string;

  /** @param root absolute folder the stored paths are relative to */
  private constructor(
    private readonly file: string,
    private readonly key: string,
    private readonly root: string,
    private readonly build: BuildIdentity,
  ) {
    this.rootPrefix = root.endsWith(path.sep) ? root : root + path.sep;
  }

  /**
   * Opens the cache file. A missing file starts empty; an unreadable, corrupt or differently-keyed
   * one is discarded (and overwritten on save), never an error.
   * @param keyFor the key of this run, given the analyzer build's id (see `buildIdentity`)
   */
  static open(file: string, keyFor: (build: string) => string, root: string): AnalysisCache {
    const refused = cacheFileProblem(file);
    if (refused) {
      const build = buildIdentity();
      const cache = new AnalysisCache(file, keyFor(build.id), path.resolve(root), build);
      cache.refused = refused;
      return cache;
    }
    const stored = readCacheFile(file);
    const content = typeof stored === 'object' && !('unusable' in stored) ? stored : undefined;
    const remembered = content?.build !== null && typeof content?.build === 'object' ? content.build : undefined;
    const build = buildIdentity(remembered);
    const key = keyFor(build.id);
    const cache = new AnalysisCache(file, key, path.resolve(root), build);
    if (stored === 'absent') return cache;
    if (typeof stored === 'object' && 'unusable' in stored) cache.discarded = stored.unusable;
    else if (stored === 'invalid') cache.discarded = 'cache file is not valid JSON';
    else if (content?.format !== 4 || !isTable(content)) cache.discarded = 'unknown cache format';
    else if (content.key !== key) cache.discarded = 'eos version or configuration changed';
    else {
      cache.table = content as Table;
      cache.table.files.forEach((f, i) => cache.index.set(f, i));
      cache.depsOnly = new Set(cache.table.depsOnly);
      cache.rowChecks = new Uint8Array(cache.table.files.length);
      // Same build, files seen anew (a rebuild, a fresh install): remember how they look now.
      if (remembered?.stamp !== build.stamp) cache.dirty = true;
    }
    return cache;
  }

  private rel(file: string): string {
    // Files below the root, the usual case, by slicing: path.relative for each of a large tree's
    // files was a noticeable part of a rerun answered from the cache. A path with a segment
    // starting with a dot (perhaps `..`) takes the long way.
    if (file.startsWith(this.rootPrefix) && !file.includes(DOT_SEGMENT, this.rootPrefix.length - 1)) {
      const rel = file.slice(this.rootPrefix.length);
      return path.sep === '/' ? rel : rel.split(path.sep).join('/');
    }
    return path.relative(this.root, file).split(path.sep).join('/');
  }

  private abs(rel: string): string {
    return path.resolve(this.root, rel);
  }

  /**
   * The stored result for `file` if it and everything it depended on are unchanged. An entry that
   * cannot be read as written (a cache file edited by hand) is as good as none.
   */
  get(file: string): CachedAnalysis | undefined {
    try {
      return this.lookup(file);
    } catch {
      return undefined;
    }
  }

  /**
   * `unchangedSince` for a dependency, answered once per run and stamp: a large tree's files share
   * their imports (and the paths probed for them), so a rerun would otherwise stat the same few
   * thousand files again for each of the files depending on them (188k checks for 21k paths on a
   * 10k-file monorepo). Files are taken to hold still during a run, as everywhere else in it.
   */
  private depUnchanged(dep: string, stamp: StoredStamp): boolean {
    const key = `${dep}\0${stamp[0]}\0${stamp[1]}\0${stamp[2]}`;
    let known = this.depChecks.get(key);
    if (known === undefined) {
      known = unchangedSince(this.abs(dep), stamp);
      this.depChecks.set(key, known);
    }
    return known;
  }

  /** Whether the file of a row of the table still matches the row's stamp, answered once per run. */
  private rowUnchanged(i: number): boolean {
    if (!Number.isInteger(i) || i < 0 || i >= this.rowChecks.length) return false;
    if (this.rowChecks[i] === 0) {
      const { files, sizes, mtimes, hashes } = this.table;
      this.rowChecks[i] = unchanged(this.abs(files[i]), sizes[i], mtimes[i], hashes.slice(i * HASH_LENGTH, (i + 1) * HASH_LENGTH)) ? 1 : 2;
    }
    return this.rowChecks[i] === 1;
  }

  private lookup(file: string): CachedAnalysis | undefined {
    const key = this.rel(file);
    let result: CachedAnalysis | undefined;
    if (this.changed.has(key)) {
      const entry = this.changed.get(key);
      if (!entry || !unchangedSince(file, entry.s)) return undefined;
      if (entry.d) for (const dep in entry.d) if (!this.depUnchanged(dep, entry.d[dep])) return undefined;
      result = entry.r;
    } else {
      const i = this.index.get(key);
      if (i === undefined || this.depsOnly.has(i)) return undefined;
      this.found++;
      if (!this.rowUnchanged(i)) return undefined;
      const details = this.table.details[i];
      if (details?.d) for (const row of details.d) if (!this.rowUnchanged(row)) return undefined;
      if (details?.x) for (const dep in details.x) if (!this.depUnchanged(dep, details.x[dep])) return undefined;
      result = details?.r;
    }
    if (!result) return NOTHING;
    const fix = <T extends { file: string }>(x: T): T => ({ ...x, file: this.abs(x.file) });
    return {
      parsed: result.parsed,
      errors: result.errors.map(fix),
      findings: result.findings.map((f) => ({ ...fix(f), related: f.related?.map(fix) })),
    };
  }

  /**
   * Stores the result of analysing `file` (whose text was `text`), with the other files the
   * analysis read (`reads`: path → text, or null when probed and absent).
   */
  set(file: string, text: string, result: CachedAnalysis, reads: ReadonlyMap<string, string | null>, moreDeps: Readonly<Record<string, Stamp>> = {}): void {
    const deps: Record<string, Stamp> = {};
    for (const [dep, depText] of reads) deps[dep] = stampOfRead(dep, depText, this.stamps);
    this.setStamped(file, stampOf(file, text, this.stamps), result, { ...moreDeps, ...deps });
  }

  /**
   * Stores a result with stamps already taken (by the read-ahead thread): the file's own, and
   * those of every other file the result depends on, by absolute path.
   */
  setStamped(file: string, stamp: Stamp, result: CachedAnalysis, depStamps: Readonly<Record<string, Stamp>>): void {
    const entry: Entry = { s: stored(stamp) };
    const self = path.resolve(file);
    for (const [dep, depStamp] of Object.entries(depStamps)) {
      // Dependencies come as absolute, normalised paths: resolved again only when they may not be.
      if ((path.isAbsolute(dep) && !dep.includes(DOT_SEGMENT) ? dep : path.resolve(dep)) === self) continue;
      let shared = this.depStamps.get(dep);
      const [size, mtimeMs, hash] = shared?.stamp ?? [];
      if (!shared || size !== depStamp.size || mtimeMs !== depStamp.mtimeMs || hash !== depStamp.hash) this.depStamps.set(dep, (shared = { rel: this.rel(dep), stamp: stored(depStamp) }));
      (entry.d ??= {})[shared.rel] = shared.stamp;
    }
    if (result.parsed || result.errors.length > 0 || result.findings.length > 0) {
      const fix = <T extends { file: string }>(x: T): T => ({ ...x, file: this.rel(x.file) });
      entry.r = {
        parsed: result.parsed,
        errors: result.errors.map(fix),
        findings: result.findings.map((f) => ({ ...fix(f), related: f.related?.map(fix) })),
      };
    }
    this.changed.set(this.rel(file), entry);
    this.dirty = true;
  }

  /**
   * Drops entries of files no longer in the run, so the cache does not grow forever.
   * @param files every file of the run (get() is asked only for files among them, once each)
   */
  retainOnly(files: Iterable<string>): void {
    // When get() found every entry of the table, none is stale (entries set since are for files
    // of this run too): the usual rerun skips making a set of every path.
    if (this.found === this.table.files.length - this.depsOnly.size) return;
    const keep = new Set([...files].map((f) => this.rel(f)));
    for (const [i, k] of this.table.files.entries()) {
      if (!this.depsOnly.has(i) && !keep.has(k) && !this.changed.has(k)) {
        this.changed.set(k, null);
        this.dirty = true;
      }
    }
    for (const [k, entry] of this.changed) {
      if (entry && !keep.has(k)) {
        this.changed.set(k, null);
        this.dirty = true;
      }
    }
  }

  /** Writes the cache atomically (temp file + rename) when something changed. */
  save(): void {
    if (this.refused) throw new Error(this.refused);
    if (!this.dirty && !this.discarded) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.writeFileSync(tmp, JSON.stringify(this.content()));
    fs.renameSync(tmp, this.file);
    this.dirty = false;
  }

  /** The table's entries with this run's changes, as written. */
  private content(): CacheFileContent {
    const { table } = this;
    const stampAt = (i: number): StoredStamp => (table.sizes[i] === -1 ? [-1, 0, null] : [table.sizes[i], table.mtimes[i], table.hashes.slice(i * HASH_LENGTH, (i + 1) * HASH_LENGTH)]);
    const entries = new Map<string, Entry>();
    table.files.forEach((f, i) => {
      if (this.depsOnly.has(i) || this.changed.has(f)) return;
      const { d, x, r } = table.details[i] ?? {};
      const deps: Record<string, StoredStamp> = { ...x };
      for (const row of d ?? []) deps[table.files[row]] = stampAt(row);
      entries.set(f, { s: stampAt(i), ...(Object.keys(deps).length > 0 ? { d: deps } : {}), ...(r ? { r } : {}) });
    });
    for (const [f, entry] of this.changed) if (entry) entries.set(f, entry);
    // One row per path: an analysed file's own stamp, else the first stamp a dependency was seen with.
    const names = [...entries.keys()].sort();
    const rows = new Map<string, StoredStamp>(names.map((f) => [f, entries.get(f)!.s]));
    const depsOnly = new Set<string>();
    for (const f of names) {
      for (const [dep, stamp] of Object.entries(entries.get(f)!.d ?? {})) {
        if (rows.has(dep)) continue;
        rows.set(dep, stamp);
        depsOnly.add(dep);
      }
    }
    const files = [...rows.keys()].sort();
    const rowOf = new Map(files.map((f, i) => [f, i]));
    const content: CacheFileContent = { format: 4, key: this.key, build: this.build, files, sizes: [], mtimes: [], hashes: '', details: {}, depsOnly: [] };
    const hashes: string[] = [];
    files.forEach((f, i) => {
      const [size, mtimeMs, hash] = rows.get(f)!;
      const absent = hash === null;
      content.sizes.push(absent ? -1 : size);
      content.mtimes.push(absent ? 0 : mtimeMs);
      hashes.push(absent ? NO_HASH : hash);
      if (depsOnly.has(f)) {
        content.depsOnly.push(i);
        return;
      }
      const { d, r } = entries.get(f)!;
      const details: StoredDetails = {};
      for (const [dep, stamp] of Object.entries(d ?? {})) {
        if (sameStamp(stamp, rows.get(dep)!)) (details.d ??= []).push(rowOf.get(dep)!);
        else (details.x ??= {})[dep] = stamp;
      }
      if (r) details.r = r;
      if (details.d || details.x || details.r) content.details[i] = details;
    });
    content.hashes = hashes.join('');
    return content;
  }
}

/** Whether two stored stamps say the same (an absent file's size and mtime do not count). */
function sameStamp(a: StoredStamp, b: StoredStamp): boolean {
  if (a[2] === null || b[2] === null) return a[2] === b[2];
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
}
