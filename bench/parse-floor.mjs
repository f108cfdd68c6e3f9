#!/usr/bin/env node
/**
 * The floor of the benchmark: read every TypeScript/JavaScript file below a folder and parse it
 * with the TypeScript compiler (no program, no checker), as fast as the compiler allows.
 * `--walk` also visits every node once, the cost of a raw AST walk.
 *
 * Usage: node bench/parse-floor.mjs <dir> [--walk]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ts = require('typescript');
const dir = process.argv[2];
const walk = process.argv.includes('--walk');
const SKIP = new Set(['node_modules', 'dist', 'build', '.git']);
const SOURCE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;

function* files(d) {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (!SKIP.has(e.name)) yield* files(path.join(d, e.name));
    } else if (e.isFile() && SOURCE.test(e.name) && !e.name.endsWith('.d.ts')) {
      yield path.join(d, e.name);
    }
  }
}

const started = performance.now();
let count = 0;
let nodes = 0;
const visit = (n) => {
  nodes++;
  ts.forEachChild(n, visit);
};
for (const file of files(dir)) {
  const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  if (walk) visit(sf);
  count++;
}
console.log(JSON.stringify({ files: count, nodes, ms: Math.round(performance.now() - started) }));
