/**
 * Imports in packages/analyzer/src run one way, down the order of layers in layers.ts
 * (entry points → scaffold → audit → rules → engine → fix → facts → write/text → shared types).
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { layerViolations, relativeImportsOf, sourcesUnder } from './layers';

const SRC = path.resolve(__dirname, '../src');

describe('layers of packages/analyzer/src', () => {
  it('no import runs up the order of layers, and every file belongs to a layer', () => {
    const files = sourcesUnder(SRC);
    expect(files.size).toBeGreaterThan(50);
    expect(layerViolations(files).map((v) => v.message)).toEqual([]);
  });

  it('names the file and the import of a planted upward import', () => {
    const files = sourcesUnder(SRC);
    files.set('facts/planted.ts', "import { auditPaths } from '../audit/run';\nexport const x = auditPaths;\n");
    files.set('engine/planted.ts', "export type R = typeof import('../rules').allRules;\nconst r = require('../rules/index');\n");
    const messages = layerViolations(files).map((v) => v.message);
    expect(messages).toEqual([
      "facts/planted.ts (layer facts) imports '../audit/run' (audit/run.ts, layer audit), which is above it: imports run down the order only",
      "engine/planted.ts (layer engine) imports '../rules' (rules/index.ts, layer rules), which is above it: imports run down the order only",
      "engine/planted.ts (layer engine) imports '../rules/index' (rules/index.ts, layer rules), which is above it: imports run down the order only",
    ]);
  });

  it('names a rule that reaches past the public surface of the effects or consumer facts', () => {
    const files = sourcesUnder(SRC);
    files.set('rules/planted.ts', "import { familyOf } from '../facts/effects/shape';\nimport { kafka } from '../facts/consumers/kafka';\nimport { sideEffectsIn } from '../facts/effects';\n");
    expect(layerViolations(files).map((v) => v.message)).toEqual([
      "rules/planted.ts imports '../facts/effects/shape' (facts/effects/shape.ts), inside facts/effects/: go through its public surface, facts/effects/index.ts",
      "rules/planted.ts imports '../facts/consumers/kafka' (facts/consumers/kafka.ts), inside facts/consumers/: go through its public surface, facts/consumers.ts",
    ]);
  });

  it('flags a file no layer claims', () => {
    const files = new Map([['stray.ts', "import { x } from './types';\n"], ['types.ts', 'export const x = 1;\n']]);
    expect(layerViolations(files).map((v) => v.message)).toEqual(["stray.ts: no layer claims this file; add it to LAYERS in test/layers.ts"]);
  });

  it('reads every kind of module reference', () => {
    const text = [
      "import a from './a';",
      "import type { B } from '../b';",
      "export { c } from './c';",
      "export * from './d';",
      "import e = require('./e');",
      "const f = require('./f');",
      "const g = import('./g');",
      "type H = typeof import('./h');",
      "import z from 'ts-morph';",
    ].join('\n');
    expect(relativeImportsOf('x.ts', text)).toEqual(['./a', '../b', './c', './d', './e', './f', './g', './h']);
  });
});
