#!/usr/bin/env node
/**
 * `npm run bench`: eos audit against the parse floor and the ESLint peer, side by side in one run.
 *
 * For each corpus (the synthetic monorepo, generated with a fixed seed, plus any folders given on
 * the command line) it alternates the contenders round by round (A B C D, A B C D, ...) so that
 * drift of the machine hits them alike, and reports medians, min–max, files/s, peak RSS and the
 * ratios to the floor. Results go to stdout as a table and to bench/results/<stamp>.json.
 *
 * `eos audit --types` is timed on every corpus with a tsconfig.json, and on a second synthetic
 * corpus made for it: the same generator with `--deps`, so that the program has real
 * dependencies (Node's typings, pg, kafkajs, amqplib, the AWS SDK from this repo's
 * node_modules), at the size of a typeorm-like project (--types-files, default 3,000).
 *
 * Usage: node bench/run.mjs [--files 10000] [--types-files 3000] [--runs 5] [--skip-eslint] [--skip-types] [--skip-editor] [extra corpus dirs...]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1];
};
const FILES = Number(option('files', 10_000));
const TYPES_FILES = Number(option('types-files', 3_000));
const RUNS = Number(option('runs', 5));
const SKIP_ESLINT = args.includes('--skip-eslint');
const SKIP_TYPES = args.includes('--skip-types');
const VALUED = new Set(['--files', '--types-files', '--runs']);
const extra = args.filter((a, i) => !a.startsWith('--') && !VALUED.has(args[i - 1]));

if (!fs.existsSync(path.join(root, 'packages/cli/dist/commands/audit.js'))) {
  console.error('bench: build first (npm run build)');
  process.exit(2);
}

/**
 * eos is timed from a private copy of its build (analyzer + cli dist, with an oclif manifest as the
 * published package has one; without it oclif loads every command, and with them the compiler).
 * The copy keeps the figures steady while the working tree is rebuilt: a rebuilt analyzer is a new
 * eos version to the cache, which would turn the warm contender into a cold one.
 */
function snapshotEos() {
  const snap = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-bench-build-'));
  const analyzer = path.join(snap, 'cli/node_modules/@eos/analyzer');
  for (const [from, to] of [
    ['packages/analyzer/dist', path.join(analyzer, 'dist')],
    ['packages/analyzer/package.json', path.join(analyzer, 'package.json')],
    // The analyzer's own dependencies where npm nested them (another version than the root's).
    ['packages/analyzer/node_modules', path.join(analyzer, 'node_modules')],
    ['packages/cli/dist', path.join(snap, 'cli/dist')],
    ['packages/cli/bin', path.join(snap, 'cli/bin')],
    ['packages/cli/package.json', path.join(snap, 'cli/package.json')],
  ]) {
    if (fs.existsSync(path.join(root, from))) fs.cpSync(path.join(root, from), to, { recursive: true });
  }
  process.on('exit', () => fs.rmSync(snap, { recursive: true, force: true }));
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));
  const env = { ...process.env, NODE_PATH: path.join(root, 'node_modules') };
  const made = spawnSync(process.execPath, [path.join(root, 'node_modules/oclif/bin/run.js'), 'manifest'], { cwd: path.join(snap, 'cli'), env, encoding: 'utf8' });
  if (made.status !== 0) console.error(`bench: no oclif manifest (${made.stderr.trim().split('\n')[0]}); eos timed without it`);
  return { bin: path.join(snap, 'cli/bin/run.js'), env };
}
const eos = snapshotEos();

/**
 * Runs a command under /usr/bin/time; returns wall ms, CPU ms (user + system: the figure that
 * holds up on a machine other jobs are loading) and peak RSS in MiB. Wall time is taken here, to
 * the microsecond: /usr/bin/time gives it in hundredths of a second, too coarse for a 0.25 s run.
 */
function measure(cmd, argv, cwd, extraEnv = {}) {
  const timeFile = path.join(os.tmpdir(), `eos-bench-time-${process.pid}`);
  const started = process.hrtime.bigint();
  const res = spawnSync('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, cmd, ...argv], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    env: { ...process.env, ...extraEnv, NO_COLOR: '1' },
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const [user, sys, kib] = fs.readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-3).map(Number);
  // eos exits 1 when it has findings and ESLint when it has problems: both are normal here.
  if (res.status !== 0 && res.status !== 1) {
    throw new Error(`${cmd} ${argv.join(' ')} exited ${res.status}: ${res.stderr.slice(0, 500)}`);
  }
  return { ms: wallMs, cpuMs: (user + sys) * 1000, rssMiB: kib / 1024, stdout: res.stdout };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Source files below `dir`, counted as parse-floor.mjs selects them (without parsing them). */
function countFiles(dir) {
  let count = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (!['node_modules', 'dist', 'build', '.git'].includes(e.name)) count += countFiles(path.join(dir, e.name));
    } else if (e.isFile() && /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/.test(e.name) && !e.name.endsWith('.d.ts')) {
      count++;
    }
  }
  return count;
}

/**
 * The contenders for one corpus; each returns a measurement. `typesOnly`: the corpus made for
 * `--types` (floor, eos, eos --types: the cache and the peer are timed on the others).
 */
function contenders(dir, { typesOnly = false } = {}) {
  const cacheFile = path.join(os.tmpdir(), `eos-bench-cache-${process.pid}.json`);
  const list = [
    { name: 'floor: TypeScript parse', run: () => measure(process.execPath, [path.join(root, 'bench/parse-floor.mjs'), dir], dir) },
    { name: 'eos audit', run: () => measure(process.execPath, [eos.bin, 'audit', '.', '--format', 'json'], dir, eos.env) },
  ];
  if (!SKIP_TYPES && fs.existsSync(path.join(dir, 'tsconfig.json'))) {
    list.push({ name: 'eos audit --types', run: () => measure(process.execPath, [eos.bin, 'audit', '.', '--types', '--format', 'json'], dir, eos.env) });
  }
  if (typesOnly) return list;
  const cached = [eos.bin, 'audit', '.', '--format', 'json', '--cache', '--cache-location', cacheFile];
  // Cold then warm in every round: the cold run starts from no cache file and writes it (it hashes
  // every file), the warm one reruns with nothing changed, answered from that file.
  list.push({
    name: 'eos audit --cache (cold: writes the cache)',
    run: () => {
      fs.rmSync(cacheFile, { force: true });
      return measure(process.execPath, cached, dir, eos.env);
    },
  });
  list.push({ name: 'eos audit --cache (warm: unchanged rerun)', run: () => measure(process.execPath, cached, dir, eos.env) });
  // What any run pays before it looks at a file, for reading the warm rerun's figure.
  list.push({ name: 'reference: Node start (node -e 0)', run: () => measure(process.execPath, ['-e', '0'], dir) });
  list.push({ name: 'reference: eos --version (Node + oclif start)', run: () => measure(process.execPath, [eos.bin, '--version'], dir, eos.env) });
  if (!SKIP_ESLINT) {
    list.push({
      name: 'peer: ESLint + typescript-eslint (1 rule)',
      run: () => measure(process.execPath, [path.join(root, 'node_modules/eslint/bin/eslint.js'), '--no-warn-ignored', '-c', path.join(root, 'bench/eslint-peer/eslint.config.cjs'), '.', '-f', 'json'], dir),
    });
  }
  return list;
}

function benchCorpus(name, dir, kind = {}) {
  const files = countFiles(dir);
  const list = contenders(dir, kind);
  const samples = new Map(list.map((c) => [c.name, []]));
  for (let round = 0; round < RUNS; round++) {
    for (const c of list) {
      const m = c.run();
      samples.get(c.name).push(m);
      process.stderr.write(`  ${name} round ${round + 1}/${RUNS}: ${c.name} ${Math.round(m.ms)} ms\n`);
    }
  }
  const rows = list.map((c) => {
    const ms = samples.get(c.name).map((m) => m.ms);
    const rss = samples.get(c.name).map((m) => m.rssMiB);
    const cpu = samples.get(c.name).map((m) => m.cpuMs);
    return { name: c.name, medianMs: median(ms), minMs: Math.min(...ms), maxMs: Math.max(...ms), medianCpuMs: median(cpu), filesPerSec: Math.round(files / (median(ms) / 1000)), peakRssMiB: Math.round(Math.max(...rss)) };
  });
  const floor = rows[0].medianMs;
  const floorCpu = rows[0].medianCpuMs;
  for (const r of rows) {
    r.ratioToFloor = Number((r.medianMs / floor).toFixed(2));
    r.cpuRatioToFloor = Number((r.medianCpuMs / floorCpu).toFixed(2));
  }
  const eslint = rows.find((r) => r.name.startsWith('peer'));
  const eos = rows.find((r) => r.name === 'eos audit');
  const cold = eos.medianMs;
  const warm = rows.find((r) => r.name.includes('--cache (warm'));
  const coldCache = rows.find((r) => r.name.includes('--cache (cold'));
  return {
    corpus: name,
    dir,
    files,
    rows,
    speedupVsEslint: eslint ? Number((eslint.medianMs / eos.medianMs).toFixed(1)) : undefined,
    cpuSpeedupVsEslint: eslint ? Number((eslint.medianCpuMs / eos.medianCpuMs).toFixed(1)) : undefined,
    warmVsColdCacheRatio: warm && coldCache ? Number((warm.medianMs / coldCache.medianMs).toFixed(3)) : undefined,
    cpuWarmVsColdCacheRatio: warm && coldCache ? Number((warm.medianCpuMs / coldCache.medianCpuMs).toFixed(3)) : undefined,
    warmCacheRatio: warm ? Number((warm.medianMs / cold).toFixed(3)) : undefined,
    cpuWarmCacheRatio: warm ? Number((warm.medianCpuMs / eos.medianCpuMs).toFixed(3)) : undefined,
  };
}

function printTable(result) {
  console.log(`\n${result.corpus}: ${result.files} files (${result.dir})`);
  console.log('| contender | median ms (wall) | min–max ms | files/s | × floor (wall) | median CPU ms | × floor (CPU) | peak RSS MiB |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of result.rows) {
    console.log(`| ${r.name} | ${Math.round(r.medianMs)} | ${Math.round(r.minMs)}–${Math.round(r.maxMs)} | ${r.filesPerSec} | ${r.ratioToFloor} | ${Math.round(r.medianCpuMs)} | ${r.cpuRatioToFloor} | ${r.peakRssMiB} |`);
  }
  if (result.speedupVsEslint) console.log(`eos audit is ${result.speedupVsEslint}× faster than the ESLint peer (wall; ${result.cpuSpeedupVsEslint}× by CPU time)`);
  if (result.warmVsColdCacheRatio !== undefined) console.log(`warm --cache rerun = ${result.warmVsColdCacheRatio}× the cold --cache run (wall; ${result.cpuWarmVsColdCacheRatio}× by CPU time), ${result.warmCacheRatio}× the plain cold run (wall; ${result.cpuWarmCacheRatio}× by CPU)`);
}

const corpora = [];
const synthetic = path.join(os.tmpdir(), `eos-bench-monorepo-${FILES}`);
if (!fs.existsSync(path.join(synthetic, 'package.json'))) {
  spawnSync(process.execPath, [path.join(root, 'bench/generate-monorepo.mjs'), synthetic, '--files', String(FILES)], { stdio: 'inherit' });
}
corpora.push(['synthetic monorepo (seed 42)', synthetic]);
for (const dir of extra) corpora.push([path.basename(dir), path.resolve(dir)]);
if (!SKIP_TYPES) {
  // Regenerated each time: it links this checkout's node_modules.
  const typed = path.join(os.tmpdir(), `eos-bench-typed-${TYPES_FILES}`);
  spawnSync(process.execPath, [path.join(root, 'bench/generate-monorepo.mjs'), typed, '--files', String(TYPES_FILES), '--deps', path.join(root, 'node_modules')], { stdio: 'inherit' });
  corpora.push([`synthetic project with real dependencies, for --types`, typed, { typesOnly: true }]);
}

const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` };
console.log(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memGiB} GiB, Node ${machine.node}; ${RUNS} rounds, alternating`);
// Node reads this bundle of certificates at every start, before any code runs: a fixed cost in
// every figure here (the 'Node start' reference row shows it), which a short run feels most.
if (process.env.NODE_EXTRA_CA_CERTS) console.log(`note: NODE_EXTRA_CA_CERTS is set (${process.env.NODE_EXTRA_CA_CERTS}); every Node start loads it`);
machine.nodeExtraCaCerts = process.env.NODE_EXTRA_CA_CERTS ?? null;
const results = corpora.map(([name, dir, kind]) => benchCorpus(name, dir, kind));
results.forEach(printTable);

// The editor path: re-analysis after a one-character edit (the VS Code extension's own benchmark).
let editLatency;
const editBench = path.join(root, 'packages/vscode/bench/edit-latency.mjs');
if (fs.existsSync(editBench) && !args.includes('--skip-editor')) {
  const res = spawnSync(process.execPath, [editBench], { cwd: path.dirname(path.dirname(editBench)), encoding: 'utf8' });
  editLatency = { exitCode: res.status, output: (res.stdout + res.stderr).trim() };
  console.log(`\neditor path (${path.relative(root, editBench)}):\n${editLatency.output}`);
}
const outDir = path.join(root, 'bench/results');
fs.mkdirSync(outDir, { recursive: true });
const outFile = path.join(outDir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(outFile, JSON.stringify({ machine, runs: RUNS, results, editLatency }, null, 2));
console.log(`\nwritten: ${path.relative(root, outFile)}`);
