#!/usr/bin/env node
/**
 * Where an `eos audit` run spends its time, from a V8 CPU profile (`node --cpu-prof`): each
 * sample is put in the phase of the innermost phase function on its stack (reading, pre-filter,
 * parse, the walk, facts, each rule, cross-file resolution, reporting...), and also counted
 * inclusively in every phase on its stack; self time is also bucketed by module.
 *
 *   node --cpu-prof --cpu-prof-dir /tmp/prof packages/cli/bin/run.js audit <dir> --format json > /dev/null
 *   node bench/profile-summary.mjs /tmp/prof/*.cpuprofile [--top 25] [--json]
 *
 * One profile per thread: the read-ahead thread (reading and the pre-filter) writes its own.
 * Sampling attributes time to JavaScript frames only as far as the profile sees them: time in
 * V8's collector is its own `(garbage collector)` root, not the phase that allocated.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const args = process.argv.slice(2);
const TOP = Number(args[args.indexOf('--top') + 1]) || 25;
const JSON_OUT = args.includes('--json');
const files = args.filter((a, i) => a.endsWith('.cpuprofile') && args[i - 1] !== '--top');
if (files.length === 0) {
  console.error('usage: profile-summary.mjs <file.cpuprofile>... [--top N] [--json]');
  process.exit(2);
}

/** Where a frame's code lives, as a short module name: `analyzer audit/run.js`, `typescript`, `node fs`. */
function moduleOf(url) {
  if (!url) return '(native)';
  if (url.startsWith('node:')) return `node ${url.slice(5).replace(/^internal\//, '').split('/')[0]}`;
  const local = url.replace(/^file:\/\//, '');
  const dist = local.match(/\/(analyzer|cli)\/dist\/(.*)$/) ?? local.match(/@eos\/(analyzer|cli)\/dist\/(.*)$/);
  if (dist) return `${dist[1]} ${dist[2]}`;
  const pkg = local.match(/.*node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1] === 'typescript' || pkg[1] === '@ts-morph/common' ? 'typescript' : pkg[1];
  return path.basename(local);
}

/**
 * Phase markers: a frame that starts a phase, by function name and module. The first that matches
 * a frame names it. Order matters only where one frame could match two.
 */
const PHASES = [
  ['(garbage collector)', (f) => f.functionName === '(garbage collector)'],
  ['(program: V8 and native)', (f) => f.functionName === '(program)'],
  ['(idle)', (f) => f.functionName === '(idle)'],
  ['module loading', (f) => /^(Module\._load|Module\._compile|wrapSafe|compileFunction|loadESM|importModuleDynamically)$/.test(f.functionName) || (f.module === 'node modules' && f.functionName === 'require')],
  ['oclif', (f) => f.module.startsWith('@oclif/')],
  ['audit', (f) => f.functionName === 'auditPaths'],
  ['discovery (walk of folders)', (f) => f.functionName === 'discoverFiles'],
  ['cache', (f) => f.module === 'analyzer audit/cache.js'],
  ['wait for read-ahead', (f) => f.module === 'analyzer audit/read-ahead.js' && f.functionName === 'next'],
  ['read-ahead thread', (f) => f.module === 'analyzer audit/read-ahead-worker.js'],
  ['read', (f) => f.functionName === 'readSource'],
  ['pre-filter', (f) => f.functionName === 'decide' && f.module === 'analyzer engine/prefilter.js'],
  ['analyze', (f) => f.functionName === 'analyzeText'],
  ['cross-file (facts of imported files)', (f) => f.functionName === 'factsOf' && f.module === 'analyzer facts/project/project-index.js'],
  ['module resolution', (f) => f.functionName === 'resolveModule' || f.functionName === 'resolveRelativeModule'],
  ['parse', (f) => f.functionName === 'parseSource' || f.functionName === 'updateSourceFile'],
  ['parse: parent pointers', (f) => f.module === 'analyzer engine/parse.js' && (f.functionName === 'setParents' || f.functionName === '')],
  ['walk', (f) => f.module === 'analyzer engine/analyzer.js' && f.functionName === 'visit'],
  ['facts (walk)', (f) => f.module === 'analyzer facts/file-facts.js' && f.functionName === 'observe'],
  ['suppressions', (f) => f.functionName === 'applySuppressions'],
  ['report', (f) => f.functionName === 'toFinding' || f.functionName === 'engineFinding' || f.module.startsWith('cli reporters/') || f.functionName === 'sortFindings'],
  ['forced GC', (f) => f.module === 'analyzer audit/memory.js'],
  ['--types: build the program', (f) => (f.functionName === 'createProgram' || f.functionName === 'getTypeChecker') && f.module === 'typescript'],
  ['--types: checker', (f) => f.functionName === 'originFromChecker'],
];
const phaseOf = (frame) => {
  for (const [name, test] of PHASES) if (test(frame)) return name;
  const rule = frame.module.match(/^analyzer rules\/(.+)\.js$/);
  return rule && rule[1] !== 'index' ? `rule ${rule[1]}` : undefined;
};

function summarize(file) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const nodes = new Map();
  for (const n of profile.nodes) nodes.set(n.id, { ...n, frame: { ...n.callFrame, module: moduleOf(n.callFrame.url) } });
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // The chain of phases from the root to each node, computed once per node.
  const chains = new Map();
  const chainOf = (id) => {
    if (chains.has(id)) return chains.get(id);
    const up = parent.has(id) ? chainOf(parent.get(id)) : [];
    const phase = phaseOf(nodes.get(id).frame);
    const chain = phase && up.at(-1) !== phase ? [...up, phase] : up;
    chains.set(id, chain);
    return chain;
  };
  const exclusive = new Map();
  const inclusive = new Map();
  const chainTime = new Map();
  const byModule = new Map();
  const byFunction = new Map();
  let total = 0;
  const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);
  // timeDeltas[i] is the time before sample i: sample i lasted until sample i + 1.
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i + 1] ?? 0;
    const id = profile.samples[i];
    const chain = chainOf(id);
    const frame = nodes.get(id).frame;
    total += us;
    add(exclusive, chain.at(-1) ?? '(other: outside any phase)', us);
    for (const p of new Set(chain)) add(inclusive, p, us);
    add(chainTime, chain.join(' > ') || '(other)', us);
    add(byModule, frame.module, us);
    add(byFunction, `${frame.functionName || '(anonymous)'} (${frame.module}:${frame.lineNumber + 1})`, us);
  }
  return { file, totalMs: total / 1000, exclusive, inclusive, chainTime, byModule, byFunction };
}

const toRows = (map, totalMs) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .map(([name, us]) => ({ name, ms: Math.round(us / 1000), share: Number(((100 * us) / 1000 / totalMs).toFixed(1)) }));

const summaries = files.map(summarize);
if (JSON_OUT) {
  console.log(
    JSON.stringify(
      summaries.map((s) => ({ file: s.file, totalMs: Math.round(s.totalMs), exclusive: toRows(s.exclusive, s.totalMs), inclusive: toRows(s.inclusive, s.totalMs), chains: toRows(s.chainTime, s.totalMs).slice(0, TOP), modules: toRows(s.byModule, s.totalMs), functions: toRows(s.byFunction, s.totalMs).slice(0, TOP) })),
      null,
      2,
    ),
  );
} else {
  for (const s of summaries) {
    console.log(`\n${s.file}: ${Math.round(s.totalMs)} ms sampled`);
    const table = (title, rows) => {
      console.log(`\n${title}\n| | ms | % |\n|---|---:|---:|`);
      for (const r of rows) console.log(`| ${r.name} | ${r.ms} | ${r.share} |`);
    };
    table('by phase (innermost phase on the stack; self time of everything below it that is no phase of its own)', toRows(s.exclusive, s.totalMs));
    table('by phase, inclusive (a sample counts in every phase on its stack)', toRows(s.inclusive, s.totalMs));
    table(`phase chains (top ${TOP})`, toRows(s.chainTime, s.totalMs).slice(0, TOP));
    table(`self time by module (top ${TOP})`, toRows(s.byModule, s.totalMs).slice(0, TOP));
    table(`self time by function (top ${TOP})`, toRows(s.byFunction, s.totalMs).slice(0, TOP));
  }
}
