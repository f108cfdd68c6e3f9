/** `eos audit` as a user runs it: the built binary on sample trees. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allRules, auditPaths } from '@eos/analyzer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditJson, ensureBuilt, eos, tree } from './helpers';
import { sampleWithFindings, type Sample } from './samples';

let sample: Sample;
const made: string[] = [];
const project = (files: Record<string, string | Buffer>) => {
  const dir = tree(files);
  made.push(dir);
  return dir;
};

beforeAll(async () => {
  await ensureBuilt();
  sample = sampleWithFindings();
});
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

const sampleName = () => `src/${path.basename(sample.source)}`;
const ruleOf = () => sample.findings[0].ruleId;
const expected = (dir: string) =>
  auditPaths(['.'], { cwd: dir }).findings.map((f) => ({ ruleId: f.ruleId, file: path.relative(dir, f.file), line: f.line, column: f.column }));

describe('json format', () => {
  it('follows the version 1 contract exactly, with paths relative to the working directory', async () => {
    const dir = project({ [sampleName()]: sample.text, 'src/clean.ts': 'export const answer = 42;\n' });
    const { status, report, stderr } = await auditJson([], dir);
    expect(stderr).toBe('');
    expect(Object.keys(report).sort()).toEqual(['errors', 'findings', 'stats', 'version']);
    expect(report.version).toBe(1);
    expect(report.stats.files).toBe(2);
    expect(report.stats.parsed).toBe(1);
    expect(typeof report.stats.ms).toBe('number');
    const required = ['column', 'endColumn', 'endLine', 'file', 'line', 'message', 'ruleId', 'severity'];
    for (const f of report.findings) {
      // `fix` and `related` (the steps of a finding's path) are there only when the finding has them.
      expect(Object.keys(f).filter((k) => k !== 'fix' && k !== 'related').sort()).toEqual(required);
      for (const r of (f as { related?: Array<Record<string, unknown>> }).related ?? []) {
        expect(Object.keys(r).sort()).toEqual(['column', 'endColumn', 'endLine', 'file', 'line', 'message']);
      }
      expect(f.file).toBe(sampleName());
      expect(f.endLine >= f.line).toBe(true);
    }
    expect(report.findings.map((f) => ({ ruleId: f.ruleId, file: f.file, line: f.line, column: f.column }))).toEqual(expected(dir));
    expect(status).toBe(report.findings.some((f) => f.severity !== 'info') ? 1 : 0);
  });

  it('reports the same findings as the library over every analyzer fixture, deduplicated and in order', async () => {
    const dir = project({});
    fs.cpSync(path.dirname(path.dirname(sample.source)), path.join(dir, 'fixtures'), { recursive: true });
    const { report } = await auditJson(['fixtures'], dir);
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.findings.map((f) => ({ ruleId: f.ruleId, file: f.file, line: f.line, column: f.column }))).toEqual(expected(dir));
  });
});

describe('stylish format', () => {
  it('groups by file with location, severity, message, rule id, a code frame and the docs command, uncoloured off a terminal', async () => {
    const dir = project({ [sampleName()]: sample.text });
    const r = await eos(['audit'], dir);
    const f = sample.findings[0];
    expect(r.stdout).toContain(sampleName());
    expect(r.stdout).toContain(`${f.line}:${f.column}  ${f.severity}`);
    expect(r.stdout).toContain(f.ruleId);
    const sourceLine = sample.text.split('\n')[f.line - 1].replace(/\t/g, ' ');
    expect(r.stdout).toContain(`> ${String(f.line).padStart(String(f.line + 1).length)} | ${sourceLine}`);
    expect(r.stdout).toMatch(/\| +\^+/);
    // The rule's documentation ships with eos: the report says how to read it.
    expect(r.stdout).toContain(`    docs: eos explain ${f.ruleId}\n`);
    expect(r.stdout).not.toMatch(/https?:\/\//);
    expect(r.stdout).toMatch(/\d+ findings? \(/);
    expect(r.stdout).not.toMatch(/\u001b\[/);
  });

  it('colours only on a terminal, and never with NO_COLOR', async () => {
    const dir = project({ [sampleName()]: sample.text });
    const viaTty = (env: string) => execFileSync('script', ['-qec', `${env} ${process.execPath} ${path.resolve(__dirname, '../../packages/cli/bin/run.js')} audit`, '/dev/null'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: undefined, NODE_ENV: undefined } as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    const run = (env: string) => {
      try {
        return viaTty(env);
      } catch (e) {
        return String((e as { stdout?: string }).stdout);
      }
    };
    expect(run('')).toMatch(/\u001b\[\d+m/);
    expect(run('NO_COLOR=1')).not.toMatch(/\u001b\[\d+m/);
  });
});

describe('github format', () => {
  it('prints one workflow command per finding with position properties', async () => {
    const dir = project({ [sampleName()]: sample.text });
    const r = await eos(['audit', '--format', 'github'], dir);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(sample.findings.length);
    const f = sample.findings[0];
    const level = f.severity === 'info' ? 'notice' : f.severity;
    expect(lines[0]).toBe(
      `::${level} file=${sampleName()},line=${f.line},col=${f.column},endLine=${f.endLine},endColumn=${f.endColumn},title=eos ${f.ruleId}::${f.message.replace(/%/g, '%25').replace(/\n/g, '%0A')} (docs: eos explain ${f.ruleId})`,
    );
  });
});

describe('exit codes', () => {
  it('0 on a clean tree, 1 with findings at or above --fail-on, 0 below it', async () => {
    const clean = project({ 'src/a.ts': 'export const a = 1;\n' });
    expect((await eos(['audit'], clean)).status).toBe(0);
    const dir = project({ [sampleName()]: sample.text, 'eos.config.json': JSON.stringify({ rules: { [ruleOf()]: 'warning' } }) });
    const only = (extra: string[]) => eos(['audit', '--format', 'json', ...extra], dir);
    expect((await only([])).status).toBe(1);
    expect((await only(['--fail-on', 'info'])).status).toBe(1);
    const otherRules = sample.findings.filter((f) => f.ruleId !== ruleOf());
    if (otherRules.every((f) => f.severity !== 'error')) expect((await only(['--fail-on', 'error'])).status).toBe(0);
  });

  it.each([
    [['audit', '--format', 'xml'], /Expected --format=xml to be one of/],
    [['audit', '--no-such-flag'], /Nonexistent flag: --no-such-flag/],
    [['audit', '--dry-run'], /--dry-run shows the diff of fixes/],
    [['audit', 'does/not/exist'], /does\/not\/exist: cannot read: no such file/],
    [['audit', '--fail-on', 'fatal'], /Expected --fail-on=fatal/],
  ])('2 with a one-line reason for %j', async (args, reason) => {
    const dir = project({ 'a.ts': '' });
    const r = await eos(args, dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(reason);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });
});

describe('configuration', () => {
  it('eos.config.json turns a rule off', async () => {
    const dir = project({ [sampleName()]: sample.text, 'eos.config.json': JSON.stringify({ rules: Object.fromEntries(allRules.map((r) => [r.meta.id, 'off'])) }) });
    const r = await auditJson([], dir);
    expect(r.report.findings).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('package.json#eos sets severities, and ignore globs leave files out', async () => {
    const dir = project({
      [sampleName()]: sample.text,
      'legacy/old.ts': sample.text,
      'package.json': JSON.stringify({ name: 'svc', eos: { rules: { [ruleOf()]: 'info' }, ignore: ['legacy/**'] } }),
    });
    const r = await auditJson([], dir);
    expect(r.report.stats.files).toBe(1);
    const mine = r.report.findings.filter((f) => f.ruleId === ruleOf());
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((f) => f.severity === 'info')).toBe(true);
  });

  it('is found from a subfolder (nearest upward), and --config names one explicitly', async () => {
    const dir = project({ [sampleName()]: sample.text, 'eos.config.json': JSON.stringify({ rules: { [ruleOf()]: 'off' } }), 'other.json': '{}' });
    expect((await auditJson(['.'], path.join(dir, 'src'))).report.findings.filter((f) => f.ruleId === ruleOf())).toEqual([]);
    expect((await auditJson(['--config', 'other.json'], dir)).report.findings.filter((f) => f.ruleId === ruleOf()).length).toBeGreaterThan(0);
  });

  it.each([
    ['eos.config.json', '{ "rules": { "no-such-rule": "error" } }', /eos\.config\.json: rules\.no-such-rule: unknown rule id/],
    ['eos.config.json', '{ "rules": ', /eos\.config\.json: invalid JSON: .* at line 1 column \d+/],
    ['package.json', '{ "eos": { "ignore": "dist" } }', /package\.json: eos\.ignore: must be an array/],
    // issue 12 item 6: rule options are checked against the rule's declaration.
    ['eos.config.json', '{ "rules": { "ack-before-process": ["error", { "logOnlyisWork": true }] } }', /eos\.config\.json: rules\.ack-before-process\[1\]\.logOnlyisWork: unknown option of rule ack-before-process \(known: logOnlyIsWork\)/],
    ['eos.config.json', '{ "rules": { "ack-before-process": ["error", { "logOnlyIsWork": "false" }] } }', /eos\.config\.json: rules\.ack-before-process\[1\]\.logOnlyIsWork: option of rule ack-before-process must be true or false, got string "false"/],
  ])('a broken %s exits 2 naming the file and the key (%s; issue 12 item 6 for rule options)', async (name, content, reason) => {
    const dir = project({ [name]: content, 'a.ts': '' });
    const r = await eos(['audit'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(reason);
    expect(r.stderr).toContain(path.join(dir, name));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('inline suppressions', () => {
  const withLineAbove = (text: string, line: number, comment: string) => {
    const lines = text.split('\n');
    const indent = /^\s*/.exec(lines[line - 1])?.[0] ?? '';
    lines.splice(line - 1, 0, `${indent}${comment}`);
    return lines.join('\n');
  };

  it('silence a finding when they give a reason', async () => {
    const f = sample.findings[0];
    const dir = project({ [sampleName()]: withLineAbove(sample.text, f.line, `// eos-ignore-next-line ${f.ruleId} -- reviewed: replies are fire-and-forget here`) });
    const r = await auditJson([], dir);
    expect(r.report.findings.some((x) => x.ruleId === f.ruleId && x.line === f.line + 1)).toBe(false);
    expect(r.report.findings.some((x) => x.ruleId.endsWith('-suppression'))).toBe(false);
  });

  it('without a reason suppress nothing and are reported; unused ones are reported', async () => {
    const f = sample.findings[0];
    let text = withLineAbove(sample.text, f.line, `// eos-ignore-next-line ${f.ruleId}`);
    text = `// eos-ignore-next-line ${f.ruleId} -- left over from a refactoring\nconst unrelated = 1;\n${text}`;
    const dir = project({ [sampleName()]: text });
    const found = (await auditJson([], dir)).report.findings.map((x) => `${x.line}:${x.ruleId}`);
    expect(found).toContain('1:unused-suppression');
    expect(found).toContain(`${f.line + 2}:invalid-suppression`);
    expect(found).toContain(`${f.line + 3}:${f.ruleId}`);
  });
});

describe('file selection', () => {
  it('respects .gitignore and skips node_modules, dist and build, unless --no-gitignore', async () => {
    const dir = project({
      '.gitignore': 'generated/\n',
      [sampleName()]: sample.text,
      'generated/copy.ts': sample.text,
      'node_modules/lib/index.ts': sample.text,
      'dist/out.js': sample.text,
      'build/out.ts': sample.text,
    });
    execFileSync('git', ['init', '-q'], { cwd: dir });
    const files = async (extra: string[]) => [...new Set((await auditJson(extra, dir)).report.findings.map((f) => f.file))];
    expect(await files([])).toEqual([sampleName()]);
    expect((await files(['--no-gitignore'])).sort()).toEqual(['generated/copy.ts', sampleName()].sort());
  });
});

describe('test code', () => {
  const withTests = () =>
    project({ [sampleName()]: sample.text, 'src/consumer.test.ts': sample.text, 'test/helpers/fake-consumer.ts': sample.text });

  it('is left out of a walk by default, and the summary says how much and how to include it', async () => {
    const dir = withTests();
    const files = [...new Set((await auditJson([], dir)).report.findings.map((f) => f.file))];
    expect(files).toEqual([sampleName()]);
    const stylish = await eos(['audit'], dir);
    expect(stylish.stdout).toContain('1 file (2 test folders and files left out: --include-tests)');
  });

  it('is analysed with --include-tests, or with "includeTests": true in the configuration', async () => {
    const dir = withTests();
    const want = [sampleName(), 'src/consumer.test.ts', 'test/helpers/fake-consumer.ts'].sort();
    const files = async (extra: string[]) => [...new Set((await auditJson(extra, dir)).report.findings.map((f) => f.file))].sort();
    expect(await files(['--include-tests'])).toEqual(want);
    fs.writeFileSync(path.join(dir, 'eos.config.json'), '{ "includeTests": true }\n');
    expect(await files([])).toEqual(want);
  });

  it('a named test file is analysed; "includeTests" must be a boolean', async () => {
    const dir = withTests();
    expect([...new Set((await auditJson(['src/consumer.test.ts'], dir)).report.findings.map((f) => f.file))]).toEqual(['src/consumer.test.ts']);
    fs.writeFileSync(path.join(dir, 'eos.config.json'), '{ "includeTests": "yes" }\n');
    const r = await eos(['audit'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('eos.config.json: includeTests: must be true or false, got string "yes"');
  });
});

describe('bad input', () => {
  it('names every input it cannot analyse on stderr and still reports the rest', async () => {
    const dir = project({
      [sampleName()]: sample.text,
      // Broken syntax in a file that passes the pre-filter (files that cannot hold a finding are never parsed).
      'src/syntax.ts': `${sample.text}\nexport const = ;\n`,
      'src/binary.ts': Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00]),
      'src/huge.ts': Buffer.alloc(10 * 1024 * 1024, 0x20),
    });
    fs.symlinkSync(path.join(dir, 'src'), path.join(dir, 'src/loop'));
    fs.symlinkSync(path.join(dir, 'src/missing.ts'), path.join(dir, 'src/dangling.ts'));
    // Root reads everything, so an unreadable file is made with a FIFO (no writer: a naive read blocks forever).
    execFileSync('mkfifo', [path.join(dir, 'src/pipe.ts')]);
    const r = await auditJson([], dir);
    expect(r.status).toBe(1);
    expect(r.report.findings.filter((f) => f.file === sampleName())).not.toEqual([]);
    const lines = r.stderr.trim().split('\n');
    const about = (name: string) => lines.find((l) => l.includes(`src/${name}:`)) ?? `(no line about ${name})`;
    expect(about('syntax.ts')).toMatch(new RegExp(`cannot parse: .* at ${sample.text.split('\n').length + 1}:\\d+`));
    expect(about('binary.ts')).toMatch(/binary content/);
    expect(about('huge.ts')).toMatch(/10\.0 MB, over the 2\.0 MB limit/);
    expect(about('loop')).toMatch(/symbolic link loop/);
    expect(about('dangling.ts')).toMatch(/no such file or directory/);
    expect(about('pipe.ts')).toMatch(/not a regular file \(a named pipe\)/);
    expect(lines).toHaveLength(6);
    expect(r.report.errors?.map((e) => e.file).sort()).toEqual(['src/binary.ts', 'src/dangling.ts', 'src/huge.ts', 'src/loop', 'src/pipe.ts', 'src/syntax.ts']);
    // The default format lists them on stderr too, and counts them in its summary.
    const stylish = await eos(['audit'], dir);
    expect(stylish.stderr.trim().split('\n').sort()).toEqual([...lines].sort());
    expect(stylish.stdout).toMatch(/6 inputs could not be analysed \(listed on stderr\)/);
    expect(stylish.status).toBe(1);
  });

  it('lets configuration raise the size limit', async () => {
    const dir = project({ 'huge.ts': Buffer.alloc(3 * 1024 * 1024, 0x20), 'eos.config.json': JSON.stringify({ maxFileSize: 4 * 1024 * 1024 }) });
    const r = await auditJson([], dir);
    expect(r.report.errors).toEqual([]);
    expect(r.status).toBe(0);
  });
});

describe('--types', () => {
  it('uses the nearest tsconfig, agrees with the syntactic run, and reports a broken tsconfig without stopping', async () => {
    const files = {
      'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, module: 'node16', moduleResolution: 'node16', target: 'es2022', types: ['node'] }, include: ['src'] }),
      [sampleName()]: sample.text,
    };
    const dir = project(files);
    const broken = project({ ...files, 'tsconfig.json': '{ "compilerOptions": { "strict": tru' });
    for (const d of [dir, broken]) fs.symlinkSync(path.resolve(__dirname, '../../node_modules'), path.join(d, 'node_modules'));
    const [syntactic, typed, fallback] = await Promise.all([auditJson([], dir), auditJson(['--types'], dir), auditJson(['--types'], broken)]);
    const key = (r: typeof typed) => r.report.findings.map((f) => `${f.file}:${f.line}:${f.ruleId}`);
    expect(typed.report.errors).toEqual([]);
    expect(key(typed)).toEqual(key(syntactic));
    expect(fallback.report.errors).toEqual([{ file: 'tsconfig.json', message: expect.stringMatching(/^--types: cannot build the program \(.*tsconfig\.json: .*\); analysed syntactically$/) }]);
    expect(key(fallback)).toEqual(key(syntactic));
    expect(fallback.status).toBe(1);
  });
});

describe('eos rules', () => {
  it('lists every registered rule with severity, fix safety, brokers and where its docs are', async () => {
    const dir = project({});
    const r = await eos(['rules', '--json'], dir);
    expect(r.status).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(rows.map((x) => x.id)).toEqual(allRules.map((x) => x.meta.id));
    for (const row of rows) {
      // docsUrl appears only once the docs are published (homepage of @eos/analyzer); none is set.
      expect(Object.keys(row).sort()).toEqual(['brokers', 'consequence', 'defaultSeverity', 'description', 'explain', 'fixable', 'id', 'requiresTypes', 'severity']);
      expect(row.explain).toBe(`eos explain ${row.id}`);
    }
    const text = (await eos(['rules'], dir)).stdout;
    for (const rule of allRules) expect(text).toContain(rule.meta.id);
  });

  it('shows severities after configuration', async () => {
    const id = allRules[0].meta.id;
    const dir = project({ 'eos.config.json': JSON.stringify({ rules: { [id]: 'off' } }) });
    const rows = JSON.parse((await eos(['rules', '--json'], dir)).stdout) as Array<{ id: string; severity: string }>;
    expect(rows.find((x) => x.id === id)?.severity).toBe('off');
  });
});
