/**
 * The real-code evaluation (eval/real): label checking and scoring as pure functions, and
 * `eval/real/run.mjs` end to end on local git mirrors made here, with a stand-in for the eos CLI
 * that reports fixed findings, so the figures below do not move when eos's rules change.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figures, parseLabels, scoreRepository } from '../../eval/real/score.mjs';

const ROOT = path.resolve(__dirname, '../..');
const RUN = path.join(ROOT, 'eval/real/run.mjs');
const C1 = 'a'.repeat(40);

type Row = Record<string, unknown>;
const row = (over: Row): Row => ({ set: 'tune', repo: 'acme/shop', commit: C1, path: 'src/a.ts', rule: 'ack-before-process', expect: 'clean', line: null, endLine: null, note: 'why', ...over });
/** One file fully labelled: the given rows plus a clean row for every rule they do not mention. */
const file = (rows: Row[], base: Row = {}): Row[] => {
  const rules = ['ack-before-process', 'missing-dedup', 'dual-write'];
  return [...rows.map((r) => row({ ...base, ...r })), ...rules.filter((r) => !rows.some((x) => x.rule === r)).map((rule) => row({ ...base, rule }))];
};
const jsonl = (rows: Row[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe('parseLabels', () => {
  it('keeps complete files and reports each unusable row with its line number', () => {
    const good = file([{ rule: 'dual-write', expect: 'finding', line: 3, endLine: 5 }]);
    const text = `${jsonl(good)}not json\n${JSON.stringify(row({ rule: 'no-such-rule' }))}\n`;
    const { labels, problems } = parseLabels(text);
    expect(labels).toHaveLength(3);
    expect(problems.map((p: Row) => p.text)).toEqual([expect.stringMatching(/^line 4: not JSON/), 'line 5: rule must be one of ack-before-process, missing-dedup, dual-write']);
    expect(problems.map((p: Row) => p.set)).toEqual([undefined, 'tune']);
  });

  it('leaves out a file whose rule has both a finding and a clean row, or no row at all', () => {
    const contradicting = [...file([], { path: 'src/b.ts' }), row({ path: 'src/b.ts', expect: 'finding', line: 1, endLine: 1 })];
    const incomplete = [row({ path: 'src/c.ts' })];
    const { labels, problems } = parseLabels(jsonl([...file([]), ...contradicting, ...incomplete]));
    expect(new Set(labels.map((l: Row) => l.path))).toEqual(new Set(['src/a.ts']));
    const text = problems.map((p: Row) => p.text).join('\n');
    expect(text).toMatch(/src\/b\.ts: ack-before-process needs findings or exactly one clean row, not 1 finding\(s\) and 1 clean/);
    expect(text).toMatch(/src\/c\.ts has no missing-dedup row/);
  });

  it('refuses a repository labelled at two commits and a finding without a span', () => {
    const other = file([], { path: 'src/b.ts', commit: 'b'.repeat(40) });
    const { labels, problems } = parseLabels(jsonl([...file([]), ...other, row({ path: 'src/d.ts', expect: 'finding', line: 9, endLine: 2 })]));
    expect(labels.every((l: Row) => l.commit === C1 && l.path === 'src/a.ts')).toBe(true);
    const text = problems.map((p: Row) => p.text).join('\n');
    expect(text).toMatch(/acme\/shop is labelled at two commits/);
    expect(text).toMatch(/a finding needs 1-based line <= endLine/);
  });
});

describe('scoreRepository', () => {
  const { labels } = parseLabels(
    jsonl([
      ...file([
        { rule: 'ack-before-process', expect: 'finding', line: 10, endLine: 12 },
        { rule: 'dual-write', expect: 'finding', line: 30, endLine: 30 },
      ]),
      ...file([], { path: 'src/b.ts' }),
    ]),
  );

  it('matches within three lines of the span, counts a label once and ignores other rules and files', () => {
    const scores = scoreRepository(labels, [
      { ruleId: 'ack-before-process', file: 'src/a.ts', line: 7 },
      { ruleId: 'ack-before-process', file: 'src/a.ts', line: 15 },
      { ruleId: 'poison-requeue-loop', file: 'src/a.ts', line: 50 },
      { ruleId: 'dual-write', file: 'src/unlabelled.ts', line: 1 },
    ]);
    expect(scores.matched).toHaveLength(1);
    expect(scores.matched[0].findings.map((f: Row) => f.line)).toEqual([7, 15]);
    expect(scores.falsePositives).toEqual([]);
    expect(scores.misses.map((l: Row) => l.rule)).toEqual(['dual-write']);
  });

  it('counts a finding outside every span, or in a file labelled clean for its rule, as a false positive', () => {
    const scores = scoreRepository(labels, [
      { ruleId: 'ack-before-process', file: 'src/a.ts', line: 6 },
      { ruleId: 'dual-write', file: 'src/a.ts', line: 33 },
      { ruleId: 'missing-dedup', file: 'src/b.ts', line: 2 },
    ]);
    expect(scores.falsePositives.map((f: Row) => `${f.file}:${f.line}`)).toEqual(['src/a.ts:6', 'src/b.ts:2']);
    const fig = figures(scores);
    expect(fig.rules['dual-write']).toEqual({ tp: 1, fp: 0, fn: 0, precision: 1, recall: 1 });
    expect(fig.rules['ack-before-process']).toEqual({ tp: 0, fp: 1, fn: 1, precision: 0, recall: 0 });
    expect(fig.rules['missing-dedup']).toEqual({ tp: 0, fp: 1, fn: 0, precision: 0, recall: null });
    expect(fig.all).toEqual({ tp: 1, fp: 2, fn: 1, precision: 1 / 3, recall: 1 / 2 });
  });
});

describe('npm run eval:real', () => {
  let dir: string;
  let mirrors: string;
  let shop: string;
  let vault: string;
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: 'pipe' }).trim();

  /** A repository with `files`, committed and mirrored bare at mirrors/<owner>+<name>/repo; returns the commit. */
  const mirrored = (name: string, files: Record<string, string>) => {
    const work = path.join(dir, 'src', name);
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(work, rel)), { recursive: true });
      fs.writeFileSync(path.join(work, rel), text);
    }
    git(work, 'init', '-q');
    git(work, 'add', '-A');
    git(work, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'x');
    git(dir, 'clone', '-q', '--bare', work, path.join(mirrors, name.replace('/', '+'), 'repo'));
    return git(work, 'rev-parse', 'HEAD');
  };

  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [RUN, '--mirrors', mirrors, '--labels', path.join(dir, 'labels.jsonl'), '--work', path.join(dir, 'work'), '--eos', path.join(dir, 'fake-eos.mjs'), ...args], { encoding: 'utf8' });
    return { status: r.status, out: r.stdout, err: r.stderr };
  };

  beforeAll(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'eos-eval-real-')));
    mirrors = path.join(dir, 'mirrors');
    // The stand-in CLI checks it is called as `audit <tree> --format json` from the tree, and reports
    // the findings listed in the tree's own findings.json (so they can only come from the mirror).
    fs.writeFileSync(
      path.join(dir, 'fake-eos.mjs'),
      `import * as fs from 'node:fs';
const [cmd, tree, flag, format] = process.argv.slice(2);
if (cmd !== 'audit' || flag !== '--format' || format !== 'json' || fs.realpathSync(tree) !== fs.realpathSync(process.cwd())) {
  console.error('unexpected call: ' + process.argv.slice(2).join(' ') + ' in ' + process.cwd());
  process.exit(2);
}
const findings = JSON.parse(fs.readFileSync('findings.json', 'utf8'));
console.log(JSON.stringify({ version: 1, findings, stats: { files: 3, parsed: 3, ms: 1 }, errors: [] }));
process.exit(findings.length > 0 ? 1 : 0);
`,
    );
    const at = (ruleId: string, file: string, line: number) => ({ ruleId, severity: 'error', file, line, column: 1, endLine: line, endColumn: 2, message: `${ruleId} here` });
    shop = mirrored('acme/shop', {
      'src/a.ts': 'export {};\n',
      'src/b.ts': 'export {};\n',
      'findings.json': JSON.stringify([at('ack-before-process', 'src/a.ts', 11), at('dual-write', 'src/a.ts', 40), at('missing-dedup', 'src/b.ts', 2)]),
    });
    vault = mirrored('acme/vault', {
      'lib/secret-handler.ts': 'export {};\n',
      'findings.json': JSON.stringify([at('dual-write', 'lib/secret-handler.ts', 99)]),
    });
    const labels = [
      ...file([{ rule: 'ack-before-process', expect: 'finding', line: 10, endLine: 12 }, { rule: 'dual-write', expect: 'finding', line: 20, endLine: 22, note: 'write then publish' }], { commit: shop }),
      ...file([], { path: 'src/b.ts', commit: shop }),
      ...file([], { repo: 'acme/gone', commit: 'c'.repeat(40), path: 'x.ts' }),
      ...file([{ rule: 'missing-dedup', expect: 'finding', line: 5, endLine: 5, note: 'hidden holdout note' }], { set: 'holdout', repo: 'acme/vault', commit: vault, path: 'lib/secret-handler.ts' }),
    ];
    fs.writeFileSync(path.join(dir, 'labels.jsonl'), jsonl(labels));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('scores the tune set from the mirrors, lists its misses and false positives, and names a missing mirror', () => {
    const r = run('--json', path.join(dir, 'out.json'));
    expect(r.err).toBe('');
    expect(r.status).toBe(1); // one repository could not be scored
    expect(r.out).toContain(`acme/gone: NOT SCORED — no mirror at ${path.join(mirrors, 'acme+gone', 'repo')}; get it with the fetch tool: fetch github:acme/gone`);
    expect(r.out).toMatch(/ack-before-process +1 +0 +0 +100% +100%/);
    expect(r.out).toMatch(/dual-write +0 +1 +1 +0% +0%/);
    expect(r.out).toMatch(/all three +1 +2 +1 +33% +50%/);
    expect(r.out).toContain('acme/shop src/a.ts:20-22  dual-write  write then publish');
    expect(r.out).toMatch(/acme\/shop src\/b\.ts:2 +missing-dedup +missing-dedup here +\[labelled clean: why\]/);
    expect(r.out).not.toContain('acme/vault');
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'out.json'), 'utf8'));
    expect(json.sets.tune.figures.all).toEqual({ tp: 1, fp: 2, fn: 1, precision: 1 / 3, recall: 1 / 2 });
    expect(json.sets.tune.notScored).toBe(1);
    expect(json.repositories.find((x: Row) => x.repo === 'acme/shop')).toMatchObject({ commit: shop, status: 'scored', findingsInLabelledFiles: 3 });
  });

  it('reuses a laid-out tree and shows only figures for the holdout set unless asked', () => {
    const hidden = run('--set', 'holdout', '--json', path.join(dir, 'holdout.json'));
    expect(hidden.status).toBe(0);
    expect(hidden.out).toMatch(/missing-dedup +0 +0 +1/);
    expect(hidden.out).toMatch(/dual-write +0 +1 +0/);
    for (const secret of ['acme/vault', 'secret-handler', 'hidden holdout note']) expect(hidden.out).not.toContain(secret);
    const json = fs.readFileSync(path.join(dir, 'holdout.json'), 'utf8');
    for (const secret of ['acme/vault', 'secret-handler', 'hidden holdout note']) expect(json).not.toContain(secret);

    const shown = run('--set', 'holdout', '--show-holdout-misses');
    expect(shown.out).toContain('(tree reused)');
    expect(shown.out).toContain('acme/vault lib/secret-handler.ts:5  missing-dedup  hidden holdout note');
  });

  it('says which commit a mirror lacks instead of failing the run', () => {
    const labels = fs.readFileSync(path.join(dir, 'labels.jsonl'), 'utf8').replaceAll(shop, 'd'.repeat(40));
    fs.writeFileSync(path.join(dir, 'stale.jsonl'), labels);
    const r = spawnSync(process.execPath, [RUN, '--mirrors', mirrors, '--labels', path.join(dir, 'stale.jsonl'), '--work', path.join(dir, 'work'), '--eos', path.join(dir, 'fake-eos.mjs')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`acme/shop: NOT SCORED — the mirror at ${path.join(mirrors, 'acme+shop', 'repo')} does not contain commit ${'d'.repeat(40)}`);
  });

  it('reports an unusable holdout row by line number only', () => {
    const bad = JSON.stringify(row({ set: 'holdout', repo: 'acme/vault', commit: vault, path: 'lib/secret-handler.ts', rule: 'no-such-rule' }));
    const labels = `${fs.readFileSync(path.join(dir, 'labels.jsonl'), 'utf8')}${bad}\n`;
    fs.writeFileSync(path.join(dir, 'bad.jsonl'), labels);
    const r = spawnSync(process.execPath, [RUN, '--mirrors', mirrors, '--labels', path.join(dir, 'bad.jsonl'), '--work', path.join(dir, 'work'), '--eos', path.join(dir, 'fake-eos.mjs')], { encoding: 'utf8' });
    const line = labels.trimEnd().split('\n').length;
    expect(r.stderr).toContain(`line ${line}: a holdout row is unusable (details hidden; --show-holdout-misses shows them) (left out)`);
    expect(r.stderr).not.toContain('secret-handler');
  });

  it('rejects a call without mirrors as a usage error', () => {
    const r = spawnSync(process.execPath, [RUN], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--mirrors DIR is required');
  });
});
