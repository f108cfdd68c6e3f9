/** Which values are new on every evaluation (and so useless as a dedup id) and which are stable. */
import { ts } from 'ts-morph';
import { describe, expect, it } from 'vitest';
import { freshSourceIn } from '../src/facts/fresh-values';

/** The initializer of the last `const id = ...` of a snippet, with parents set. */
function lastId(code: string): ts.Expression {
  const sf = ts.createSourceFile('x.ts', code, ts.ScriptTarget.Latest, true);
  const decls: ts.VariableDeclaration[] = [];
  const walk = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === 'id' && n.initializer) decls.push(n);
    ts.forEachChild(n, walk);
  };
  walk(sf);
  return decls[decls.length - 1].initializer!;
}

describe('freshSourceIn', () => {
  it.each([
    ['randomUUID()', 'const id = randomUUID();'],
    ['crypto.randomUUID()', 'const id = crypto.randomUUID();'],
    ['Date.now()', 'const id = `${orderId}-${Date.now()}`;'],
    ['new Date()', 'const id = new Date().toISOString();'],
    ['Math.random()', "const id = 'x' + Math.random();"],
    ['uuidv4()', 'const stamp = uuidv4(); const id = String(stamp);'],
    ['nanoid()', 'const id = nanoid(12);'],
  ])('finds %s', (source, code) => {
    expect(freshSourceIn(lastId(code))).toBe(source);
  });

  it.each([
    ['a business id', 'const id = `order-${order.id}-${event.type}`;'],
    ['a name-based uuid (v5 of its inputs)', 'const id = v5(order.id, NAMESPACE);'],
    ['a hash of the event', "const id = createHash('sha256').update(body).digest('hex');"],
    ['the outbox row id', 'const id = row.id;'],
  ])('stays quiet on %s', (_what, code) => {
    expect(freshSourceIn(lastId(code))).toBeUndefined();
  });
});
