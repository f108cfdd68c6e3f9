/**
 * The editor path re-parses with ts.updateSourceFile; a wrong incremental tree would silently give
 * wrong findings. Property test: over every analyzer fixture, a deterministic sequence of edits
 * (typing, deleting, pasting, breaking and repairing syntax) gives exactly the findings and parse
 * errors of a fresh full parse after every single edit.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Analyzer, allRules, type FileAnalysis } from '@eos/analyzer';
import { IncrementalParser } from '../../server/incremental-parser';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', '..', 'analyzer', 'test', 'fixtures');
const EDITS_PER_FILE = 25;

function fixtureFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return fixtureFiles(p);
    return /\.[cm]?[jt]sx?$/.test(e.name) && !/\.fixed\.[jt]sx?$/.test(e.name) ? [p] : [];
  });
}

/** Small deterministic PRNG (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SNIPPETS = ['x', ' ', '\n', ';', '(', ')', '{', '}', 'await ', 'channel.ack(msg);\n', '// note\n', "'", '`'];

function edit(text: string, rnd: () => number): string {
  const at = Math.floor(rnd() * (text.length + 1));
  const kind = rnd();
  if (kind < 0.45) return text.slice(0, at) + SNIPPETS[Math.floor(rnd() * SNIPPETS.length)] + text.slice(at);
  if (kind < 0.8) return text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + Math.floor(rnd() * 3)));
  // Move a line elsewhere (what the ack fix does).
  const lines = text.split('\n');
  const from = Math.floor(rnd() * lines.length);
  const [line] = lines.splice(from, 1);
  lines.splice(Math.floor(rnd() * (lines.length + 1)), 0, line);
  return lines.join('\n');
}

const summary = (a: FileAnalysis) => ({
  errors: a.errors.map((e) => e.message),
  findings: a.findings.map((f) => `${f.ruleId}@${f.file}:${f.start}-${f.end} ${f.message} fix=${JSON.stringify(f.fix?.edits ?? null)}`),
});

describe('incremental parsing in the language server', () => {
  const files = fixtureFiles(FIXTURES);

  it('finds the analyzer fixtures', () => {
    assert.ok(files.length >= 20, `only ${files.length} fixtures under ${FIXTURES}`);
  });

  for (const file of files) {
    it(`gives the findings of a full parse after every edit: ${path.relative(FIXTURES, file)}`, () => {
      const parser = new IncrementalParser(() => true);
      const incremental = new Analyzer({ rules: allRules, parse: (f, t) => parser.parse(f, t) });
      let text = fs.readFileSync(file, 'utf8');
      const rnd = random(text.length);
      for (let i = 0; i <= EDITS_PER_FILE; i++) {
        // A fresh analyzer per step: nothing cached from earlier texts.
        const expected = summary(new Analyzer({ rules: allRules }).analyzeText(file, text));
        const actual = summary(incremental.analyzeText(file, text));
        assert.deepEqual(actual, expected, `after edit ${i}`);
        text = i % 7 === 6 ? fs.readFileSync(file, 'utf8') : edit(text, rnd);
      }
    });
  }
});
