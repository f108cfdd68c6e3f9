/** The fix builder (src/fix/edits.ts): edits made from nodes, applied as `eos audit --fix` does. */
import { describe, expect, it } from 'vitest';
import { ts } from 'ts-morph';
import { applyEdits } from '@eos/analyzer';
import { parseSource } from '../src/engine/parse';
import { indentOf, insertAboveComments, insertLineAfter, moveStatementAfter, replace, replaceArguments, replaceInside } from '../src/fix/edits';

const statements = (text: string) => {
  const sf = parseSource('/virtual/a.ts', text);
  const fn = sf.statements[0] as ts.FunctionDeclaration;
  return { sf, list: fn.body!.statements };
};

describe('fix builder', () => {
  it('moves a statement after another with the line comments above it, keeping its indentation', () => {
    const text = 'function f() {\n  // settle: the work is done\n  ack(m);\n  await work(m);\n  done();\n}\n';
    const { list } = statements(text);
    const move = moveStatementAfter(list[0], list[1])!;
    expect(move.withComments).toBe(true);
    expect(applyEdits(text, move.edits)).toBe('function f() {\n  await work(m);\n  // settle: the work is done\n  ack(m);\n  done();\n}\n');
  });

  it('refuses to move a statement that shares its line or carries a trailing comment', () => {
    const shared = statements('function f() {\n  ack(m); other();\n  await work(m);\n}\n');
    expect(moveStatementAfter(shared.list[0], shared.list[2])).toBeUndefined();
    const trailing = statements('function f() {\n  ack(m); // why\n  await work(m);\n}\n');
    expect(moveStatementAfter(trailing.list[0], trailing.list[1])).toBeUndefined();
  });

  it('inserts a line after a statement at its indentation, and above the comments leading one', () => {
    const text = 'function f() {\n\tfirst();\n\t// about second\n\tsecond();\n}\n';
    const { list } = statements(text);
    expect(indentOf(list[1])).toBe('\t');
    expect(applyEdits(text, [insertLineAfter(list[0], 'added();')])).toBe('function f() {\n\tfirst();\n\tadded();\n\t// about second\n\tsecond();\n}\n');
    expect(applyEdits(text, [insertAboveComments(list[1], 'before();\n\t')])).toBe('function f() {\n\tfirst();\n\tbefore();\n\t// about second\n\tsecond();\n}\n');
  });

  it('replaces a node, a call\'s arguments and the inside of an object literal', () => {
    const text = 'producer({ a: 1 });\n';
    const sf = parseSource('/virtual/b.ts', text);
    const call = (sf.statements[0] as ts.ExpressionStatement).expression as ts.CallExpression;
    const obj = call.arguments[0] as ts.ObjectLiteralExpression;
    expect(applyEdits(text, [replace(call.expression, 'consumer')])).toBe('consumer({ a: 1 });\n');
    expect(applyEdits(text, [replaceArguments(call, 'x, y')])).toBe('producer(x, y);\n');
    expect(applyEdits(text, [replaceInside(obj, ' b: 2 ')])).toBe('producer({ b: 2 });\n');
  });
});
