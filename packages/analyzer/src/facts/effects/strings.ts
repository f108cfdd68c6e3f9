import { ts } from 'ts-morph';
import { unwrap } from '../origins';
import { constInitializer, propertyValue } from '../syntax';

/** Placeholder for an interpolated value inside a template string. */
const HOLE = '?';

/**
 * The static text of an expression when it is (or is built from) string literals: plain and
 * template literals (each `${…}` becomes `?`), `sql\`…\``-style tagged templates, `+`
 * concatenation, and `const` variables of the same file initialised with one of those.
 * Undefined when the text is not visible syntactically.
 */
export function staticText(expr: ts.Expression | undefined, depth = 0): string | undefined {
  if (!expr || depth > 4) return undefined;
  const e = unwrap(expr);
  if (ts.isStringLiteralLike(e)) return e.text;
  if (ts.isTemplateExpression(e)) return e.head.text + e.templateSpans.map((s) => HOLE + s.literal.text).join('');
  if (ts.isTaggedTemplateExpression(e)) return templateText(e.template);
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const left = staticText(e.left, depth + 1);
    const right = staticText(e.right, depth + 1);
    if (left === undefined && right === undefined) return undefined;
    return (left ?? HOLE) + (right ?? HOLE);
  }
  if (ts.isIdentifier(e)) return staticText(constInitializer(e), depth + 1);
  // SQL.INSERT_ORDER where `const SQL = { INSERT_ORDER: '…' }` in the same file.
  if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)) {
    const obj = constInitializer(e.expression);
    if (obj && ts.isObjectLiteralExpression(unwrap(obj))) return staticText(propertyValue(unwrap(obj) as ts.ObjectLiteralExpression, e.name.text), depth + 1);
  }
  return undefined;
}

function templateText(t: ts.TemplateLiteral): string {
  return ts.isNoSubstitutionTemplateLiteral(t) ? t.text : t.head.text + t.templateSpans.map((s) => HOLE + s.literal.text).join('');
}

