import { ts } from 'ts-morph';
import type { ProjectIndex } from './project/project-index';
import type { FileFacts } from './file-facts';
import { unwrap } from './origins';
import { calleeName, propertyNameText, propertyValue } from './syntax';
import { walkTree } from './tree-walk';

/**
 * Constant folding of numbers and durations written in code or config objects:
 * `60 * 1000`, `const TTL = 24 * HOUR`, `config.dedup.ttlSeconds` (a literal object in the same
 * file or in a relatively imported module), `'30'` (SQS attributes are strings), `nanos(30_000)`
 * (nats.js), `ms('2h')`. Anything not knowable syntactically (env variables, parameters, calls)
 * folds to undefined: a rule that compares durations must stay quiet then.
 */

/** A folded number and the node it was read from (the literal or the constant's initializer). */
export interface Folded {
  value: number;
  /** The expression the number was finally read from, for messages ("at line N"). */
  source: ts.Node;
}

const MAX_DEPTH = 8;

/** Units of `ms('…')` strings, in milliseconds. */
const MS_UNITS: Readonly<Record<string, number>> = {
  ms: 1, s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000, w: 604_800_000, week: 604_800_000, weeks: 604_800_000,
};

/** Parses `ms`-style duration strings ('90s', '2 hours', '1d') to milliseconds. */
export function parseMsString(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? 'ms').toLowerCase();
  const factor = MS_UNITS[unit];
  return factor === undefined ? undefined : Number(m[1]) * factor;
}

/** `const`/`let` initializers by name in a file (last one wins; shadowing is ignored like elsewhere). */
function constantsOf(facts: FileFacts): Map<string, ts.Expression> {
  return facts.memo('durations:constants', () => {
    const out = new Map<string, ts.Expression>();
    const walk = (n: ts.Node): boolean | void => {
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer &&
        ts.isVariableDeclarationList(n.parent) && (n.parent.flags & ts.NodeFlags.Const) !== 0) {
        // Only `const`: a `let` or `var` may be reassigned before it is read.
        out.set(n.name.text, n.initializer);
      } else if (ts.isPropertyDeclaration(n) && n.initializer && n.name && propertyNameText(n.name) &&
        n.modifiers?.some((m) => m.kind === ts.SyntaxKind.ReadonlyKeyword)) {
        // class fields: `private readonly TTL = 3600` read as `this.TTL`
        out.set(`this.${propertyNameText(n.name)}`, n.initializer);
      } else if (ts.isEnumDeclaration(n)) {
        for (const m of n.members) {
          const name = propertyNameText(m.name);
          if (name && m.initializer) out.set(`${n.name.text}.${name}`, m.initializer);
        }
      }
    };
    walkTree(facts.sourceFile, walk);
    return out;
  });
}

/** Folds numeric expressions; see the module comment for what is understood. */
export class DurationFolder {
  constructor(private readonly facts: FileFacts, private readonly project?: ProjectIndex) {}

  /** The numeric value of `expr`, or undefined when it is not a compile-time constant. */
  number(expr: ts.Expression | undefined, depth = 0): Folded | undefined {
    if (!expr || depth > MAX_DEPTH) return undefined;
    const e = unwrap(expr);
    if (ts.isNumericLiteral(e)) return { value: Number(e.text.replace(/_/g, '')), source: e };
    if (ts.isStringLiteralLike(e)) {
      const n = Number(e.text);
      return e.text.trim() !== '' && Number.isFinite(n) ? { value: n, source: e } : undefined;
    }
    if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken) {
      const v = this.number(e.operand, depth + 1);
      return v && { value: -v.value, source: v.source };
    }
    if (ts.isBinaryExpression(e)) return this.binary(e, depth);
    if (ts.isIdentifier(e)) return this.named(e.text, depth);
    if (ts.isPropertyAccessExpression(e)) return this.property(e, depth);
    if (ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression)) {
      const obj = this.object(e.expression, depth + 1);
      return obj && this.number(propertyValue(obj, e.argumentExpression.text), depth + 1);
    }
    if (ts.isCallExpression(e)) return this.call(e, depth);
    return undefined;
  }

  /** The object literal an expression denotes (`CONFIG`, `config.dedup`), for reading config values. */
  object(expr: ts.Expression, depth = 0): ts.ObjectLiteralExpression | undefined {
    if (depth > MAX_DEPTH) return undefined;
    const e = unwrap(expr);
    if (ts.isObjectLiteralExpression(e)) return e;
    if (ts.isIdentifier(e)) {
      const init = constantsOf(this.facts).get(e.text);
      if (init) return this.object(init, depth + 1);
      const imported = this.importedConstant(e.text);
      return imported && imported.folder.object(imported.expr, depth + 1);
    }
    if (ts.isPropertyAccessExpression(e)) {
      if (e.expression.kind === ts.SyntaxKind.ThisKeyword) {
        const init = constantsOf(this.facts).get(`this.${e.name.text}`);
        return init && this.object(init, depth + 1);
      }
      const base = this.object(e.expression, depth + 1);
      const v = base && propertyValue(base, e.name.text);
      return v && this.object(v, depth + 1);
    }
    return undefined;
  }

  private binary(e: ts.BinaryExpression, depth: number): Folded | undefined {
    const op = e.operatorToken.kind;
    // `x ?? 60` / `x || 60`: the fallback is only a default; the real value is unknown.
    if (op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken) return undefined;
    const a = this.number(e.left, depth + 1);
    const b = a && this.number(e.right, depth + 1);
    if (!a || !b) return undefined;
    const value = op === ts.SyntaxKind.AsteriskToken ? a.value * b.value
      : op === ts.SyntaxKind.PlusToken ? a.value + b.value
      : op === ts.SyntaxKind.MinusToken ? a.value - b.value
      : op === ts.SyntaxKind.SlashToken ? a.value / b.value
      : op === ts.SyntaxKind.AsteriskAsteriskToken ? a.value ** b.value
      : undefined;
    return value === undefined || !Number.isFinite(value) ? undefined : { value, source: e };
  }

  private named(name: string, depth: number): Folded | undefined {
    const init = constantsOf(this.facts).get(name);
    if (init) {
      const v = this.number(init, depth + 1);
      return v && { value: v.value, source: init };
    }
    const imported = this.importedConstant(name);
    return imported && imported.folder.number(imported.expr, depth + 1);
  }

  private property(e: ts.PropertyAccessExpression, depth: number): Folded | undefined {
    if (e.expression.kind === ts.SyntaxKind.ThisKeyword) return this.named(`this.${e.name.text}`, depth);
    const base = unwrap(e.expression);
    if (ts.isIdentifier(base)) {
      const enumMember = constantsOf(this.facts).get(`${base.text}.${e.name.text}`);
      if (enumMember) return this.number(enumMember, depth + 1);
    }
    const obj = this.object(e.expression, depth + 1);
    const v = obj && propertyValue(obj, e.name.text);
    return v ? this.number(v, depth + 1) : undefined;
  }

  private call(e: ts.CallExpression, depth: number): Folded | undefined {
    const name = calleeName(e);
    const arg = e.arguments[0];
    if (!arg) return undefined;
    if (name === 'Number' || name === 'parseInt' || name === 'parseFloat' || name === 'String') return this.number(arg, depth + 1);
    // nats.js `nanos(ms)` converts milliseconds to the nanoseconds the JetStream API takes.
    if (name === 'nanos') {
      const v = this.number(arg, depth + 1);
      return v && { value: v.value * 1e6, source: e };
    }
    // `ms('2h')` (the `ms` package) and look-alikes.
    if (name === 'ms' && ts.isStringLiteralLike(unwrap(arg))) {
      const v = parseMsString((unwrap(arg) as ts.StringLiteral).text);
      return v === undefined ? undefined : { value: v, source: e };
    }
    return undefined;
  }

  /** A `const` exported by a relatively imported module, with a folder for that module. */
  private importedConstant(local: string): { expr: ts.Expression; folder: DurationFolder } | undefined {
    if (!this.project) return undefined;
    const binding = this.facts.origins.importOf(local);
    if (!binding || binding.imported === '*' || binding.imported === 'default') return undefined;
    const target = this.project.resolveModule(this.facts.sourceFile.fileName, binding.module);
    const other = target ? this.project.factsOf(target) : undefined;
    if (!other) return undefined;
    const expr = constantsOf(other).get(binding.imported);
    return expr && { expr, folder: new DurationFolder(other, this.project) };
  }
}

/** Human form of a duration in milliseconds: "90 s", "2 h", "1.5 d". */
export function formatMs(ms: number): string {
  const units: Array<[number, string]> = [[86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'min'], [1000, 's']];
  for (const [size, unit] of units) {
    if (ms >= size) {
      const v = ms / size;
      return `${Number.isInteger(v) ? v : Number(v.toFixed(1))} ${unit}`;
    }
  }
  return `${ms} ms`;
}
