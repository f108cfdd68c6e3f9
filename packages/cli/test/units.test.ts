/** Unit tests of the CLI's own pieces: escaping, diffs, code frames, atomic writes. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { colorEnabled } from '../src/ansi';
import { unifiedDiff } from '@eos/analyzer';
import { readForFix, writeFixed } from '../src/fix/write-atomic';
import { escapeData, escapeProperty } from '../src/reporters/github';
import { json } from '../src/reporters/json';
import { sarif } from '../src/reporters/sarif';
import { codeFrame, stylish } from '../src/reporters/stylish';
import { Progress, PROGRESS_AFTER_MS } from '../src/progress';

describe('github workflow command escaping', () => {
  it('percent-encodes %, CR and LF in messages, and also : and , in properties', () => {
    expect(escapeData('50% lost\r\nnext: a, b')).toBe('50%25 lost%0D%0Anext: a, b');
    expect(escapeProperty('src/a:b,c%.ts')).toBe('src/a%3Ab%2Cc%25.ts');
  });
});

describe('unifiedDiff', () => {
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'eos-diff-'));

  it('is empty for equal texts', () => {
    expect(unifiedDiff('a.ts', 'x\n', 'x\n')).toBe('');
  });

  it('gives hunks with three lines of context and correct ranges', () => {
    const before = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'].join('\n') + '\n';
    const after = before.replace('5\n', 'five\n');
    expect(unifiedDiff('a.ts', before, after)).toBe(['--- a/a.ts', '+++ b/a.ts', '@@ -2,7 +2,7 @@', ' 2', ' 3', ' 4', '-5', '+five', ' 6', ' 7', ' 8', ''].join('\n'));
  });

  it.each([
    ['a move', 'ack();\nawait work();\nlog();\n', 'await work();\nack();\nlog();\n'],
    ['far-apart edits', Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n') + '\n', Array.from({ length: 40 }, (_, i) => (i === 3 || i === 30 ? `changed ${i}` : `line ${i}`)).join('\n') + '\n'],
    ['insertions at both ends', 'a\nb\n', 'start\na\nb\nend\n'],
    ['deleting everything', 'a\nb\n', ''],
  ])('round-trips through patch(1): %s', (_, before, after) => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'f.ts'), before);
    fs.writeFileSync(path.join(dir, 'p.diff'), unifiedDiff('f.ts', before, after));
    execFileSync('patch', ['-p1', '-s', '-i', 'p.diff'], { cwd: dir });
    expect(fs.readFileSync(path.join(dir, 'f.ts'), 'utf8')).toBe(after);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('codeFrame', () => {
  it('shows the line with neighbours and carets under the range', () => {
    const text = 'const a = 1;\nchannel.ack(msg);\nawait work();\n';
    expect(codeFrame(text, { line: 2, column: 1, endLine: 2, endColumn: 17 })).toEqual([
      '  1 | const a = 1;',
      '> 2 | channel.ack(msg);',
      '    | ^^^^^^^^^^^^^^^^',
      '  3 | await work();',
    ]);
  });
});

describe('writeFixed', () => {
  it('replaces the target of a symbolic link, keeping the link and the mode', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-write-'));
    fs.writeFileSync(path.join(dir, 'real.ts'), 'old', { mode: 0o640 });
    fs.symlinkSync(path.join(dir, 'real.ts'), path.join(dir, 'link.ts'));
    const read = readForFix(path.join(dir, 'link.ts'));
    if (!read.ok) throw new Error(read.reason);
    writeFixed(read.snapshot, 'new');
    expect(fs.lstatSync(path.join(dir, 'link.ts')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'real.ts'), 'utf8')).toBe('new');
    expect(fs.statSync(path.join(dir, 'real.ts')).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(dir).sort()).toEqual(['link.ts', 'real.ts']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('colorEnabled', () => {
  const tty = { isTTY: true } as NodeJS.WriteStream;
  const pipe = { isTTY: false } as NodeJS.WriteStream;
  it('colours a terminal unless NO_COLOR is set and non-empty; never a pipe', () => {
    expect(colorEnabled(tty, {})).toBe(true);
    expect(colorEnabled(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled(pipe, {})).toBe(false);
  });
});

describe('Progress', () => {
  const fakeStream = (isTTY: boolean) => {
    const written: string[] = [];
    return { stream: { isTTY, write: (s: string) => written.push(s) > 0 }, written };
  };

  it('stays silent off a terminal, and on a terminal until the run is long', () => {
    let now = 0;
    const pipe = fakeStream(false);
    const p1 = new Progress(pipe.stream as never, () => now);
    now = 5000;
    p1.update(1, 10);
    p1.clear();
    expect(pipe.written).toEqual([]);

    now = 0;
    const tty = fakeStream(true);
    const p2 = new Progress(tty.stream as never, () => now);
    p2.update(1, 10);
    expect(tty.written).toEqual([]);
    now = PROGRESS_AFTER_MS + 1;
    p2.update(2, 10);
    p2.clear();
    expect(tty.written).toEqual(['\r\u001b[2Keos: analysed 2/10 files', '\r\u001b[2K']);
  });
});

describe('stylish', () => {
  it('lists related locations under a finding, with the file when it is another one', () => {
    const text = 'channel.ack(msg);\nawait work(msg);\n';
    const out = stylish({
      cwd: '/p',
      findings: [{
        ruleId: 'r', severity: 'error', file: '/p/a.ts', start: 0, end: 16, line: 1, column: 1, endLine: 1, endColumn: 17,
        message: 'm', consequence: 'message-lost',
        related: [{ file: '/p/a.ts', start: 24, end: 33, message: 'the work' }, { file: '/p/b.ts', start: 2, end: 3, message: 'elsewhere' }],
      }],
      errors: [], stats: { files: 1, parsed: 1, ms: 1 } as never, rules: [], severityOf: () => 'error', version: '0',
      readText: (f) => (f === '/p/a.ts' ? text : 'x\nyz'), color: false,
    });
    expect(out).toContain('    see 2:7 the work\n');
    expect(out).toContain('    see b.ts:2:1 elsewhere\n');
  });
});

describe('json', () => {
  it('gives each related location with its file, line and column, as a finding has them', () => {
    const text = 'channel.ack(msg);\nawait work(msg);\n';
    const out = JSON.parse(json({
      cwd: '/p',
      findings: [{
        ruleId: 'r', severity: 'error', file: '/p/a.ts', start: 0, end: 16, line: 1, column: 1, endLine: 1, endColumn: 17,
        message: 'm', consequence: 'message-lost',
        related: [{ file: '/p/a.ts', start: 24, end: 33, message: 'the work' }, { file: '/p/src/b.ts', start: 2, end: 4, message: 'elsewhere' }],
      }, {
        ruleId: 'r', severity: 'error', file: '/p/a.ts', start: 0, end: 16, line: 1, column: 1, endLine: 1, endColumn: 17, message: 'no path', consequence: 'message-lost',
      }],
      errors: [], stats: { files: 1, parsed: 1, ms: 1 } as never, rules: [], severityOf: () => 'error', version: '0',
      readText: (f) => (f === '/p/a.ts' ? text : 'x\nyz'), color: false,
    })) as { findings: Array<{ related?: unknown }> };
    expect(out.findings[0].related).toEqual([
      { file: 'a.ts', line: 2, column: 7, endLine: 2, endColumn: 16, message: 'the work' },
      { file: 'src/b.ts', line: 2, column: 1, endLine: 2, endColumn: 3, message: 'elsewhere' },
    ]);
    expect(out.findings[1]).not.toHaveProperty('related');
  });
});

describe('sarif', () => {
  const input = (internal: boolean) => ({
    cwd: '/p', findings: [], errors: [{ file: '/p/a.ts', message: 'internal error while analysing: boom', ...(internal ? { internal: true as const } : {}) }],
    stats: { files: 1, parsed: 1, ms: 1 } as never, rules: [], severityOf: () => 'error' as const,
    version: '0', readText: () => undefined, color: false,
  });
  const invocation = (text: string) => (JSON.parse(text) as { runs: Array<{ invocations: Array<{ executionSuccessful: boolean }> }> }).runs[0].invocations[0];

  it('issue 12 item 2: an internal error makes the invocation executionSuccessful: false (findings are missing); an input error does not', () => {
    expect(invocation(sarif(input(true))).executionSuccessful).toBe(false);
    expect(invocation(sarif(input(false))).executionSuccessful).toBe(true);
  });
});

describe('line ends', () => {
  const finding = (text: string, at: string, related: string) => ({
    ruleId: 'r', severity: 'error' as const, file: '/p/a.ts', start: text.indexOf(at), end: text.indexOf(at) + at.length,
    line: 3, column: 1, endLine: 3, endColumn: at.length + 1, message: 'm', consequence: 'message-lost' as const,
    related: [{ file: '/p/a.ts', start: text.indexOf(related), end: text.indexOf(related) + related.length, message: 'the work' }],
  });
  const render = (text: string) => stylish({
    cwd: '/p', findings: [finding(text, 'channel.ack(msg);', 'work(msg)')], errors: [], stats: { files: 1, parsed: 1, ms: 1 } as never,
    rules: [], severityOf: () => 'error', version: '0', readText: () => text, color: false,
  });

  it.each([
    ['CR-only', '\r'],
    ['U+2028', '\u2028'],
    ['U+2029', '\u2029'],
    ['CRLF', '\r\n'],
  ])('issue 12 (smaller): with %s line ends, the code frame shows the reported line and related locations their own line', (_, eol) => {
    const text = ['// header', 'async function h(msg) {', 'channel.ack(msg);', '  await work(msg);', '}', ''].join(eol);
    const out = render(text);
    expect(out).toContain('  > 3 | channel.ack(msg);\n');
    expect(out).toContain('    2 | async function h(msg) {\n');
    expect(out).toContain('    4 |   await work(msg);\n');
    expect(out).toContain('    see 4:9 the work\n');
  });
});
