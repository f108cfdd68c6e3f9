import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeAll, auditConfigFixture, configFixtureFiles, FIXTURES, fixtureFiles, fixUntilStable } from './fixture-runner';
import { mismatches } from './harness';

const folders = fs.existsSync(FIXTURES)
  ? fs.readdirSync(FIXTURES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()
  : [];

describe.each(folders)('fixtures/%s', (folder) => {
  const files = fixtureFiles(path.join(FIXTURES, folder));
  const results = analyzeAll(files);

  if (files.length > 0) it.each(files.map((f) => path.relative(FIXTURES, f)))('%s: findings match annotations', (rel) => {
    const file = path.join(FIXTURES, rel);
    expect(mismatches(fs.readFileSync(file, 'utf8'), results.get(file) ?? [])).toEqual([]);
  });

  const configs = configFixtureFiles(path.join(FIXTURES, folder));
  if (configs.length > 0) it.each(configs.map((f) => path.relative(FIXTURES, f)))('%s: connector-config findings match annotations', (rel) => {
    const file = path.join(FIXTURES, rel);
    const { findings, error } = auditConfigFixture(file);
    expect(error).toBeUndefined();
    expect(mismatches(fs.readFileSync(file, 'utf8'), findings)).toEqual([]);
  });

  const fixed = files.filter((f) => fs.existsSync(f.replace(/(\.\w+)$/, '.fixed$1')));
  if (fixed.length > 0) it.each(fixed.map((f) => path.relative(FIXTURES, f)))('%s: safe fixes give the .fixed file', (rel) => {
    const file = path.join(FIXTURES, rel);
    const want = fs.readFileSync(file.replace(/(\.\w+)$/, '.fixed$1'), 'utf8');
    expect(fixUntilStable(file, fs.readFileSync(file, 'utf8'))).toBe(want);
  });
});

describe('pre-filter', () => {
  it('never loses a finding: every fixture gives the same findings with and without it', () => {
    const files = fixtureFiles(FIXTURES);
    const key = (m: Map<string, { ruleId: string; line: number; column: number }[]>) =>
      [...m.entries()].flatMap(([f, list]) => list.map((x) => `${path.relative(FIXTURES, f)}:${x.line}:${x.column}:${x.ruleId}`)).sort();
    expect(key(analyzeAll(files, true))).toEqual(key(analyzeAll(files, false)));
  });

  it('never loses a finding on the sample projects under examples/', () => {
    const examples = path.resolve(__dirname, '../../../examples');
    const projects = fs.readdirSync(examples, { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(projects.length).toBeGreaterThan(0);
    for (const project of projects) {
      const root = path.join(examples, project.name);
      const files = fixtureFiles(root).filter((f) => !f.split(path.sep).includes('node_modules'));
      const key = (m: Map<string, { ruleId: string; line: number; column: number; message: string }[]>) =>
        [...m.entries()].flatMap(([f, list]) => list.map((x) => `${path.relative(root, f)}:${x.line}:${x.column}:${x.ruleId}:${x.message}`)).sort();
      const unfiltered = key(analyzeAll(files, false));
      expect(unfiltered.length, project.name).toBeGreaterThan(0);
      expect(key(analyzeAll(files, true)), project.name).toEqual(unfiltered);
    }
  });
});
