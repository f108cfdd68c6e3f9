import * as fs from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars';
import { ts } from 'ts-morph';
import { ScaffoldError } from './errors';
import { camelCase, constantCase, isSqlDialect, jsStringLiteral, pascalCase, quoteSqlIdentifier } from './identifiers';
import type { Answers, TemplateSpec } from './template';

/**
 * What next-step texts may name: the files this template's part of the plan writes, by their
 * template target (`outbox.test.ts`), and how the project runs and imports them.
 */
export interface NextStepContext {
  /** Rendered template target (before the .ts → .js rename) → project-relative path written. */
  readonly files: ReadonlyMap<string, string>;
  readonly language: 'ts' | 'js';
  readonly module: 'esm' | 'cjs';
  /** The folder a user's own module that imports the files sits in: --out's parent (project-relative, '.' = root). */
  readonly importFrom: string;
}

/** A Handlebars environment with the helpers of templates/README.md, isolated from the global one. */
function createEnvironment(): typeof Handlebars {
  const hb = Handlebars.create();
  // Every helper receives Handlebars' options object last; strip it.
  const args = (list: unknown[]): unknown[] => list.slice(0, -1);
  const stepContext = (list: unknown[], helper: string): NextStepContext => {
    const context = (list[list.length - 1] as { data?: { eos?: NextStepContext } }).data?.eos;
    if (!context) throw new Error(`the ${helper} helper is only available in nextSteps`);
    return context;
  };
  /** The path written for a target, or an error naming it: a next step never names a file the plan lacks. */
  const written = (context: NextStepContext, target: unknown): string => {
    const found = context.files.get(String(target));
    if (found === undefined) throw new Error(`next step names '${String(target)}', which this plan does not write`);
    return found;
  };
  hb.registerHelper('file', (...list: unknown[]) => written(stepContext(list, 'file'), list[0]));
  hb.registerHelper('runTest', (...list: unknown[]) => {
    const context = stepContext(list, 'runTest');
    const file = written(context, list[0]);
    // Node 20 runs no TypeScript by itself; tsx runs the .ts test directly, in either module system.
    return context.language === 'ts' ? `npx tsx --test ${file}` : `node --test ${file}`;
  });
  hb.registerHelper('import', (...list: unknown[]) => {
    const context = stepContext(list, 'import');
    const [target, ...names] = args(list).map(String);
    const file = written(context, target);
    let specifier = path.posix.relative(context.importFrom, file).replace(/\.ts$/, '.js');
    if (!specifier.startsWith('.')) specifier = `./${specifier}`;
    const bound = `{ ${names.join(', ')} }`;
    return context.language === 'js' && context.module === 'cjs' ? `const ${bound} = require('${specifier}')` : `import ${bound} from '${specifier}'`;
  });
  hb.registerHelper('importFrom', (...list: unknown[]) => {
    const from = stepContext(list, 'importFrom').importFrom;
    return from === '.' ? 'the project root' : `${from}/`;
  });
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('ne', (a: unknown, b: unknown) => a !== b);
  hb.registerHelper('or', (...list: unknown[]) => args(list).some(Boolean));
  hb.registerHelper('and', (...list: unknown[]) => args(list).every(Boolean));
  hb.registerHelper('not', (a: unknown) => !a);
  hb.registerHelper('concat', (...list: unknown[]) => args(list).map(String).join(''));
  // The items of a list answer (`"list": true` variables are stored comma-separated).
  hb.registerHelper('split', (s: unknown) => String(s).split(',').filter((item) => item !== ''));
  hb.registerHelper('pascal', (s: unknown) => pascalCase(String(s)));
  hb.registerHelper('camel', (s: unknown) => camelCase(String(s)));
  hb.registerHelper('constant', (s: unknown) => constantCase(String(s)));
  hb.registerHelper('jsString', (s: unknown) => jsStringLiteral(String(s)));
  hb.registerHelper('sqlIdent', function (this: Record<string, unknown>, ...list: unknown[]) {
    const [name, forced] = args(list);
    const dialect = forced ?? this.store;
    if (!isSqlDialect(dialect)) throw new Error(`sqlIdent needs a SQL dialect (store is '${String(dialect)}'); pass one explicitly`);
    return quoteSqlIdentifier(String(name), dialect);
  });
  return hb;
}

const environment = createEnvironment();

/**
 * Renders one Handlebars text with the answers (strict: a missing variable is an error; no HTML
 * escaping). Next steps pass `steps`, which the file / runTest / import helpers read.
 */
export function renderText(text: string, answers: Answers, where: string, steps?: NextStepContext): string {
  try {
    return environment.compile(text, { strict: true, noEscape: true })(answers, steps ? { data: { eos: steps } } : undefined);
  } catch (err) {
    throw new ScaffoldError(`${where}: ${(err as Error).message}`, 'template');
  }
}

/** Renders a template source file. */
export function renderSource(template: TemplateSpec, source: string, answers: Answers): string {
  const file = path.resolve(template.dir, source);
  return renderText(fs.readFileSync(file, 'utf8'), answers, path.relative(template.root, file));
}

/**
 * Turns rendered TypeScript into JavaScript for `language=js`: types stripped by the TypeScript
 * compiler, comments kept, ESM or CommonJS per the module answer. Blank lines between statements
 * are kept by marking them before the emit (the emitter drops them otherwise).
 */
export function toJavaScript(source: string, moduleKind: 'esm' | 'cjs', fileName: string): string {
  const BLANK = '/*__eos_blank__*/';
  const marked = source.replace(/\n[ \t]*\n/g, `\n${BLANK}\n`);
  const out = ts.transpileModule(marked, {
    fileName,
    reportDiagnostics: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: moduleKind === 'esm' ? ts.ModuleKind.ESNext : ts.ModuleKind.CommonJS,
      esModuleInterop: true,
      removeComments: false,
      newLine: ts.NewLineKind.LineFeed,
    },
  });
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    throw new ScaffoldError(`${fileName}: cannot transpile to JavaScript: ${ts.flattenDiagnosticMessageText(errors[0].messageText, '\n')}`, 'template');
  }
  return out.outputText
    .split('\n')
    .map((line) => (line.trim() === BLANK ? '' : line.replace(BLANK, '')))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+/, '');
}
