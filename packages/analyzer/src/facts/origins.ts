import { ts } from 'ts-morph';
import type { ImportBinding } from './imports';

/**
 * Where a value comes from, syntactically: the module it was imported from and the chain of
 * property reads, calls (`name()`) and constructions (`new`) applied since.
 * `const ch = await (await amqp.connect(url)).createChannel()` → { module: 'amqplib',
 * chain: ['connect()', 'createChannel()'] }.
 */
export interface Origin {
  module: string;
  chain: string[];
}

/**
 * Kinds `unwrap` looks through. Compared by `node.kind`: unwrap runs for nearly every expression
 * the facts layer reads, and each `ts.isX` goes through ts-morph's `ts` getter and an accessor
 * of the compiler namespace.
 */
const TRANSPARENT_KINDS = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.AwaitExpression, ts.SyntaxKind.ParenthesizedExpression, ts.SyntaxKind.AsExpression,
  ts.SyntaxKind.NonNullExpression, ts.SyntaxKind.SatisfiesExpression, ts.SyntaxKind.TypeAssertionExpression,
]);

type Transparent = ts.AwaitExpression | ts.ParenthesizedExpression | ts.AsExpression | ts.NonNullExpression | ts.SatisfiesExpression | ts.TypeAssertion;

/** Unwraps `await`, parentheses, `as`, `!` and `satisfies`, which do not change a value's origin. */
export function unwrap(expr: ts.Expression): ts.Expression {
  let e = expr;
  while (TRANSPARENT_KINDS.has(e.kind)) e = (e as Transparent).expression;
  return e;
}

/** The name under which an assignment target is recorded: `x`, or `this.x` for class fields. */
export function targetKey(target: ts.Node): string | undefined {
  if (ts.isIdentifier(target)) return target.text;
  if (ts.isPropertyAccessExpression(target) && target.expression.kind === ts.SyntaxKind.ThisKeyword) {
    return `this.${target.name.text}`;
  }
  if (ts.isPropertyDeclaration(target) && ts.isIdentifier(target.name)) return `this.${target.name.text}`;
  return undefined;
}

/** Keys an answer was read from, each with its version then (see `OriginResolver.versions`). */
type Dependencies = Map<string, number>;

/**
 * Asked when syntax cannot tell where a value comes from; under `--types` it answers from the
 * type checker (the package the value's type is declared in, see engine/type-aware).
 */
export type OriginFallback = (expr: ts.Expression) => Origin | undefined;

/**
 * Resolves origins of expressions within one file. Variables are tracked by name, file-wide,
 * ignoring shadowing: good enough for the syntactic mode, and `--types` does better.
 */
export class OriginResolver {
  constructor(private readonly fallback?: OriginFallback) {}

  /** Initialisers and type annotations recorded per variable/field/parameter name. */
  private readonly sources = new Map<string, Array<ts.Expression | ts.TypeNode>>();
  private readonly imports = new Map<string, ImportBinding>();
  /** Answers per expression that hold for good: every found origin, and "none" once settled. */
  private readonly cache = new Map<ts.Node, Origin | undefined>();
  /**
   * "No origin" for an expression, given before the walk was over, with the keys it was read
   * from (see `Dependencies`): it holds while none of them has gained a source or an import.
   */
  private readonly provisional = new Map<ts.Node, Dependencies>();
  /**
   * `originOfKey` per key: the answer, and how many of the key's sources it has read. Names repeat
   * across a file (`row`, `invoice`, `channel` in every function), so a key collects many sources,
   * and every use of the name used to go through all of them. A source already read keeps its
   * answer while what it was read from is unchanged, so a found origin stays the answer when
   * sources are added, and a missing one needs only the new sources read. Rules ask during the
   * walk, while sources are still being added: a missing answer then carries its dependencies.
   */
  private readonly keyCache = new Map<string, { origin: Origin | undefined; read: number; deps?: Dependencies }>();
  private readonly resolving = new Set<string>();
  /**
   * Whether every source has been added (the engine's walk is over). Until then an expression
   * with no origin may gain one from a source further down the file (`this.channel` assigned in
   * a later method), so "no origin" is kept only while the keys it was read from are unchanged:
   * a rule asking during the walk must not change what another rule is told afterwards, or
   * findings would depend on which rules ran (and the pre-filter chooses that). A found origin is
   * kept: sources are read in document order, and a later one never comes first.
   */
  private settled = false;
  /** Per key, how often it has gained a source or an import binding. */
  private readonly versions = new Map<string, number>();
  /** The keys each computation in progress has read, innermost last (only before settling). */
  private readonly frames: Dependencies[] = [];

  /** The walk is over: every source is known, and every answer can be kept. */
  settle(): void {
    this.settled = true;
  }

  addImport(binding: ImportBinding): void {
    this.imports.set(binding.local, binding);
    this.bump(binding.local);
    this.keyCache.clear();
  }

  importOf(local: string): ImportBinding | undefined {
    return this.imports.get(local);
  }

  /** Records `key = source` (an initialiser, an assignment, or a declared type). */
  addSource(key: string, source: ts.Expression | ts.TypeNode): void {
    const list = this.sources.get(key);
    if (list) list.push(source);
    else this.sources.set(key, [source]);
    this.bump(key);
  }

  /** Origin of a variable/field by key, from the first of its sources that has one. */
  originOfKey(key: string): Origin | undefined {
    this.consult(key);
    const sources = this.sources.get(key) ?? [];
    const known = this.keyCache.get(key);
    if (known?.origin) return known.origin;
    // Sources already read gave nothing, and still do while what they read is unchanged.
    const stillNone = known !== undefined && this.holds(known.deps);
    if (stillNone && known.read === sources.length) {
      this.inherit(known.deps);
      return undefined;
    }
    const binding = this.imports.get(key);
    if (binding) return { module: binding.module, chain: binding.imported === '*' ? [] : [binding.imported] };
    if (this.resolving.has(key)) return undefined;
    this.resolving.add(key);
    this.openFrame();
    let found: Origin | undefined;
    let read = stillNone ? known.read : 0;
    let deps: Dependencies | undefined;
    try {
      if (stillNone) this.inherit(known.deps);
      for (; read < sources.length && !found; read++) {
        const source = sources[read];
        found = ts.isTypeNode(source) ? this.originOfType(source) : this.originOf(source);
      }
    } finally {
      this.resolving.delete(key);
      deps = this.closeFrame();
    }
    this.keyCache.set(key, { origin: found, read, deps: found ? undefined : deps });
    return found;
  }

  /** Origin of a type annotation such as `Channel`, `amqp.Channel` or `Promise<Consumer>`. */
  originOfType(type: ts.TypeNode): Origin | undefined {
    if (ts.isTypeReferenceNode(type)) {
      const name = type.typeName;
      if (ts.isIdentifier(name)) {
        if (name.text === 'Promise' && type.typeArguments?.length === 1) return this.originOfType(type.typeArguments[0]);
        this.consult(name.text);
        const b = this.imports.get(name.text);
        return b ? { module: b.module, chain: b.imported === '*' || b.imported === 'default' ? [] : [`:${b.imported}`] } : undefined;
      }
      const left = name.left;
      if (ts.isIdentifier(left)) {
        this.consult(left.text);
        const b = this.imports.get(left.text);
        return b ? { module: b.module, chain: [`:${name.right.text}`] } : undefined;
      }
    }
    if (ts.isUnionTypeNode(type)) {
      for (const t of type.types) {
        const o = this.originOfType(t);
        if (o) return o;
      }
    }
    return undefined;
  }

  /** Origin of an expression, or undefined when it does not come from an imported module. */
  originOf(expr: ts.Expression): Origin | undefined {
    const known = this.cache.get(expr);
    if (known !== undefined || this.cache.has(expr)) return known;
    const none = this.provisional.get(expr);
    if (none && this.holds(none)) {
      this.inherit(none);
      return undefined;
    }
    this.cache.set(expr, undefined); // cycle guard
    this.openFrame();
    const inner = unwrap(expr);
    let origin: Origin | undefined;
    let deps: Dependencies | undefined;
    try {
      origin = this.compute(inner);
      // A value from the project's own modules (`./channel`) says nothing about the broker; the checker may.
      if (this.fallback && (!origin || origin.module.startsWith('.')) && askable(inner)) origin = this.fallback(inner) ?? origin;
    } finally {
      this.cache.delete(expr);
      deps = this.closeFrame();
    }
    if (origin || !deps) this.cache.set(expr, origin);
    else this.provisional.set(expr, deps);
    return origin;
  }

  private bump(key: string): void {
    this.versions.set(key, (this.versions.get(key) ?? 0) + 1);
  }

  /** Notes that the computation in progress read `key`, as it is now. */
  private consult(key: string): void {
    const frame = this.frames[this.frames.length - 1];
    if (frame && !frame.has(key)) frame.set(key, this.versions.get(key) ?? 0);
  }

  /** Whether an answer read from `deps` still holds (one without dependencies always does). */
  private holds(deps: Dependencies | undefined): boolean {
    if (!deps) return true;
    for (const [key, version] of deps) if ((this.versions.get(key) ?? 0) !== version) return false;
    return true;
  }

  /** The computation in progress depends on what an answer it reuses was read from. */
  private inherit(deps: Dependencies | undefined): void {
    if (deps) for (const key of deps.keys()) this.consult(key);
  }

  /** Starts collecting what a computation reads; nothing to collect once settled. */
  private openFrame(): void {
    if (!this.settled) this.frames.push(new Map());
  }

  /** Ends a computation: what it read (undefined once settled), also counted for the one around it. */
  private closeFrame(): Dependencies | undefined {
    if (this.settled) return undefined;
    const frame = this.frames.pop()!;
    const outer = this.frames[this.frames.length - 1];
    if (outer) for (const [key, version] of frame) if (!outer.has(key)) outer.set(key, version);
    return frame;
  }

  private compute(e: ts.Expression): Origin | undefined {
    if (ts.isIdentifier(e)) return this.originOfKey(e.text);
    if (ts.isPropertyAccessExpression(e)) {
      const key = targetKey(e);
      if (key) {
        const own = this.originOfKey(key);
        if (own) return own;
      }
      const base = this.originOf(e.expression);
      return base && { module: base.module, chain: [...base.chain, e.name.text] };
    }
    if (ts.isCallExpression(e)) {
      const callee = unwrap(e.expression);
      if (ts.isPropertyAccessExpression(callee)) {
        const base = this.originOf(callee.expression);
        return base && { module: base.module, chain: [...base.chain, `${callee.name.text}()`] };
      }
      const base = this.originOf(callee);
      if (!base) return undefined;
      const last = base.chain[base.chain.length - 1];
      return { module: base.module, chain: [...base.chain.slice(0, -1), `${last ?? ''}()`] };
    }
    if (ts.isNewExpression(e)) {
      const base = this.originOf(e.expression);
      return base && { module: base.module, chain: [...base.chain, 'new'] };
    }
    return undefined;
  }
}

/** Expressions that denote a value worth a type query (not literals, functions or operators). */
function askable(e: ts.Expression): boolean {
  return ts.isIdentifier(e) || ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) ||
    ts.isCallExpression(e) || ts.isNewExpression(e) || e.kind === ts.SyntaxKind.ThisKeyword;
}
