/**
 * Test code gets no diagnostics in the editor, as `eos audit` leaves it out of a walk: a folder's
 * context counts a test file as ignored unless the workspace's eos.config.json sets
 * `"includeTests": true`. Real folders on disk, since the configuration is read from there.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createFolderContext, DEFAULT_SETTINGS } from '../../server/folder-context';
import { IncrementalParser } from '../../server/incremental-parser';

function contextOf(files: Record<string, string>) {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-test-code-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(folder, rel)), { recursive: true });
    fs.writeFileSync(path.join(folder, rel), text);
  }
  const parser = new IncrementalParser(() => true);
  const ctx = createFolderContext({
    folder,
    settings: DEFAULT_SETTINGS,
    trusted: true,
    host: { readFile: (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : undefined) },
    parse: (f, t) => parser.parse(f, t),
  });
  return { ctx, at: (rel: string) => path.join(folder, rel), done: () => fs.rmSync(folder, { recursive: true, force: true }) };
}

describe('test code in the language server', () => {
  it('counts test files and files in test folders as ignored by default, and service files not', () => {
    const { ctx, at, done } = contextOf({ 'package.json': '{}' });
    try {
      assert.equal(ctx.isIgnored(at('src/orders.test.ts')), true);
      assert.equal(ctx.isIgnored(at('test/helpers/fake-consumer.ts')), true);
      assert.equal(ctx.isIgnored(at('src/__tests__/consumer.ts')), true);
      assert.equal(ctx.isIgnored(at('src/orders.ts')), false);
      assert.equal(ctx.isIgnored(at('src/testing/module.ts')), false);
    } finally {
      done();
    }
  });

  it('analyses test code when eos.config.json sets "includeTests": true', () => {
    const { ctx, at, done } = contextOf({ 'eos.config.json': '{ "includeTests": true }\n' });
    try {
      assert.equal(ctx.configProblem, undefined);
      assert.equal(ctx.isIgnored(at('src/orders.test.ts')), false);
      assert.equal(ctx.isIgnored(at('test/helpers/fake-consumer.ts')), false);
    } finally {
      done();
    }
  });
});
