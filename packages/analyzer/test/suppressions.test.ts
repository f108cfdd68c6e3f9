/**
 * Suppression comments are read from real comments, as the scanner delimits them (issue 12,
 * item 4): text that looks like `// eos-ignore-next-line` inside a string, a template literal or
 * JSX text suppresses nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ts } from 'ts-morph';
import { afterAll, describe, expect, it } from 'vitest';
import { auditPaths, type Rule } from '@eos/analyzer';

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

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Findings of the test rule (and the engine's suppression reports) in one file, as `line:rule`. */
function findingsOf(name: string, text: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-suppress-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, name), text);
  const result = auditPaths([name], { cwd: dir, rules: [ackCall] });
  expect(result.internalErrors).toEqual([]);
  expect(result.errors).toEqual([]);
  return result.findings.map((f) => `${f.line}:${f.ruleId}`);
}

const DIRECTIVE = 'eos-ignore-next-line test-ack-call -- looks like a suppression';

describe('suppression comments', () => {
  it('issue 12 item 4: a suppression inside a string does not suppress', () => {
    expect(findingsOf('a.ts', `const s = "// ${DIRECTIVE}";\nx.ack(1);\n`)).toEqual(['2:test-ack-call']);
    expect(findingsOf('b.ts', `const s = '// ${DIRECTIVE}';\nx.ack(1);\n`)).toEqual(['2:test-ack-call']);
  });

  it('issue 12 item 4: a suppression inside a template literal does not suppress', () => {
    expect(findingsOf('a.ts', `const t = \`\n// ${DIRECTIVE}\n\`; x.ack(1);\n`)).toEqual(['3:test-ack-call']);
    expect(findingsOf('b.ts', `const t = \`\${a}\n// ${DIRECTIVE}\n\${b}\`; x.ack(1);\n`)).toEqual(['3:test-ack-call']);
  });

  it('issue 12 item 4: a suppression in JSX text does not suppress', () => {
    expect(findingsOf('a.tsx', `const v = <p>\n// ${DIRECTIVE}\n{x.ack(1)}</p>;\n`)).toEqual(['3:test-ack-call']);
  });

  it('issue 12 item 4: a real comment still suppresses, on its own line or after code, and one in a block comment does not', () => {
    expect(findingsOf('a.ts', `// ${DIRECTIVE}\nx.ack(1);\n`)).toEqual([]);
    expect(findingsOf('b.ts', `f(); // ${DIRECTIVE}\nx.ack(1);\n`)).toEqual([]);
    expect(findingsOf('c.ts', `/* // ${DIRECTIVE} */\nx.ack(1);\n`)).toEqual(['2:test-ack-call']);
    // A string with the directive on the line of a real one does not stop the real one.
    expect(findingsOf('d.ts', `const s = "// ${DIRECTIVE}"; // ${DIRECTIVE}\nx.ack(1);\n`)).toEqual([]);
  });

  it('issue 12 (smaller): suppressions count lines as findings do, with CR-only and U+2028 line ends', () => {
    expect(findingsOf('a.ts', `f();\r// ${DIRECTIVE}\rx.ack(1);\rx.ack(2);\r`)).toEqual(['4:test-ack-call']);
    expect(findingsOf('b.ts', `f();\u2028// ${DIRECTIVE}\nx.ack(1);\nx.ack(2);\n`)).toEqual(['4:test-ack-call']);
  });
});
