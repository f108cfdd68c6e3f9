/**
 * The order of the analyzer's layers, top to bottom, and the check that imports only run down it
 * (or stay within a layer). Used by layers.test.ts on packages/analyzer/src.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ts } from 'ts-morph';

/**
 * Top to bottom. A module may import modules of its own layer and of the layers below it, never
 * above. Paths are relative to src/; a folder ends with '/'.
 */
export const LAYERS: ReadonlyArray<{ name: string; paths: readonly string[]; why: string }> = [
  { name: 'entry points', paths: ['index.ts', 'light.ts'], why: 'the public API: the full one and the one that loads without the compiler' },
  { name: 'scaffold', paths: ['scaffold/'], why: 'eos scaffold: templates → answers → plan → atomic write' },
  { name: 'audit', paths: ['audit/', 'rule-docs.ts'], why: 'running over files: discovery, reading, config, cache, shards, read-ahead, memory, the run, rule docs' },
  { name: 'rules', paths: ['rules/'], why: 'the rules and their registry' },
  { name: 'connect', paths: ['connect/'], why: 'Kafka Connect connector configs: reading them with positions, and the rules that check them' },
  { name: 'engine', paths: ['engine/'], why: "one file's analysis: rule API, analyzer, pre-filter, suppressions, positions, parse, type-aware, ordering" },
  { name: 'fix', paths: ['fix/'], why: 'fixes as text edits: building and applying them' },
  { name: 'facts', paths: ['facts/'], why: 'what the code does: syntax, origins, consumers, effects, and the project index with cross-file lookup (facts/project/)' },
  { name: 'write and text', paths: ['write/', 'text/'], why: 'writing files safely; text utilities (diffs)' },
  { name: 'shared', paths: ['types.ts', 'shipped.ts'], why: 'the public data types; where shipped files are' },
];

/**
 * Folders whose modules only their own layer may import directly; the layers above go through
 * the folder's public surface (library knowledge of side effects: `facts/effects/index.ts`; the
 * consumer recognizers: `facts/consumers.ts`).
 */
export const PRIVATE_FOLDERS: ReadonlyArray<{ folder: string; surface: string; layer: string }> = [
  { folder: 'facts/effects/', surface: 'facts/effects/index.ts', layer: 'facts' },
  { folder: 'facts/consumers/', surface: 'facts/consumers.ts', layer: 'facts' },
];

/** The layer index of a src-relative path, or undefined when no layer claims it. */
export function layerOf(file: string): number | undefined {
  const p = file.split(path.sep).join('/');
  const i = LAYERS.findIndex((l) => l.paths.some((q) => (q.endsWith('/') ? p.startsWith(q) : p === q)));
  return i === -1 ? undefined : i;
}

/** Every relative module specifier in a source text: imports, re-exports, `require()`, `import()`, `import('…')` types. */
export function relativeImportsOf(fileName: string, text: string): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const add = (node: ts.Node | undefined): void => {
    if (node && ts.isStringLiteralLike(node) && node.text.startsWith('.')) found.push(node.text);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression);
    else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) add(node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** One import that breaks the order (or a file no layer claims). */
export interface LayerViolation {
  file: string;
  specifier: string;
  message: string;
}

/**
 * Checks files (src-relative path → text) against LAYERS. Specifiers are resolved against the
 * importing file; `known` tells whether a resolved path names a file (to tell `x` from `x/index`).
 */
export function layerViolations(files: ReadonlyMap<string, string>): LayerViolation[] {
  const violations: LayerViolation[] = [];
  for (const [file, text] of files) {
    const from = layerOf(file);
    if (from === undefined) {
      violations.push({ file, specifier: '', message: `${file}: no layer claims this file; add it to LAYERS in test/layers.ts` });
      continue;
    }
    for (const specifier of relativeImportsOf(file, text)) {
      const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
      const target = files.has(`${base}.ts`) ? `${base}.ts` : files.has(`${base}/index.ts`) ? `${base}/index.ts` : `${base}.ts`;
      const to = layerOf(target);
      if (to === undefined) {
        violations.push({ file, specifier, message: `${file} imports '${specifier}' (${target}), which no layer claims` });
      } else if (PRIVATE_FOLDERS.some((f) => target.startsWith(f.folder) && target !== f.surface && LAYERS[from].name !== f.layer)) {
        const f = PRIVATE_FOLDERS.find((x) => target.startsWith(x.folder))!;
        violations.push({ file, specifier, message: `${file} imports '${specifier}' (${target}), inside ${f.folder}: go through its public surface, ${f.surface}` });
      } else if (to < from) {
        violations.push({
          file,
          specifier,
          message: `${file} (layer ${LAYERS[from].name}) imports '${specifier}' (${target}, layer ${LAYERS[to].name}), which is above it: imports run down the order only`,
        });
      }
    }
  }
  return violations;
}

/** Every .ts file under `root`, by root-relative path with '/' separators. */
export function sourcesUnder(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) files.set(path.relative(root, full).split(path.sep).join('/'), fs.readFileSync(full, 'utf8'));
    }
  };
  walk(root);
  return files;
}
