/**
 * Engine-level tests of the audit run (file discovery, safe reading, configuration, the run and
 * the fix loop), against test-only rules so they hold whatever rules are registered.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  allRules,
  auditPaths,
  ConfigError,
  createAnalyzer,
  createRule,
  discoverFiles,
  isTestPath,
  fixText,
  loadConfig,
  packageOfFile,
  readSource,
  type Rule,
} from '@eos/analyzer';
import { ts } from 'ts-morph';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tree } from './helpers';

const made: string[] = [];
const sample = (files: Record<string, string | Buffer>) => {
  const dir = tree(files);
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** Test rule: every `x.ack(...)` call is a finding, fixed (safely) by renaming it to `x.ackLater(...)`. */
const ackCall: Rule = {
  meta: { id: 'test-ack-call', description: 'test', defaultSeverity: 'error', fixable: 'safe', requiresTypes: false, brokers: [], consequence: 'message-lost' },
  messages: { found: 'ack call' },
  triggers: /\.ack\(/,
  create(context) {
    return {
      visitors: {
        [ts.SyntaxKind.CallExpression]: (node) => {
          const call = node as ts.CallExpression;
          if (!ts.isPropertyAccessExpression(call.expression) || call.expression.name.text !== 'ack') return;
          const name = call.expression.name;
          context.report({
            node: call,
            messageId: 'found',
            fix: { description: 'rename', safety: 'safe', edits: [{ start: name.getStart(), end: name.getEnd(), text: 'ackLater' }] },
          });
        },
      },
    };
  },
};

const relFiles = (dir: string, files: string[]) => files.map((f) => path.relative(dir, f).split(path.sep).join('/'));

describe('discoverFiles', () => {
  it('finds every source extension, skips declarations, node_modules, dist, build and non-sources', () => {
    const dir = sample({
      'a.ts': '', 'b.tsx': '', 'c.mts': '', 'd.cts': '', 'e.js': '', 'f.jsx': '', 'g.mjs': '', 'h.cjs': '',
      'types.d.ts': '', 'notes.md': '', 'data.json': '{}',
      'node_modules/pkg/index.js': '', 'dist/out.js': '', 'build/out.js': '', 'src/deep/x.ts': '',
    });
    const { files, errors } = discoverFiles(['.'], { cwd: dir });
    expect(relFiles(dir, files)).toEqual(['a.ts', 'b.tsx', 'c.mts', 'd.cts', 'e.js', 'f.jsx', 'g.mjs', 'h.cjs', 'src/deep/x.ts']);
    expect(errors).toEqual([]);
  });

  it('honours .gitignore files from the repository root down, including nested ones and negations', () => {
    const dir = sample({
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.gitignore': 'generated/\n*.gen.ts\n',
      'svc/.gitignore': 'local.ts\n!keep.gen.ts\n',
      'svc/a.ts': '', 'svc/local.ts': '', 'svc/x.gen.ts': '', 'svc/keep.gen.ts': '', 'svc/generated/g.ts': '',
    });
    // Started below the repository root: the root .gitignore still applies.
    const { files } = discoverFiles(['svc'], { cwd: dir });
    expect(relFiles(dir, files)).toEqual(['svc/a.ts', 'svc/keep.gen.ts']);
    expect(relFiles(dir, discoverFiles(['svc'], { cwd: dir, gitignore: false }).files)).toEqual(
      ['svc/a.ts', 'svc/generated/g.ts', 'svc/keep.gen.ts', 'svc/local.ts', 'svc/x.gen.ts'],
    );
  });

  it('applies configured ignore globs relative to their base, and analyses explicitly named files anyway', () => {
    const dir = sample({ 'src/a.ts': '', 'src/a.test.ts': '', 'src/legacy/old.ts': '' });
    const options = { cwd: dir, ignore: ['**/*.test.ts', 'src/legacy/**'], ignoreBase: dir };
    expect(relFiles(dir, discoverFiles(['.'], options).files)).toEqual(['src/a.ts']);
    expect(relFiles(dir, discoverFiles(['src/a.test.ts'], options).files)).toEqual(['src/a.test.ts']);
  });

  it('leaves test folders and test files out of a walk and counts them; includeTests walks them; a named test file is analysed', () => {
    const dir = sample({
      'src/orders.ts': '', 'src/orders.test.ts': '', 'src/orders.spec.js': '', 'src/app.e2e-spec.ts': '', 'src/testing.ts': '',
      'src/__tests__/a.ts': '', 'src/__mocks__/b.ts': '', 'test/c.ts': '', 'tests/d.ts': '', 'e2e/e.ts': '', 'src/latest/f.ts': '',
    });
    const walked = discoverFiles(['.'], { cwd: dir });
    expect(relFiles(dir, walked.files)).toEqual(['src/latest/f.ts', 'src/orders.ts', 'src/testing.ts']);
    // Three files and five folders.
    expect(walked.ignored.tests).toBe(8);
    const all = discoverFiles(['.'], { cwd: dir, includeTests: true });
    expect(all.files).toHaveLength(11);
    expect(all.ignored.tests).toBe(0);
    expect(relFiles(dir, discoverFiles(['src/orders.test.ts', 'test'], { cwd: dir }).files)).toEqual(['src/orders.test.ts', 'test/c.ts']);
  });

  it('isTestPath judges a relative path by its file name and its folders', () => {
    expect(isTestPath('src/orders.test.ts')).toBe(true);
    expect(isTestPath('src/orders.spec.mjs')).toBe(true);
    expect(isTestPath('apps/api/test/app.e2e-spec.ts')).toBe(true);
    expect(isTestPath('packages/x/__tests__/helpers.ts')).toBe(true);
    expect(isTestPath('src/testing/module.ts')).toBe(false);
    expect(isTestPath('src/contest.ts')).toBe(false);
    expect(isTestPath('test.ts')).toBe(false);
  });

  it('reports a symlink loop, a self-referencing link and a missing path by name, and still lists the rest', () => {
    const dir = sample({ 'src/a.ts': '', 'src/sub/b.ts': '' });
    fs.symlinkSync(path.join(dir, 'src'), path.join(dir, 'src/sub/back'));
    fs.symlinkSync(path.join(dir, 'src/self.ts'), path.join(dir, 'src/self.ts'));
    const { files, errors } = discoverFiles(['src', 'missing'], { cwd: dir });
    expect(relFiles(dir, files)).toEqual(['src/a.ts', 'src/sub/b.ts']);
    const byFile = Object.fromEntries(errors.map((e) => [path.relative(dir, e.file), e.message]));
    expect(byFile['src/sub/back']).toMatch(/symbolic link loop/);
    expect(byFile['src/self.ts']).toMatch(/symbolic link loop \(ELOOP\)/);
    expect(byFile.missing).toMatch(/no such file/);
  });

  it('lists a file reached through two links once', () => {
    const dir = sample({ 'real/a.ts': '' });
    fs.symlinkSync(path.join(dir, 'real'), path.join(dir, 'alias'));
    expect(discoverFiles(['.'], { cwd: dir }).files).toHaveLength(1);
  });
});

describe('readSource', () => {
  it('refuses a file over the size limit, naming its size and the limit', () => {
    const dir = sample({ 'big.ts': Buffer.alloc(10 * 1024 * 1024, 0x61) });
    const r = readSource(path.join(dir, 'big.ts'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/10\.0 MB, over the 2\.0 MB limit/);
    expect(readSource(path.join(dir, 'big.ts'), 11 * 1024 * 1024).ok).toBe(true);
  });

  it('refuses binary content, a FIFO (without blocking) and a dangling link', () => {
    const dir = sample({ 'bin.ts': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01]) });
    fs.symlinkSync(path.join(dir, 'nowhere.ts'), path.join(dir, 'dangling.ts'));
    require('node:child_process').execFileSync('mkfifo', [path.join(dir, 'pipe.ts')]);
    const message = (name: string) => {
      const r = readSource(path.join(dir, name));
      return r.ok ? 'read' : r.error.message;
    };
    expect(message('bin.ts')).toMatch(/binary content/);
    expect(message('pipe.ts')).toMatch(/not a regular file \(a named pipe\)/);
    expect(message('dangling.ts')).toMatch(/no such file or directory/);
  });

  it('strips a byte-order mark so offsets match the text editors show', () => {
    const dir = sample({ 'bom.ts': '\ufeffconst a = 1;\n' });
    const r = readSource(path.join(dir, 'bom.ts'));
    expect(r.ok && r.text).toBe('const a = 1;\n');
  });
});

describe('loadConfig', () => {
  const ids = ['test-ack-call', 'other-rule'];

  it('finds eos.config.json in a parent folder and resolves ignore globs from there', () => {
    const dir = sample({ 'eos.config.json': JSON.stringify({ rules: { 'test-ack-call': ['warning', { x: 1 }] }, ignore: ['gen/**'], maxFileSize: 1000 }), 'pkg/src/a.ts': '' });
    const loaded = loadConfig(path.join(dir, 'pkg/src'), ids);
    expect(loaded.file).toBe(path.join(dir, 'eos.config.json'));
    expect(loaded.baseDir).toBe(dir);
    expect(loaded.config).toEqual({ rules: { 'test-ack-call': { severity: 'warning', options: { x: 1 } } }, ignore: ['gen/**'], maxFileSize: 1000 });
  });

  it('reads package.json#eos, and passes over a package.json without it', () => {
    const dir = sample({ 'package.json': JSON.stringify({ name: 'x', eos: { rules: { 'other-rule': 'off' } } }), 'sub/package.json': '{"name":"sub"}' });
    const loaded = loadConfig(path.join(dir, 'sub'), ids);
    expect(loaded.file).toBe(path.join(dir, 'package.json'));
    expect(loaded.config.rules).toEqual({ 'other-rule': { severity: 'off' } });
  });

  it.each([
    [{ rules: { 'no-such-rule': 'error' } }, 'rules.no-such-rule: unknown rule id'],
    [{ rules: { 'test-ack-call': 'fatal' } }, 'rules.test-ack-call: severity must be one of'],
    [{ rules: { 'test-ack-call': ['error', 'x'] } }, 'rules.test-ack-call[1]: rule options must be an object'],
    [{ rules: [] }, 'rules: must be an object'],
    [{ ignore: 'dist' }, 'ignore: must be an array'],
    [{ ignore: [3] }, 'ignore[0]: must be a non-empty glob string'],
    [{ maxFileSize: -1 }, 'maxFileSize: must be a positive integer'],
    [{ rule: {} }, 'rule: unknown key'],
  ])('rejects %j naming the file and the key path', (config, expected) => {
    const dir = sample({ 'eos.config.json': JSON.stringify(config) });
    expect(() => loadConfig(dir, ids)).toThrow(ConfigError);
    expect(() => loadConfig(dir, ids)).toThrow(`${path.join(dir, 'eos.config.json')}: ${expected}`);
  });

  it('issue 12 (smaller): maxFileSize 1e309 (Infinity once read) is named as too large, not "got null"', () => {
    const dir = sample({ 'eos.config.json': '{ "maxFileSize": 1e309 }\n' });
    expect(() => loadConfig(dir, ids)).toThrow(`${path.join(dir, 'eos.config.json')}: maxFileSize: must be a positive integer number of bytes, got a number above what JSON can hold (read as Infinity)`);
    const rules = sample({ 'eos.config.json': '{ "rules": { "test-ack-call": -1e999 } }\n' });
    expect(() => loadConfig(rules, ids)).toThrow(/rules\.test-ack-call: must be a severity string or \[severity, options\], got a number below what JSON can hold \(read as -Infinity\)$/);
  });

  it('issue 12 item 3: the search for a configuration stops at the repository root (.git)', () => {
    const dir = sample({ 'eos.config.json': JSON.stringify({ ignore: ['**'] }), 'repo/package.json': '{"name":"r"}', 'repo/src/a.ts': '' });
    fs.mkdirSync(path.join(dir, 'repo/.git'));
    const loaded = loadConfig(path.join(dir, 'repo/src'), ids);
    expect(loaded.file).toBeUndefined();
    expect(loaded.config).toEqual({ rules: {}, ignore: [] });
    fs.rmdirSync(path.join(dir, 'repo/.git'));
    expect(loadConfig(path.join(dir, 'repo/src'), ids)).toMatchObject({ file: path.join(dir, 'eos.config.json'), aboveProject: path.join(dir, 'repo') });
  });

  it('reports malformed JSON with its line and column', () => {
    const dir = sample({ 'package.json': '{\n  "name": "x",\n  "eos": { "rules": }\n}\n' });
    expect(() => loadConfig(dir, ids)).toThrow(/package\.json: invalid JSON: .* at line 3 column \d+/);
  });

  describe('rule options, checked against what each rule declares', () => {
    /** A rule that declares one boolean option and reports its value. */
    const optioned: Rule = createRule({
      meta: { id: 'test-optioned', description: 'test', defaultSeverity: 'error', fixable: false, requiresTypes: false, brokers: [], consequence: 'message-lost' },
      messages: { value: 'flag is {{flag}}' },
      options: { flag: { type: 'boolean', default: false, description: 'a flag' } },
      triggers: /ack/,
      create: (context) => ({ end: () => context.report({ node: context.sourceFile, messageId: 'value', data: { flag: String(context.options.flag) } }) }),
    });
    const known = [optioned, ackCall];
    const configWith = (options: unknown) => sample({ 'eos.config.json': JSON.stringify({ rules: { [optioned.meta.id]: ['error', options] } }) });

    it('issue 12 item 6: a misspelt option ({"logOnlyisWork": true} for logOnlyIsWork) is a config error naming the rule and the key', () => {
      const dir = sample({ 'eos.config.json': JSON.stringify({ rules: { 'ack-before-process': ['error', { logOnlyisWork: true }] } }) });
      expect(() => loadConfig(dir, allRules)).toThrow(ConfigError);
      expect(() => loadConfig(dir, allRules)).toThrow(
        `${path.join(dir, 'eos.config.json')}: rules.ack-before-process[1].logOnlyisWork: unknown option of rule ack-before-process (known: logOnlyIsWork)`,
      );
    });

    it('issue 12 item 6: an option of the wrong type ({"logOnlyIsWork": "false"}, a string) is a config error naming the rule and the key', () => {
      const dir = sample({ 'eos.config.json': JSON.stringify({ rules: { 'ack-before-process': ['error', { logOnlyIsWork: 'false' }] } }) });
      expect(() => loadConfig(dir, allRules)).toThrow(
        `${path.join(dir, 'eos.config.json')}: rules.ack-before-process[1].logOnlyIsWork: option of rule ack-before-process must be true or false, got string "false"`,
      );
    });

    it('issue 12 item 6: options of a rule that declares none are refused, and an empty options object is fine', () => {
      expect(() => loadConfig(sample({ 'eos.config.json': JSON.stringify({ rules: { 'test-ack-call': ['error', { x: 1 }] } }) }), known)).toThrow(
        'rules.test-ack-call[1].x: unknown option of rule test-ack-call (it takes none)',
      );
      expect(loadConfig(sample({ 'eos.config.json': JSON.stringify({ rules: { 'test-ack-call': ['error', {}] } }) }), known).config.rules).toEqual({ 'test-ack-call': { severity: 'error', options: {} } });
    });

    it('issue 12 item 6: a valid option reaches the rule; an unset one takes the declared default', () => {
      const dir = sample({ 'a.ts': 'x.ack(1);\n' });
      const run = (options?: Record<string, unknown>) => auditPaths(['.'], { cwd: dir, rules: [optioned], settings: options ? { [optioned.meta.id]: { severity: 'error', options } } : undefined });
      expect(loadConfig(configWith({ flag: true }), known).config.rules[optioned.meta.id]).toEqual({ severity: 'error', options: { flag: true } });
      expect(run({ flag: true }).findings.map((f) => f.message)).toEqual(['flag is true']);
      expect(run().findings.map((f) => f.message)).toEqual(['flag is false']);
      // A library caller's value of the wrong type (configuration would have refused it) falls back to the default.
      expect(run({ flag: 'true' }).findings.map((f) => f.message)).toEqual(['flag is false']);
    });
  });

  it('prefixes key paths inside package.json with eos.', () => {
    const dir = sample({ 'package.json': JSON.stringify({ eos: { rules: { nope: 'off' } } }) });
    expect(() => loadConfig(dir, ids)).toThrow(/package\.json: eos\.rules\.nope: unknown rule id/);
  });
});

describe('auditPaths', () => {
  it('analyses every readable file, reports bad inputs by name and keeps a deterministic order', () => {
    const dir = sample({
      'b.ts': 'channel.ack(msg);\nchannel.ack(other);\n',
      'a.ts': 'function f() {\n  ch.ack(m);\n}\n',
      'broken.ts': 'const = ;\nch.ack(m);\n',
      'quiet.ts': 'export const nothing = 1;\n',
      'bin.ts': Buffer.from([0, 1, 2, 3]),
    });
    const result = auditPaths(['.'], { cwd: dir, rules: [ackCall] });
    expect(result.findings.map((f) => `${path.basename(f.file)}:${f.line}:${f.column}`)).toEqual(['a.ts:2:3', 'b.ts:1:1', 'b.ts:2:1']);
    expect(result.errors.map((e) => [path.basename(e.file), e.message.split(':')[0]])).toEqual([['bin.ts', 'binary content (NUL bytes), not source code; file skipped'], ['broken.ts', 'cannot parse']]);
    expect(result.stats.files).toBe(5);
    // quiet.ts never reaches the parser (no trigger); bin.ts is not read.
    expect(result.stats.parsed).toBe(3);
    expect(result.internalErrors).toEqual([]);
  });

  it('turns a rule that throws into an internal error naming the rule, the file and the first frame, and keeps the other rules\' findings', () => {
    const throwing: Rule = { ...ackCall, meta: { ...ackCall.meta, id: 'test-throws' }, create: () => ({ end: () => { throw new Error('boom'); } }) };
    const dir = sample({ 'a.ts': 'x.ack(1);\n', 'b.ts': 'x.ack(2);\n' });
    const result = auditPaths(['.'], { cwd: dir, rules: [ackCall, throwing] });
    expect(result.findings.map((f) => `${f.ruleId} ${path.basename(f.file)}:${f.line}`)).toEqual(['test-ack-call a.ts:1', 'test-ack-call b.ts:1']);
    expect(result.internalErrors.map((e) => [path.basename(e.file), e.ruleId])).toEqual([['a.ts', 'test-throws'], ['b.ts', 'test-throws']]);
    const [first] = result.internalErrors;
    expect(first.internal).toBe(true);
    expect(first.frame).toMatch(/engine\.test\.ts:\d+:\d+/);
    expect(first.message).toBe(`internal error in rule test-throws: boom (at ${first.frame}); this rule's findings for this file are missing (please report it)`);
  });

  it('drops the findings a throwing rule reported before it threw, not the others\'; a throw in a visitor stops only that rule', () => {
    let calls = 0;
    // Reports the first ack call of each file, then throws on the next one.
    const reportsThenThrows: Rule = {
      ...ackCall,
      meta: { ...ackCall.meta, id: 'test-reports-then-throws' },
      create: (context) => ({
        visitors: {
          [ts.SyntaxKind.CallExpression]: (node) => {
            calls++;
            if (calls % 2 === 0) throw new TypeError('second call');
            context.report({ node, messageId: 'found' });
          },
        },
      }),
    };
    const dir = sample({ 'a.ts': 'x.ack(1);\nx.ack(2);\nx.ack(3);\n' });
    const result = auditPaths(['.'], { cwd: dir, rules: [reportsThenThrows, ackCall] });
    expect(result.findings.map((f) => `${f.ruleId}:${f.line}`)).toEqual(['test-ack-call:1', 'test-ack-call:2', 'test-ack-call:3']);
    expect(result.internalErrors.map((e) => e.message.split(' (at ')[0])).toEqual(['internal error in rule test-reports-then-throws: second call']);
    // Not called again on the file once it threw.
    expect(calls).toBe(2);
  });

  it('honours severities from settings, and "off"', () => {
    const dir = sample({ 'a.ts': 'x.ack(1);\n' });
    expect(auditPaths(['.'], { cwd: dir, rules: [ackCall], settings: { 'test-ack-call': { severity: 'info' } } }).findings[0].severity).toBe('info');
    expect(auditPaths(['.'], { cwd: dir, rules: [ackCall], settings: { 'test-ack-call': { severity: 'off' } } }).findings).toEqual([]);
  });

  it('applies inline suppressions with reasons and reports unused and reason-less ones', () => {
    const dir = sample({
      'a.ts': [
        '// eos-ignore-next-line test-ack-call -- replies on the direct-reply queue are fire-and-forget',
        'x.ack(1);',
        '// eos-ignore-next-line test-ack-call',
        'x.ack(2);',
        '// eos-ignore-next-line test-ack-call -- nothing here',
        'const y = 1;',
        '',
      ].join('\n'),
    });
    const found = auditPaths(['.'], { cwd: dir, rules: [ackCall] }).findings.map((f) => `${f.line}:${f.ruleId}`);
    expect(found).toEqual(['3:invalid-suppression', '4:test-ack-call', '5:unused-suppression']);
  });
});

describe('fixText', () => {
  it('applies fixes pass after pass until no fix applies, and reports what remains', () => {
    const dir = sample({ 'a.ts': 'x.ack(1);\ny.ack(2);\n' });
    const { analyzer } = createAnalyzer({ rules: [ackCall] });
    const file = path.join(dir, 'a.ts');
    const r = fixText(analyzer, file, fs.readFileSync(file, 'utf8'), 'safe');
    expect(r.text).toBe('x.ackLater(1);\ny.ackLater(2);\n');
    expect(r.applied).toHaveLength(2);
    expect(r.remaining).toEqual([]);
    expect(r.problem).toBeUndefined();
  });

  it('declines a fix that would drop a comment, and rolls back a pass that breaks the syntax', () => {
    const eatsComment: Rule = {
      ...ackCall,
      meta: { ...ackCall.meta, id: 'test-eats' },
      create: (context) => ({
        visitors: {
          [ts.SyntaxKind.CallExpression]: (node) => {
            const call = node as ts.CallExpression;
            if (!ts.isPropertyAccessExpression(call.expression) || call.expression.name.text !== 'ack') return;
            const statement = call.parent;
            context.report({ node: call, messageId: 'found', fix: { description: 'delete', safety: 'safe', edits: [{ start: statement.getFullStart(), end: statement.getEnd(), text: '' }] } });
          },
        },
      }),
    };
    const breaks: Rule = {
      ...ackCall,
      meta: { ...ackCall.meta, id: 'test-breaks' },
      create: (context) => ({
        visitors: {
          [ts.SyntaxKind.CallExpression]: (node) => {
            context.report({ node, messageId: 'found', fix: { description: 'break', safety: 'safe', edits: [{ start: node.getEnd(), end: node.getEnd(), text: ' )(' }] } });
          },
        },
      }),
    };
    const withComment = 'x.ack(1); // the why\n';
    const eaten = fixText(createAnalyzer({ rules: [eatsComment] }).analyzer, '/virtual/a.ts', `\n// keep me\nx.ack(1);\n`, 'safe');
    expect(eaten.text).toBe('\n// keep me\nx.ack(1);\n');
    expect(eaten.skipped.map((s) => s.reason)).toEqual(['the fix would drop a comment']);
    const broken = fixText(createAnalyzer({ rules: [breaks] }).analyzer, '/virtual/b.ts', withComment, 'safe');
    expect(broken.text).toBe(withComment);
    expect(broken.problem).toMatch(/does not parse/);
    expect(broken.applied).toEqual([]);
  });

  it('leaves unsafe fixes alone unless allowed', () => {
    const unsafe: Rule = {
      ...ackCall,
      meta: { ...ackCall.meta, id: 'test-unsafe', fixable: 'unsafe' },
      create: (context) => {
        const inner = ackCall.create({ ...context, report: (d) => context.report({ ...d, fix: d.fix && { ...d.fix, safety: 'unsafe' } }) });
        return inner;
      },
    };
    const { analyzer } = createAnalyzer({ rules: [unsafe] });
    expect(fixText(analyzer, '/virtual/c.ts', 'x.ack(1);\n', 'safe').text).toBe('x.ack(1);\n');
    expect(fixText(analyzer, '/virtual/c.ts', 'x.ack(1);\n', 'unsafe').text).toBe('x.ackLater(1);\n');
  });
});

describe('type-aware origins (--types)', () => {
  /** Test rule: reports the origin the facts layer gives the receiver of every `.ack(...)`. */
  const originProbe: Rule = {
    ...ackCall,
    meta: { ...ackCall.meta, id: 'test-origin' },
    messages: { found: 'origin {{origin}}' },
    create: (context) => ({
      visitors: {
        [ts.SyntaxKind.CallExpression]: (node) => {
          const call = node as ts.CallExpression;
          if (!ts.isPropertyAccessExpression(call.expression) || call.expression.name.text !== 'ack') return;
          const o = context.facts.originOf(call.expression.expression);
          context.report({ node: call, messageId: 'found', data: { origin: o ? `${o.module} ${o.chain.join('.')}` : 'unknown' } });
        },
      },
    }),
  };

  it('resolves a value syntax cannot place to the package its type is declared in, only with types on', () => {
    const dir = sample({
      'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, module: 'node16', moduleResolution: 'node16', target: 'es2022', types: ['node'] }, include: ['src'] }),
      'src/channel.ts': "import amqp from 'amqplib';\nexport async function openChannel() {\n  const c = await amqp.connect('amqp://localhost');\n  return c.createChannel();\n}\n",
      'src/consumer.ts': "import { openChannel } from './channel';\nexport async function run(msg: any) {\n  const ch = await openChannel();\n  ch.ack(msg);\n}\n",
    });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    const syntactic = auditPaths(['src/consumer.ts'], { cwd: dir, rules: [originProbe] });
    // Syntax only knows the value comes from the project's own module.
    expect(syntactic.findings.map((f) => f.message)).toEqual(['origin ./channel openChannel()']);
    const typed = auditPaths(['src/consumer.ts'], { cwd: dir, rules: [originProbe], types: true });
    expect(typed.errors).toEqual([]);
    expect(typed.findings.map((f) => f.message)).toEqual(['origin amqplib :Channel']);
  });

  it('maps declaration files to package names', () => {
    expect(packageOfFile('/p/node_modules/@types/amqplib/index.d.ts')).toBe('amqplib');
    expect(packageOfFile('/p/node_modules/@aws-sdk/client-sqs/dist-types/SQSClient.d.ts')).toBe('@aws-sdk/client-sqs');
    expect(packageOfFile('/p/node_modules/@types/google-cloud__pubsub/index.d.ts')).toBe('@google-cloud/pubsub');
    expect(packageOfFile('/p/node_modules/a/node_modules/kafkajs/types/index.d.ts')).toBe('kafkajs');
    expect(packageOfFile('/p/src/channel.ts')).toBeUndefined();
  });
});
