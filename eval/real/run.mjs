#!/usr/bin/env node
/**
 * `npm run eval:real -- --mirrors DIR [--set tune|holdout|all] [--json FILE] [--show-holdout-misses]`
 *
 * Lays out every labelled repository at its commit from a local bare mirror
 * (DIR/<owner>+<name>/repo), runs the built `eos audit <tree> --format json` once per repository,
 * as a user would, and scores the findings against labels.jsonl (protocol: README.md here).
 * Holdout details stay hidden unless --show-holdout-misses is given. A development tool: it needs
 * the mirrors, so it is not part of CI.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RULES, SETS, figures, groupBy, mergeScores, parseLabels, scoreRepository } from './score.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

const USAGE = `usage: npm run eval:real -- --mirrors DIR [--set tune|holdout|all] [--json FILE] [--show-holdout-misses]
       [--work DIR] [--labels FILE] [--eos FILE] [--timeout SECONDS]`;

function parseArgs(argv) {
  const valued = new Set(['--mirrors', '--set', '--json', '--work', '--labels', '--eos', '--timeout']);
  const flags = new Set(['--show-holdout-misses', '--help']);
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (flags.has(a)) opts[a.slice(2)] = true;
    else if (valued.has(a)) {
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
      opts[a.slice(2)] = argv[++i];
    } else throw new UsageError(`unknown argument ${a}`);
  }
  if (opts.help) return opts;
  if (!opts.mirrors) throw new UsageError('--mirrors DIR is required');
  opts.set ??= 'tune';
  if (![...SETS, 'all'].includes(opts.set)) throw new UsageError(`--set must be tune, holdout or all, not ${opts.set}`);
  opts.timeout = Number(opts.timeout ?? 3600);
  if (!(opts.timeout > 0)) throw new UsageError('--timeout must be a positive number of seconds');
  opts.labels = path.resolve(opts.labels ?? path.join(here, 'labels.jsonl'));
  opts.work = path.resolve(opts.work ?? path.join(os.tmpdir(), 'eos-eval-real'));
  opts.builtEos = opts.eos === undefined;
  opts.eos = path.resolve(opts.eos ?? path.join(root, 'packages/cli/bin/run.js'));
  opts.mirrors = path.resolve(opts.mirrors);
  return opts;
}

class UsageError extends Error {}

const slug = (repo) => repo.replace('/', '+');

/** The bare mirror of a repository, or a sentence saying why it cannot be used. */
function mirrorOf(mirrors, repo, commit) {
  const snapshot = path.join(mirrors, slug(repo), 'repo');
  // Some snapshots arrive as a clone with a work tree: their git directory is repo/.git.
  const gitDir = fs.existsSync(path.join(snapshot, '.git')) ? path.join(snapshot, '.git') : snapshot;
  if (!fs.existsSync(gitDir)) return { problem: `no mirror at ${gitDir}; get it with the fetch tool: fetch github:${repo}` };
  const probe = spawnSync('git', ['--git-dir', gitDir, 'cat-file', '-e', `${commit}^{commit}`], { encoding: 'utf8' });
  if (probe.error) return { problem: `cannot run git (${probe.error.message})` };
  if (probe.status !== 0) return { problem: `the mirror at ${gitDir} does not contain commit ${commit}; fetch github:${repo} again, or relabel at a commit it has` };
  return { gitDir };
}

/**
 * Extracts the whole tree at `commit` into `dir` (git archive | tar), unless a complete copy is
 * there. Mirrors may lack some blobs (snapshots leave out very large files); those paths are left
 * out of the archive and counted, so the rest of the tree is still analysed.
 */
async function layOut(gitDir, commit, dir) {
  const stamp = `${dir}.complete`;
  if (fs.existsSync(stamp) && fs.existsSync(dir)) {
    const [done, absent] = fs.readFileSync(stamp, 'utf8').trim().split(' ');
    if (done === commit) return { reused: true, absent: Number(absent ?? 0) };
  }
  fs.rmSync(stamp, { force: true });
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const absent = absentBlobs(gitDir, commit);
  const pathspec = absent.length === 0 ? [] : ['--', '.', ...absent.map((p) => `:(exclude,literal)${p}`)];
  const git = spawn('git', ['--git-dir', gitDir, 'archive', '--format=tar', commit, ...pathspec], { stdio: ['ignore', 'pipe', 'pipe'] });
  const tar = spawn('tar', ['-x', '-f', '-', '-C', dir], { stdio: ['pipe', 'ignore', 'pipe'] });
  git.stdout.pipe(tar.stdin);
  const [gitExit, tarExit] = await Promise.all([exited(git), exited(tar)]);
  if (gitExit.code !== 0 || tarExit.code !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`laying out ${commit.slice(0, 12)} failed: ${(gitExit.stderr + tarExit.stderr).trim() || `exit ${gitExit.code}/${tarExit.code}`}`);
  }
  fs.writeFileSync(stamp, `${commit} ${absent.length}\n`);
  return { reused: false, absent: absent.length };
}

/** Paths at `commit` whose blob the mirror does not have. */
function absentBlobs(gitDir, commit) {
  const run = (args, input) => {
    const r = spawnSync('git', ['--git-dir', gitDir, ...args], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`git ${args[0]} failed: ${(r.stderr || r.error?.message || '').trim()}`);
    return r.stdout;
  };
  const blobs = run(['ls-tree', '-r', '-z', '--full-tree', commit])
    .split('\0')
    .filter(Boolean)
    .map((entry) => {
      const tab = entry.indexOf('\t');
      const [, type, sha] = entry.slice(0, tab).split(' ');
      return { type, sha, path: entry.slice(tab + 1) };
    })
    .filter((e) => e.type === 'blob');
  if (blobs.length === 0) return [];
  const missing = new Set(
    run(['cat-file', '--batch-check'], `${blobs.map((b) => b.sha).join('\n')}\n`)
      .split('\n')
      .filter((line) => line.endsWith(' missing'))
      .map((line) => line.split(' ')[0]),
  );
  return blobs.filter((b) => missing.has(b.sha)).map((b) => b.path);
}

function exited(child) {
  return new Promise((resolve) => {
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    child.on('error', (e) => resolve({ code: -1, stderr: e.message }));
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stderr }));
  });
}

/** Runs `eos audit <tree> --format json` from the tree, as a user in that project would. */
async function audit(eos, tree, timeoutSeconds) {
  const child = spawn(process.execPath, [eos, 'audit', tree, '--format', 'json'], { cwd: tree, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks = [];
  child.stdout.on('data', (d) => chunks.push(d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutSeconds * 1000);
  const started = Date.now();
  const end = await exited(child);
  clearTimeout(timer);
  const ms = Date.now() - started;
  if (end.signal) throw new Error(`eos was stopped after ${Math.round(ms / 1000)} s (${end.signal}; --timeout ${timeoutSeconds})`);
  // 0: nothing reached --fail-on; 1: findings, or inputs that could not be analysed. Anything else is eos failing.
  if (end.code !== 0 && end.code !== 1) throw new Error(`eos exited with ${end.code}: ${end.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  let report;
  try {
    report = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    throw new Error(`eos printed no JSON report (${e.message}); stderr: ${end.stderr.trim().slice(0, 300)}`);
  }
  return { report, ms };
}

const pct = (x) => (x === null ? '   -' : `${(x * 100).toFixed(0).padStart(3)}%`);

function table(fig) {
  const lines = [`  ${'rule'.padEnd(20)} ${'TP'.padStart(4)} ${'FP'.padStart(4)} ${'miss'.padStart(5)}  precision  recall`];
  const line = (name, r) => `  ${name.padEnd(20)} ${String(r.tp).padStart(4)} ${String(r.fp).padStart(4)} ${String(r.fn).padStart(5)}  ${pct(r.precision).padStart(9)}  ${pct(r.recall).padStart(6)}`;
  for (const rule of RULES) lines.push(line(rule, fig.rules[rule]));
  lines.push(line('all three', fig.all));
  return lines.join('\n');
}

const oneLine = (s, n = 160) => {
  const t = String(s ?? '').replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
};

function details(scores) {
  const out = [];
  const misses = [...scores.misses].sort(byPlace((l) => [l.repo, l.path, l.line]));
  out.push(`  misses (${misses.length}):`);
  for (const l of misses) out.push(`    ${l.repo} ${l.path}:${l.line}${l.endLine !== l.line ? `-${l.endLine}` : ''}  ${l.rule}  ${oneLine(l.note)}`);
  const fps = [...scores.falsePositives].sort(byPlace((f) => [f.repo, f.file, f.line]));
  out.push(`  false positives (${fps.length}):`);
  for (const f of fps) {
    const label = f.clean ? `labelled clean: ${oneLine(f.clean.note, 100)}` : 'no label of this rule at this line';
    out.push(`    ${f.repo} ${f.file}:${f.line}  ${f.ruleId}  ${oneLine(f.message, 120)}  [${label}]`);
  }
  return out.join('\n');
}

function byPlace(key) {
  return (a, b) => {
    const [x, y] = [key(a), key(b)];
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
  };
}

function eosVersion() {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'packages/cli/package.json'), 'utf8'));
  const head = spawnSync('git', ['-C', root, 'rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' });
  return `${pkg.version}${head.status === 0 ? ` at ${head.stdout.trim()}` : ''}`;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`eval:real: ${e.message}\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  if (opts.builtEos && !fs.existsSync(path.join(root, 'packages/cli/dist/commands/audit.js'))) {
    console.error('eval:real: eos is not built; build it first (npm run build)');
    return 2;
  }
  if (!fs.existsSync(opts.eos)) {
    console.error(`eval:real: no eos CLI at ${opts.eos}`);
    return 2;
  }
  if (!fs.existsSync(opts.labels)) {
    console.error(`eval:real: no labels file at ${opts.labels}`);
    return 2;
  }

  const showDetails = (set) => set === 'tune' || opts['show-holdout-misses'];
  const { labels: all, problems } = parseLabels(fs.readFileSync(opts.labels, 'utf8'));
  const shownLabels = path.relative(process.cwd(), opts.labels);
  for (const p of problems) {
    const text = p.set === undefined || showDetails(p.set) ? p.text : `line ${p.line}: a ${p.set} row is unusable (details hidden; --show-holdout-misses shows them)`;
    console.error(`eval:real: ${shownLabels} ${text} (left out)`);
  }
  const wanted = opts.set === 'all' ? SETS : [opts.set];
  const labels = all.filter((l) => wanted.includes(l.set));
  if (labels.length === 0) {
    console.error(`eval:real: no usable labels for set ${opts.set} in ${opts.labels}`);
    return 2;
  }

  const version = opts.builtEos ? eosVersion() : opts.eos;
  console.log(`eos real-code evaluation — eos ${version} — set ${opts.set}`);
  console.log(`mirrors ${opts.mirrors}; trees under ${opts.work}`);
  fs.mkdirSync(opts.work, { recursive: true });

  const repos = [];
  const scored = []; // per repository: { set -> scores }
  for (const [repo, rows] of groupBy(labels, (l) => l.repo)) {
    const commit = rows[0].commit;
    const entry = { repo, commit, sets: [...new Set(rows.map((r) => r.set))], files: new Set(rows.map((r) => r.path)).size, status: 'scored' };
    repos.push(entry);
    const hidden = entry.sets.every((s) => !showDetails(s));
    const name = hidden ? `${entry.sets.join('+')} repository` : `${repo}@${commit.slice(0, 12)}`;
    const mirror = mirrorOf(opts.mirrors, repo, commit);
    if (mirror.problem) {
      entry.status = 'not scored';
      entry.reason = mirror.problem;
      // A missing mirror must be fixable, so it is named even for the holdout set.
      console.log(`  ${repo}: NOT SCORED — ${mirror.problem}`);
      continue;
    }
    const tree = path.join(opts.work, `${slug(repo)}@${commit}`);
    try {
      const laid = await layOut(mirror.gitDir, commit, tree);
      const notInTree = [...new Set(rows.map((r) => r.path))].filter((p) => !fs.existsSync(path.join(tree, p)));
      for (const p of notInTree) console.log(`  ${hidden ? name : repo}: labelled file ${hidden ? '(hidden)' : p} is not in the tree at ${commit.slice(0, 12)}; its labels count as misses`);
      const { report, ms } = await audit(opts.eos, tree, opts.timeout);
      const findings = report.findings.map((f) => ({ ...f, file: f.file.split(path.sep).join('/') }));
      const labelledPaths = new Set(rows.map((r) => r.path));
      const inLabelled = findings.filter((f) => RULES.includes(f.ruleId) && labelledPaths.has(f.file)).length;
      const unreadable = report.errors.filter((e) => labelledPaths.has(e.file));
      Object.assign(entry, { ms, reused: laid.reused, absentFromMirror: laid.absent, analysed: report.stats.files, findings: findings.length, findingsInLabelledFiles: inLabelled, inputErrors: report.errors.length });
      console.log(`  ${name}: ${report.stats.files} files analysed in ${(ms / 1000).toFixed(1)} s${laid.reused ? ' (tree reused)' : ''}, ${findings.length} findings, ${inLabelled} of the three rules in ${entry.files} labelled files${report.errors.length ? `, ${report.errors.length} inputs not analysed` : ''}${laid.absent ? `, ${laid.absent} files absent from the mirror` : ''}`);
      for (const e of unreadable) console.log(`    labelled file ${hidden ? '(hidden)' : e.file} was not analysed: ${e.message}`);
      const bySet = {};
      for (const set of entry.sets) bySet[set] = scoreRepository(rows.filter((r) => r.set === set), findings);
      scored.push(bySet);
    } catch (e) {
      entry.status = 'not scored';
      entry.reason = e.message;
      console.log(`  ${name}: NOT SCORED — ${e.message}`);
    }
  }

  const summary = {};
  for (const set of wanted) {
    const setRows = labels.filter((l) => l.set === set);
    if (setRows.length === 0) continue;
    const setRepos = repos.filter((r) => r.sets.includes(set));
    const scores = mergeScores(scored.map((s) => s[set]).filter(Boolean));
    const fig = figures(scores);
    const unscored = setRepos.filter((r) => r.status !== 'scored');
    const expected = setRows.filter((l) => l.expect === 'finding').length;
    console.log(`\n${set} set: ${new Set(setRows.map((l) => `${l.repo} ${l.path}`)).size} files from ${setRepos.length} repositories, ${expected} finding labels${unscored.length ? `; ${unscored.length} repositories NOT SCORED (their labels are left out of the figures)` : ''}`);
    console.log(table(fig));
    if (showDetails(set)) console.log(details(scores));
    else console.log('  (misses and false positives hidden; --show-holdout-misses lists them)');
    summary[set] = {
      files: new Set(setRows.map((l) => `${l.repo} ${l.path}`)).size,
      repositories: setRepos.length,
      notScored: unscored.length,
      figures: fig,
      ...(showDetails(set)
        ? {
            misses: scores.misses.map(({ source, ...l }) => l),
            falsePositives: scores.falsePositives.map(({ clean, ...f }) => ({ ...f, cleanNote: clean?.note })),
            matched: scores.matched.map((m) => ({ repo: m.label.repo, path: m.label.path, rule: m.label.rule, line: m.label.line, endLine: m.label.endLine, findingLines: m.findings.map((f) => f.line) })),
          }
        : {}),
    };
  }

  if (opts.json) {
    const hideRepo = (r) => r.sets.every((s) => !showDetails(s));
    const out = {
      eos: version,
      set: opts.set,
      labels: path.relative(root, opts.labels),
      repositories: repos.map((r) => (hideRepo(r) ? { sets: r.sets, status: r.status, ...(r.status === 'scored' ? {} : { repo: r.repo, reason: r.reason }) } : r)),
      sets: summary,
    };
    fs.writeFileSync(opts.json, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`\nwrote ${opts.json}`);
  }
  return repos.some((r) => r.status !== 'scored') ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(`eval:real: internal error: ${e.stack ?? e}`);
    process.exitCode = 2;
  },
);
