import { ts } from 'ts-morph';
import { unwrap } from './origins';
import { constInitializer } from './syntax';

/**
 * Values that are new on every evaluation (random ids, the clock). A dedup id built from one
 * changes when the same send is retried, so the broker cannot recognise the retry.
 */

/** Functions whose result is fresh on every call, by callee name (`randomUUID()`, `uuid.v4()`). */
const FRESH_CALLS = new Set([
  'randomUUID', 'uuid', 'uuidv4', 'uuidV4', 'v4', 'v1', 'v7', 'uuidv7', 'nanoid', 'ulid', 'cuid', 'createId',
  'randomBytes', 'randomInt', 'random', 'now', 'hrtime', 'ObjectId',
]);

/** Fresh even with arguments (a size or a range); any other call with arguments may derive from them (uuid v5). */
const FRESH_WITH_ARGUMENTS = new Set(['randomBytes', 'randomInt', 'nanoid']);

/** Receivers whose `random()` / `now()` are fresh (Math.random, Date.now, performance.now). */
const CLOCK_OR_RANDOM_RECEIVERS = new Set(['Math', 'Date', 'performance', 'crypto', 'process', 'uuid']);

/**
 * A short description of the fresh source inside `expr` (`randomUUID()`, `Date.now()`,
 * `new Date()`), or undefined when the value looks stable. Follows `const` names of the same
 * scope chain, template literals, concatenation and `String(...)` / `.toString()` wrappers.
 */
export function freshSourceIn(expr: ts.Expression | undefined, depth = 0): string | undefined {
  if (!expr || depth > 4) return undefined;
  const e = unwrap(expr);
  if (ts.isIdentifier(e)) return freshSourceIn(constInitializer(e), depth + 1);
  if (ts.isTemplateExpression(e)) {
    for (const span of e.templateSpans) {
      const found = freshSourceIn(span.expression, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    return freshSourceIn(e.left, depth + 1) ?? freshSourceIn(e.right, depth + 1);
  }
  if (ts.isNewExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'Date' && (e.arguments?.length ?? 0) === 0) {
    return 'new Date()';
  }
  if (ts.isCallExpression(e)) {
    const callee = unwrap(e.expression);
    if (ts.isPropertyAccessExpression(callee)) {
      const name = callee.name.text;
      // `x.toString()` / `x.toISOString()` / `x.getTime()` are as fresh as `x`.
      if (name === 'toString' || name === 'toISOString' || name === 'getTime' || name === 'valueOf') {
        return freshSourceIn(callee.expression, depth + 1);
      }
      const receiver = unwrap(callee.expression);
      if (ts.isIdentifier(receiver) && CLOCK_OR_RANDOM_RECEIVERS.has(receiver.text) && FRESH_CALLS.has(name)) {
        return `${receiver.text}.${name}()`;
      }
      const freshCall = FRESH_CALLS.has(name) && (e.arguments.length === 0 || FRESH_WITH_ARGUMENTS.has(name));
      if (freshCall && /^(uuid|crypto|nanoid|ulid|cuid)/i.test(receiver.getText())) return `${receiver.getText()}.${name}()`;
      return undefined;
    }
    if (ts.isIdentifier(callee)) {
      const plainFresh = FRESH_CALLS.has(callee.text) && callee.text !== 'now' && callee.text !== 'random';
      if (plainFresh && (e.arguments.length === 0 || FRESH_WITH_ARGUMENTS.has(callee.text))) return `${callee.text}()`;
      // String(x)
      if (callee.text === 'String' && e.arguments.length === 1) return freshSourceIn(e.arguments[0], depth + 1);
    }
  }
  return undefined;
}
