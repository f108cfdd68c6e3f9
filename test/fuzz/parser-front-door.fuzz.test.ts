/**
 * Properties of the parser front door and of suppression comments (issue 12, items 1, 2 and 4):
 * whatever text a file holds (real consumer code cut, spliced, re-ended with CR or U+2028,
 * wrapped in deep nesting or long expressions, or plain noise), analysing it either gives
 * findings that point inside the text or names the file as unparsable: never an exception, never
 * an internal error. And text that merely looks like a suppression, inside a string or a template
 * literal, never silences a finding, while a real comment does.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { ts } from 'ts-morph';
import { describe, expect, it } from 'vitest';
import { Analyzer, allRules, suppressionComments, type Rule } from '@eos/analyzer';
import { parseSource, syntaxProblems } from '../../packages/analyzer/src/engine/parse';
import { anyText, fuzz, sourceText } from './fuzz';

const FIXTURES = path.resolve(__dirname, '../../packages/analyzer/test/fixtures');

/** Consumer code of every broker the analyzer knows: the annotated fixtures, a few dozen of them. */
const samples: string[] = (fs.readdirSync(FIXTURES, { recursive: true }) as string[])
  .filter((f) => /\.(ts|js)$/.test(f) && !f.includes('type-aware'))
  .sort()
  .filter((_, i) => i % 4 === 0)
  .map((f) => fs.readFileSync(path.join(FIXTURES, f), 'utf8'));

/** Ways hostile input bends a real file. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), text: fc.oneof(sourceText(40), anyText(8), fc.constantFrom('{', '}', '(', '`', '"', '/*', '//', '\u2028', '\r', '\uFEFF', '\0')) }),
  fc.record({ kind: fc.constant('line-ends' as const), eol: fc.constantFrom('\r', '\r\n', '\u2028', '\u2029') }),
  fc.record({ kind: fc.constant('long-expression' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), terms: fc.integer({ min: 1, max: 5_000 }), term: fc.constantFrom('"a"', '1', 'x', 'msg.id') }),
  // A long sum where the analyzer folds numbers: timeouts and delays.
  fc.record({ kind: fc.constant('long-number' as const), terms: fc.integer({ min: 1, max: 5_000 }) }),
  fc.record({ kind: fc.constant('deep-nesting' as const), depth: fc.integer({ min: 1, max: 3_000 }), open: fc.constantFrom('(', '[', '{ a: ', 'f(') }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(text: string, m: Mutation): string {
  const at = 'at' in m ? Math.floor(m.at * text.length) : 0;
  switch (m.kind) {
    case 'cut':
      return text.slice(0, at);
    case 'insert':
      return text.slice(0, at) + m.text + text.slice(at);
    case 'line-ends':
      return text.replace(/\r?\n/g, m.eol);
    case 'long-expression': {
      // At a line start, so it is a statement wherever statements may go.
      const line = text.lastIndexOf('\n', at) + 1;
      return `${text.slice(0, line)}void (${Array(m.terms).fill(m.term).join(' + ')});\n${text.slice(line)}`;
    }
    case 'long-number': {
      const sum = Array(m.terms).fill('1').join(' + ');
      return text.replace(/(\d[\d_]*)(?=\s*[,)}])/, sum);
    }
    case 'deep-nesting': {
      const close = { '(': ')', '[': ']', '{ a: ': ' }', 'f(': ')' }[m.open];
      return `${text}\nexport const deep = ${m.open.repeat(m.depth)}1${close.repeat(m.depth)};\n`;
    }
  }
}

const fileText = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...samples), fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([t, ms]) => ms.reduce(mutate, t)) },
  { weight: 1, arbitrary: sourceText(400) },
  { weight: 1, arbitrary: anyText(200) },
);

describe('parser front door', () => {
  it('issue 12 items 1-2: any text gives findings inside the text or a named "cannot parse", never an exception or an internal error', async () => {
    expect(samples.length).toBeGreaterThan(10);
    await fuzz(
      fc.property(fileText, fc.constantFrom('a.ts', 'a.tsx', 'a.js', 'a.mjs'), (text, name) => {
        const file = `/virtual/${name}`;
        const result = new Analyzer({ rules: allRules }).analyzeText(file, text);
        expect(result.internalErrors ?? []).toEqual([]);
        for (const e of result.errors) {
          expect(e.file).toBe(file);
          expect(e.message).toMatch(/^cannot parse: /);
        }
        if (result.errors.length > 0) expect(result.findings).toEqual([]);
        const lines = text.split(/\r\n|[\n\r\u2028\u2029]/).length;
        for (const f of result.findings) {
          if (f.file !== file) continue;
          expect(0 <= f.start && f.start <= f.end && f.end <= text.length).toBe(true);
          expect(f.line >= 1 && f.line <= f.endLine && f.endLine <= lines).toBe(true);
        }
      }),
    );
  });
});

/** Test rule: every `x.ack(...)` call is a finding. */
const ackCall: Rule = {
  meta: { id: 'test-ack-call', description: 'test', defaultSeverity: 'error', fixable: false, requiresTypes: false, brokers: [], consequence: 'message-lost' },
  messages: { found: 'ack call' },
  triggers: /\.ack\(/,
  create(context) {
    return {
      visitors: {
        [ts.SyntaxKind.CallExpression]: (node) => {
          const call = node as ts.CallExpression;
          if (ts.isPropertyAccessExpression(call.expression) && call.expression.name.text === 'ack') context.report({ node: call, messageId: 'found' });
        },
      },
    };
  },
};

const DIRECTIVE = 'eos-ignore-next-line test-ack-call -- fuzzed reason';
/** Text that may sit inside a string or template on one line without ending it. */
const inert = fc.string({ unit: fc.constantFrom('a', ' ', '/', '*', '-', '#', '1', 'é', '😀', '{', '}'), maxLength: 12 });
const eol = fc.constantFrom('\n', '\r\n', '\r', '\u2028');

describe('suppression comments', () => {
  it('issue 12 item 4: a directive inside a string or template literal never suppresses; the same directive in a real comment does', async () => {
    await fuzz(
      fc.property(fc.constantFrom('"', "'", '`'), inert, inert, eol, fc.boolean(), (quote, before, after, nl, asComment) => {
        const holder = asComment ? `f(); // ${before}` : `const s = ${quote}${before}// ${DIRECTIVE}${after}${quote};`;
        // In the comment case the directive must begin the comment to count; put it first.
        const line1 = asComment ? `f(); // ${DIRECTIVE}` : holder;
        const text = `${line1}${nl}x.ack(1);${nl}`;
        const result = new Analyzer({ rules: [ackCall] }).analyzeText('/virtual/a.ts', text);
        expect(result.errors).toEqual([]);
        expect(result.findings.map((f) => `${f.line}:${f.ruleId}`)).toEqual(asComment ? [] : ['2:test-ack-call']);
      }),
    );
  });

  it('issue 12 item 4: every suppression comment found is a real // comment of the text, whatever the text', async () => {
    const withMarker = fc.tuple(fc.oneof(sourceText(300), fc.constantFrom(...samples)), fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(`// ${DIRECTIVE}`, DIRECTIVE, `"${DIRECTIVE}"`, `\`// ${DIRECTIVE}\``, `/* // ${DIRECTIVE} */`)), { maxLength: 4 }))
      .map(([t, inserts]) => inserts.reduce((acc, [at, s]) => acc.slice(0, Math.floor(at * acc.length)) + s + acc.slice(Math.floor(at * acc.length)), t));
    await fuzz(
      fc.property(withMarker, (text) => {
        const sf = parseSource('/virtual/a.ts', text);
        const scanned = new Set<number>();
        // Every // comment as the scanner reads it, token by token (leading and trailing trivia).
        const collect = (pos: number) => {
          for (const r of [...(ts.getLeadingCommentRanges(text, pos) ?? []), ...(ts.getTrailingCommentRanges(text, pos) ?? [])]) {
            if (r.kind === ts.SyntaxKind.SingleLineCommentTrivia) scanned.add(r.pos);
          }
        };
        // The tokens of the parsed tree, not a bare scanner: only the parser rescans template
        // literals, so a scanner alone reads `${a}:${b}` wrongly and loses the comments after it.
        const visit = (node: ts.Node): void => {
          const children = node.getChildren(sf);
          if (children.length === 0) {
            collect(node.getFullStart());
            collect(node.getEnd());
          }
          for (const child of children) visit(child);
        };
        visit(sf);
        collect(text.length);
        for (const c of suppressionComments(sf)) {
          expect(text.slice(c.pos, c.pos + 2)).toBe('//');
          expect(c.end).toBeLessThanOrEqual(text.length);
          expect(sf.getLineAndCharacterOfPosition(c.pos).line + 1).toBe(c.line);
          if (syntaxProblems(sf).length === 0) expect(scanned.has(c.pos) || text.slice(0, c.pos).trim() === '').toBe(true);
        }
      }),
    );
  });
});
