import { ts } from 'ts-morph';
import { bindingsOfImport, bindingsOfImportEquals, bindingsOfRequire, type ImportBinding } from './imports';
import { OriginResolver, targetKey, type Origin, type OriginFallback } from './origins';

/**
 * The enum object itself, read once: `observe` runs for every node, and each `ts.SyntaxKind`
 * goes through ts-morph's `ts` getter and the compiler namespace's accessors, which costs more
 * than the rest of the switch.
 */
const { SyntaxKind } = ts;

/**
 * The facts of each tree, so that tree-wide indexes built later from a node alone (the flow index
 * of facts/effects/flow) can reuse what the walk collected instead of walking the tree again.
 */
const factsByTree = new WeakMap<ts.SourceFile, FileFacts>();

/** The facts gathered by a finished walk of the tree, if any (see `FileFacts.walked`). */
export function walkedFactsOf(sourceFile: ts.SourceFile): FileFacts | undefined {
  const facts = factsByTree.get(sourceFile);
  return facts?.walked ? facts : undefined;
}

/**
 * Facts about one file, gathered during the engine's single walk (`observe`) and derived lazily
 * afterwards (`memo`), so a rule pays only for the facts it reads and no fact is computed twice.
 */
export class FileFacts {
  readonly imports: ImportBinding[] = [];
  readonly calls: ts.CallExpression[] = [];
  readonly news: ts.NewExpression[] = [];
  readonly functions: ts.FunctionLikeDeclaration[] = [];
  readonly decorators: ts.Decorator[] = [];
  readonly variables: ts.VariableDeclaration[] = [];
  /** Tagged templates (`sql\`…\``), which are calls too (see `CallLike`). */
  readonly taggedTemplates: ts.TaggedTemplateExpression[] = [];
  /**
   * Whether the walk has observed every node, so the lists above are complete. The end-of-file
   * token is the root's last child, the last node a walk in document order reaches; rule
   * visitors run while the walk is still going on.
   */
  get walked(): boolean {
    return this.reachedEnd;
  }
  private reachedEnd = false;
  readonly origins: OriginResolver;
  /** Functions reachable by a plain name in this file (declarations, `const f = () => …`, methods). */
  private readonly named = new Map<string, ts.FunctionLikeDeclaration>();
  private readonly memos = new Map<string, unknown>();

  /** @param originFallback answers origins syntax cannot tell (type-aware mode only) */
  constructor(readonly sourceFile: ts.SourceFile, originFallback?: OriginFallback) {
    this.origins = new OriginResolver(originFallback);
    factsByTree.set(sourceFile, this);
  }

  /** Called by the engine for every node, in document order. */
  observe(node: ts.Node): void {
    switch (node.kind) {
      case SyntaxKind.ImportDeclaration:
        this.addImports(bindingsOfImport(node as ts.ImportDeclaration));
        break;
      case SyntaxKind.ImportEqualsDeclaration:
        this.addImports(bindingsOfImportEquals(node as ts.ImportEqualsDeclaration));
        break;
      case SyntaxKind.VariableDeclaration: {
        const decl = node as ts.VariableDeclaration;
        this.variables.push(decl);
        this.addImports(bindingsOfRequire(decl));
        if (ts.isIdentifier(decl.name)) {
          if (decl.type) this.origins.addSource(decl.name.text, decl.type);
          if (decl.initializer) {
            this.origins.addSource(decl.name.text, decl.initializer);
            if (ts.isArrowFunction(decl.initializer) || ts.isFunctionExpression(decl.initializer)) {
              this.named.set(decl.name.text, decl.initializer);
            }
          }
        }
        break;
      }
      case SyntaxKind.Parameter: {
        const p = node as ts.ParameterDeclaration;
        if (ts.isIdentifier(p.name) && p.type) this.origins.addSource(p.name.text, p.type);
        // `constructor(private readonly channel: Channel)` is also a field.
        if (ts.isIdentifier(p.name) && p.type && p.modifiers?.length) this.origins.addSource(`this.${p.name.text}`, p.type);
        break;
      }
      case SyntaxKind.PropertyDeclaration: {
        const p = node as ts.PropertyDeclaration;
        const key = targetKey(p);
        if (key && p.type) this.origins.addSource(key, p.type);
        if (key && p.initializer) this.origins.addSource(key, p.initializer);
        if (ts.isIdentifier(p.name) && p.initializer && (ts.isArrowFunction(p.initializer) || ts.isFunctionExpression(p.initializer))) {
          this.named.set(p.name.text, p.initializer);
        }
        break;
      }
      case SyntaxKind.BinaryExpression: {
        const b = node as ts.BinaryExpression;
        if (b.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
          const key = targetKey(b.left);
          if (key) this.origins.addSource(key, b.right);
        }
        break;
      }
      case SyntaxKind.CallExpression:
        this.calls.push(node as ts.CallExpression);
        break;
      case SyntaxKind.NewExpression:
        this.news.push(node as ts.NewExpression);
        break;
      case SyntaxKind.Decorator:
        this.decorators.push(node as ts.Decorator);
        break;
      case SyntaxKind.TaggedTemplateExpression:
        this.taggedTemplates.push(node as ts.TaggedTemplateExpression);
        break;
      case SyntaxKind.EndOfFileToken:
        if (node.parent === this.sourceFile) {
          this.reachedEnd = true;
          this.origins.settle();
        }
        break;
      case SyntaxKind.FunctionDeclaration:
      case SyntaxKind.MethodDeclaration: {
        const f = node as ts.FunctionDeclaration | ts.MethodDeclaration;
        this.functions.push(f);
        if (f.name && ts.isIdentifier(f.name) && f.body) this.named.set(f.name.text, f);
        break;
      }
      case SyntaxKind.ArrowFunction:
      case SyntaxKind.FunctionExpression:
      case SyntaxKind.Constructor:
      case SyntaxKind.GetAccessor:
      case SyntaxKind.SetAccessor:
        this.functions.push(node as ts.FunctionLikeDeclaration);
        break;
      default:
        break;
    }
  }

  private addImports(bindings: ImportBinding[]): void {
    for (const b of bindings) {
      this.imports.push(b);
      this.origins.addImport(b);
    }
  }

  /** Whether the file imports a module for which `test` holds. */
  importsModule(test: (module: string) => boolean): boolean {
    return this.imports.some((b) => test(b.module));
  }

  /** Origin of an expression (see `Origin`). */
  originOf(expr: ts.Expression): Origin | undefined {
    return this.origins.originOf(expr);
  }

  /** A function of this file known by a plain name (`handle`, `this.handle`'s method `handle`). */
  functionNamed(name: string): ts.FunctionLikeDeclaration | undefined {
    return this.named.get(name);
  }

  /**
   * Computes a derived fact once per file. Fact modules use it as
   * `facts.memo('consumers', () => findConsumers(facts))`, which keeps each fact in its own module.
   */
  memo<T>(key: string, compute: () => T): T {
    const known = this.memos.get(key);
    if (known !== undefined || this.memos.has(key)) return known as T;
    const value = compute();
    this.memos.set(key, value);
    return value;
  }
}
