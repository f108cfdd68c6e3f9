import * as fs from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars';
import { ts } from 'ts-morph';
import { ScaffoldError } from './errors';
import { camelCase, constantCase, isSqlDialect, jsStringLiteral, pascalCase, quoteSqlIdentifier } from './identifiers';
import type { Answers, TemplateSpec } from './template';

/** A Handlebars environment with the helpers of templates/README.md, isolated from the global one. */
function createEnvironment(): typeof Handlebars {
  const hb = Handlebars.create();
  // Every helper receives Handlebars' options object last; strip it.
  const args = (list: unknown[]): unknown[] => list.slice(0, -1);
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

/** Renders one Handlebars text with the answers (strict: a missing variable is an error; no HTML escaping). */
export function renderText(text: string, answers: Answers, where: string): string {
  try {
    return environment.compile(text, { strict: true, noEscape: true })(answers);
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
