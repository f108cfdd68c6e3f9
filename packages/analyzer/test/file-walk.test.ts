/**
 * The file walk under hostile trees (issue 12, item 14): symbolic links are followed remembering
 * real paths, so no folder is walked twice and a ladder of links stays linear; the operating
 * system's pseudo file systems are not entered.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverFiles } from '@eos/analyzer';

let dir: string;
beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'eos-walk-')));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * rung0 … rungN, each holding a source file, a dangling link with a source name (reported with
 * the path it was reached by, so every visit shows) and two links to the next rung: followed
 * naively, the last rung is reached 2^N times.
 */
function ladder(depth: number): void {
  for (let i = 0; i <= depth; i++) {
    const rung = path.join(dir, `rung${i}`);
    fs.mkdirSync(rung);
    fs.writeFileSync(path.join(rung, `f${i}.ts`), 'export {};\n');
    fs.symlinkSync(path.join(rung, 'nowhere.ts'), path.join(rung, 'dangling.ts'));
    if (i < depth) {
      fs.symlinkSync(path.join(dir, `rung${i + 1}`), path.join(rung, 'a'));
      fs.symlinkSync(path.join(dir, `rung${i + 1}`), path.join(rung, 'b'));
    }
  }
}

describe('file walk', () => {
  it('issue 12 item 14: a ladder of symbolic links is walked once per real folder, not 2^depth times', () => {
    ladder(10);
    const found = discoverFiles(['rung0'], { cwd: dir });
    expect(found.files.map((f) => path.relative(dir, f))).toEqual(Array.from({ length: 11 }, (_, i) => `rung0/${'a/'.repeat(i)}f${i}.ts`).sort());
    // One report per dangling link: each rung was visited once.
    expect(found.errors).toHaveLength(11);
    expect(found.errors.every((e) => /cannot read: no such file/.test(e.message))).toBe(true);
  });

  it('issue 12 item 14: a 24-rung ladder (16.7 million naive paths) is walked in 25 folder visits', () => {
    ladder(24);
    const found = discoverFiles(['.'], { cwd: dir });
    expect(found.files).toHaveLength(25);
    expect(found.errors).toHaveLength(25);
  });

  it.runIf(fs.existsSync('/proc/self'))('issue 12 item 14: a link to /proc (or /sys, /dev) met during a walk is not entered', () => {
    fs.writeFileSync(path.join(dir, 'a.ts'), 'export {};\n');
    fs.symlinkSync('/proc', path.join(dir, 'proc'));
    fs.symlinkSync('/sys', path.join(dir, 'sys'));
    fs.symlinkSync('/dev', path.join(dir, 'dev'));
    const found = discoverFiles(['.'], { cwd: dir });
    expect(found.files).toEqual([path.join(dir, 'a.ts')]);
    expect(found.errors).toEqual([]);
  });
  it('a file reached both through a linked folder and under its own folder is named by its own path', () => {
    // A monorepo's convenience link `apps/auth -> services/auth`, sorted before the real folder.
    fs.mkdirSync(path.join(dir, 'apps', 'services', 'auth'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'apps', 'services', 'auth', 'login.ts'), 'export {};\n');
    fs.symlinkSync(path.join(dir, 'apps', 'services', 'auth'), path.join(dir, 'apps', 'auth'));
    const found = discoverFiles(['.'], { cwd: dir });
    expect(found.files).toEqual([path.join(dir, 'apps', 'services', 'auth', 'login.ts')]);
    expect(found.errors).toEqual([]);
  });

  it('a linked folder whose target lies outside the walked folder is still walked under the link', () => {
    fs.mkdirSync(path.join(dir, 'shared'));
    fs.writeFileSync(path.join(dir, 'shared', 'bus.ts'), 'export {};\n');
    fs.mkdirSync(path.join(dir, 'app'));
    fs.symlinkSync(path.join(dir, 'shared'), path.join(dir, 'app', 'shared'));
    const found = discoverFiles(['app'], { cwd: dir });
    expect(found.files).toEqual([path.join(dir, 'app', 'shared', 'bus.ts')]);
  });
});
