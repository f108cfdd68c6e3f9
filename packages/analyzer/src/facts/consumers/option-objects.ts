import { ts } from 'ts-morph';
import type { FileFacts } from '../file-facts';
import { unwrap } from '../origins';
import { constInitializer, propertyNameText } from '../syntax';

/**
 * Options objects built indirectly: `{ ...defaults, noAck: true }`, `Object.assign({}, base,
 * { noAck: true })`, or a `const consumeOptions = { … }` declared elsewhere in the file (and any
 * nesting of these). What decides an option is what JavaScript decides: the last write wins, so a
 * later property or spread overrides an earlier one.
 */

/** Where an option's value was found: the property that sets it and the value written. */
export interface OptionSetting {
  /** The property assignment (or shorthand) that sets the option: where a finding points. */
  property: ts.ObjectLiteralElementLike;
  value: ts.Expression;
  /** Whether the property sits in the object literal passed at the call itself (so an edit there is local). */
  inline: boolean;
}

/** How deep spreads, constants and `Object.assign` are followed. */
const MAX_DEPTH = 4;

/**
 * The setting of option `name` in the options expression `expr`, following spreads, file
 * constants and `Object.assign(...)`. Undefined when no visible part sets it; also undefined when
 * a part that could set it cannot be read and comes after the last visible setting (a spread of a
 * parameter may override it).
 */
export function optionSetting(expr: ts.Expression | undefined, name: string, facts: FileFacts): OptionSetting | undefined {
  const found = settingIn(expr, name, facts, 0, true);
  return found === 'unknown' ? undefined : found;
}

type Found = OptionSetting | 'unknown' | undefined;

function settingIn(expr: ts.Expression | undefined, name: string, facts: FileFacts, depth: number, inline: boolean): Found {
  if (!expr || depth > MAX_DEPTH) return expr ? 'unknown' : undefined;
  const e = unwrap(expr);
  if (ts.isObjectLiteralExpression(e)) return lastSetting(e.properties.map((p) => () => elementSetting(p, name, facts, depth, inline)));
  if (ts.isIdentifier(e)) {
    const init = constInitializer(e);
    return init ? settingIn(init, name, facts, depth + 1, false) : 'unknown';
  }
  if (ts.isCallExpression(e) && isObjectAssign(e)) return lastSetting(e.arguments.map((a) => () => settingIn(a, name, facts, depth + 1, false)));
  return 'unknown';
}

function elementSetting(p: ts.ObjectLiteralElementLike, name: string, facts: FileFacts, depth: number, inline: boolean): Found {
  if (ts.isSpreadAssignment(p)) return settingIn(p.expression, name, facts, depth + 1, false);
  if (ts.isPropertyAssignment(p) && propertyNameText(p.name) === name) return { property: p, value: p.initializer, inline };
  if (ts.isShorthandPropertyAssignment(p) && p.name.text === name) return { property: p, value: p.name, inline };
  return undefined;
}

/** The last part that sets the option; a part that cannot be read after it makes the answer unknown. */
function lastSetting(parts: ReadonlyArray<() => Found>): Found {
  let out: Found;
  for (const part of parts) {
    const found = part();
    if (found !== undefined) out = found;
  }
  return out;
}

function isObjectAssign(call: ts.CallExpression): boolean {
  const callee = unwrap(call.expression);
  return ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'Object' && callee.name.text === 'assign';
}
