/**
 * Meta test: a rule is one module, one doc page and one fixture folder, and they agree. Doc
 * examples are annotated like fixtures and run through the same harness, so docs cannot rot.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyzer, allRules, auditConnectorText } from '@eos/analyzer';
import { configFixtureFiles, FIXTURES, fixtureFiles } from './fixture-runner';
import { blankAnnotations, mismatches, parseExpectations } from './harness';

const DOCS = path.join(__dirname, '..', 'docs', 'rules');
const CODE_BLOCK = /```(ts|typescript|js|javascript|json|properties)\n([\s\S]*?)```/g;

/** The annotated code blocks of a doc page: source code, or a Kafka Connect connector config. */
function examples(markdown: string): Array<{ lang: string; code: string }> {
  return [...markdown.matchAll(CODE_BLOCK)].map((m) => ({ lang: m[1], code: m[2] }));
}

describe.each(allRules.map((r) => r.meta.id))('rule %s', (id) => {
  const docFile = path.join(DOCS, `${id}.md`);

  it('has a doc page with bad and good examples that the harness runs', () => {
    expect(fs.existsSync(docFile), `${docFile} missing`).toBe(true);
    const blocks = examples(fs.readFileSync(docFile, 'utf8'));
    const kinds = blocks.flatMap((b) => parseExpectations(b.code)).filter((e) => e.ruleId === id).map((e) => e.kind);
    expect(kinds, 'a doc needs a bad example (// expect:)').toContain('expect');
    expect(kinds, 'a doc needs a good example (// ok:)').toContain('ok');
    const analyzer = new Analyzer({ rules: allRules });
    blocks.forEach(({ lang, code }, i) => {
      let findings;
      if (lang === 'json' || lang === 'properties') {
        const result = auditConnectorText(path.join(DOCS, `${id}.example${i}.${lang}`), blankAnnotations(code));
        expect(result.error, `example ${i + 1} of ${id}.md`).toBeUndefined();
        findings = result.findings;
      } else findings = analyzer.analyzeText(path.join(DOCS, `${id}.example${i}.ts`), code).findings;
      expect(mismatches(code, findings), `example ${i + 1} of ${id}.md`).toEqual([]);
    });
  });

  it('has a fixture folder', () => {
    const dir = path.join(FIXTURES, id);
    expect(fs.existsSync(dir) && fixtureFiles(dir).length + configFixtureFiles(dir).length > 0, `${dir} missing or empty`).toBe(true);
  });

  it('has metadata and messages that name a consequence and a fix', () => {
    const rule = allRules.find((r) => r.meta.id === id)!;
    expect(rule.meta.description.length).toBeGreaterThan(20);
    expect(Object.keys(rule.messages).length).toBeGreaterThan(0);
  });
});

describe('rule catalogue', () => {
  it('has no doc page or fixture folder without a rule', () => {
    const ids = new Set(allRules.map((r) => r.meta.id));
    const docs = fs.existsSync(DOCS) ? fs.readdirSync(DOCS).filter((f) => f.endsWith('.md')).map((f) => f.replace(/\.md$/, '')) : [];
    const folders = fs.existsSync(FIXTURES) ? fs.readdirSync(FIXTURES) : [];
    expect(docs.filter((d) => !ids.has(d) && d !== 'suppressions')).toEqual([]);
    expect(folders.filter((d) => !ids.has(d) && d !== 'engine')).toEqual([]);
  });
});
