/**
 * The real codebases `npm run bench` measures, pinned to a commit, and how a corpus is laid out
 * from a git repository (a bare mirror or a checkout): every TypeScript file of the pinned commit,
 * written to a folder of its own, nothing else (no .gitignore, no config, no node_modules), so
 * that every contender reads the same files and no ignore rule decides for one of them. A corpus
 * made for `--types` also gets what its compiler and package manager need (package.json,
 * tsconfig.json, the lock file), and its dependencies are installed there, outside this repository.
 *
 * Usage on its own: node bench/corpora.mjs <corpus> <git dir> [<out dir>]   (prints the layout)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The files a corpus holds: TypeScript sources, `.ts` and `.tsx` (declaration files included,
 * which every contender skips), as issue 14 measured medusa and theia (10,413 files). The
 * JavaScript of those trees is mostly build scripts, configuration and vendored bundles.
 */
export const LAID_OUT = /\.(ts|tsx)$/;

/**
 * The corpora. `why`: what the corpus stands for. `extra`: further files of the commit a corpus
 * made for `--types` needs (its compiler configuration).
 */
export const CORPORA = {
  medusa: {
    repo: 'medusajs/medusa',
    commit: '59e6747800133e091d20c2c167f600981abc5c0d',
    why: 'commerce platform monorepo: modules, workflows, an event bus and its subscribers (issue 14 measured it)',
  },
  theia: {
    repo: 'eclipse-theia/theia',
    commit: 'c66a38110467826d2eb718fccd88eb2692d28969',
    why: 'IDE framework monorepo, almost broker-free: what most of a large tree looks like to eos (issue 14 measured it)',
  },
  amplication: {
    repo: 'amplication/amplication',
    commit: 'd533515daf0845d82cd7edbe0e5c5f927cf2388a',
    why: 'microservices monorepo: Kafka consumers and producers through kafkajs and NestJS microservices, Prisma writes beside them',
  },
  typeorm: {
    repo: 'typeorm/typeorm',
    commit: '281bfba42a5813b106bcf5ba79bc7f7251bd1e73',
    why: 'one TypeScript project of 3,000+ files with real dependencies (database drivers among them), for --types',
    extra: ['package.json', 'tsconfig.json', 'pnpm-lock.yaml'],
  },
};

/** Corpora measured as one tree: each part laid out in a sub-folder of its own. */
export const COMBINED = { 'medusa+theia': ['medusa', 'theia'] };

/**
 * Where a corpus's repository may be: given explicitly (`--corpus name=path`), or found below a
 * `--repos` folder as `<name>`, `<name>.git` or `<owner>+<name>/repo` (the layout of a folder of
 * mirrors named by owner and repository).
 */
export function findRepository(id, explicit, reposDirs) {
  if (explicit) return path.resolve(explicit);
  const { repo } = CORPORA[id];
  const [owner, name] = repo.split('/');
  for (const dir of reposDirs) {
    for (const candidate of [path.join(dir, name), path.join(dir, `${name}.git`), path.join(dir, `${owner}+${name}`, 'repo')]) {
      if (fs.existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

/** What to tell someone whose corpus is absent or lacks the pinned commit. */
export function absentMessage(id, problem) {
  const { repo, commit } = CORPORA[id];
  const name = repo.split('/')[1];
  return (
    `corpus ${id} (${repo}@${commit.slice(0, 12)}): ${problem}.\n` +
    `  get it with: git clone --bare https://github.com/${repo}.git <dir>/${name}.git   (a checkout works too)\n` +
    `  then pass: --repos <dir>   or   --corpus ${id}=<path of the mirror or checkout>`
  );
}

function git(gitDir, args, options = {}) {
  return spawnSync('git', ['-C', gitDir, ...args], { encoding: options.encoding ?? 'utf8', maxBuffer: 2 * 1024 ** 3, input: options.input });
}

/**
 * Lays out corpus `id` from the repository at `gitDir` into `outDir`, once: `stampFile` (kept
 * out of the corpus, which holds source files only) records what the folder holds, and a folder
 * with a matching stamp is reused. Returns { dir, commit, files } or { error } naming what is missing.
 */
export function layOut(id, gitDir, outDir, stampFile) {
  const corpus = CORPORA[id];
  const stamp = fs.existsSync(stampFile) ? JSON.parse(fs.readFileSync(stampFile, 'utf8')) : undefined;
  if (stamp && fs.existsSync(outDir)) {
    if (stamp.commit === corpus.commit && stamp.pattern === LAID_OUT.source) return { dir: outDir, ...stamp };
  } else if (fs.existsSync(outDir)) {
    // Never removed unless this script wrote it: it may be anything.
    return { error: `corpus ${id}: ${outDir} exists and was not laid out by the bench; remove it or choose another folder` };
  }
  if (!fs.existsSync(gitDir)) return { error: absentMessage(id, `no repository at ${gitDir}`) };
  const resolved = git(gitDir, ['rev-parse', '--verify', '--quiet', `${corpus.commit}^{commit}`]);
  if (resolved.status !== 0) return { error: absentMessage(id, `${gitDir} has no commit ${corpus.commit.slice(0, 12)} (fetch it, or clone again)`) };
  const commit = resolved.stdout.trim();
  // Regular files only (modes 100644/100755): a symbolic link or submodule named *.ts is not source.
  const listed = git(gitDir, ['ls-tree', '-r', '-z', '--full-tree', commit]);
  if (listed.status !== 0) return { error: `corpus ${id}: git ls-tree failed: ${listed.stderr.trim()}` };
  const wanted = [];
  const extra = new Set(corpus.extra ?? []);
  for (const entry of listed.stdout.split('\0')) {
    if (!entry) continue;
    const tab = entry.indexOf('\t');
    const [mode, type, sha] = entry.slice(0, tab).split(' ');
    const file = entry.slice(tab + 1);
    if (type !== 'blob' || (mode !== '100644' && mode !== '100755')) continue;
    if (LAID_OUT.test(file) || extra.has(file)) wanted.push({ sha, file });
  }
  // One `git cat-file --batch` for every blob: "<sha> blob <size>\n<content>\n" each.
  const batch = spawnSync('git', ['-C', gitDir, 'cat-file', '--batch'], { input: wanted.map((w) => w.sha).join('\n') + '\n', maxBuffer: 4 * 1024 ** 3 });
  if (batch.status !== 0) return { error: `corpus ${id}: git cat-file failed: ${batch.stderr.toString().trim()}` };
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.rmSync(stampFile, { force: true });
  const out = batch.stdout;
  let at = 0;
  let bytes = 0;
  for (const { sha, file } of wanted) {
    const eol = out.indexOf(10, at);
    const header = out.toString('utf8', at, eol).split(' ');
    if (header[0] !== sha || header[1] !== 'blob') return { error: `corpus ${id}: unexpected git cat-file output for ${file}: ${header.join(' ')}` };
    const size = Number(header[2]);
    const target = path.join(outDir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, out.subarray(eol + 1, eol + 1 + size));
    bytes += size;
    at = eol + 1 + size + 1;
  }
  const written = { repo: corpus.repo, commit, pattern: LAID_OUT.source, files: wanted.filter((w) => LAID_OUT.test(w.file)).length, bytes };
  fs.mkdirSync(path.dirname(stampFile), { recursive: true });
  fs.writeFileSync(stampFile, JSON.stringify(written, null, 2));
  return { dir: outDir, ...written };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [id, gitDir, out] = process.argv.slice(2);
  if (!CORPORA[id] || !gitDir) {
    console.error(`usage: corpora.mjs <${Object.keys(CORPORA).join('|')}> <git dir> [<out dir>]`);
    process.exit(2);
  }
  const dir = path.resolve(out ?? path.join(os.tmpdir(), 'eos-bench-corpora', id));
  const result = layOut(id, path.resolve(gitDir), dir, `${dir}.corpus.json`);
  if (result.error) {
    console.error(result.error);
    process.exit(1);
  }
  console.log(JSON.stringify(result));
}
