/** `eos audit --fix / --fix-unsafe / --dry-run` on copies of the analyzer's fixtures. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { auditPaths } from '@eos/analyzer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditJson, ensureBuilt, eos, tree } from './helpers';
import { fixtureFiles } from './samples';

/** Fixtures with an expected result of their safe fixes (`x.fixed.ts` beside `x.ts`). */
const withFixed = fixtureFiles().filter((f) => fs.existsSync(f.replace(/(\.\w+)$/, '.fixed$1')));
const made: string[] = [];

beforeAll(() => ensureBuilt());
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** A copy of the fixture's folder (its imports resolve as in the fixture test), without the .fixed files. */
function copyOf(fixture: string): { dir: string; file: string; want: string } {
  const dir = tree({});
  made.push(dir);
  for (const entry of fs.readdirSync(path.dirname(fixture))) {
    const from = path.join(path.dirname(fixture), entry);
    if (fs.statSync(from).isFile() && !/\.fixed\.\w+$/.test(entry)) fs.copyFileSync(from, path.join(dir, entry));
  }
  return { dir, file: path.basename(fixture), want: fs.readFileSync(fixture.replace(/(\.\w+)$/, '.fixed$1'), 'utf8') };
}

describe('fixes', () => {
  it('there are fixtures with safe fixes to test against', () => {
    expect(withFixed.length).toBeGreaterThan(0);
  });

  it.each(withFixed.map((f) => path.relative(path.dirname(path.dirname(f)), f)))('--fix turns %s into its .fixed file, atomically, and reports what remains', async (rel) => {
    const { dir, file, want } = copyOf(withFixed.find((f) => f.endsWith(rel))!);
    const before = fs.statSync(path.join(dir, file));
    const original = fs.readFileSync(path.join(dir, file), 'utf8');
    const r = await eos(['audit', '--fix', '--format', 'json', file], dir);
    expect(fs.readFileSync(path.join(dir, file), 'utf8')).toBe(want);
    const after = fs.statSync(path.join(dir, file));
    if (want === original) {
      // A fixture whose findings must not be fixed safely: the file is not even rewritten.
      expect(after.ino).toBe(before.ino);
      expect(r.stderr).not.toMatch(/eos: applied [1-9]/);
    } else {
      expect(r.stderr).toMatch(/eos: applied \d+ fix(es)? in 1 file/);
      // Written through a rename: a new inode with the original mode.
      expect(after.ino).not.toBe(before.ino);
      expect(after.mode).toBe(before.mode);
    }
    expect(fs.readdirSync(dir).filter((n) => n.includes('.eos-'))).toEqual([]);
    // The report is about the fixed text: running again finds exactly what the report listed.
    const again = await auditJson([file], dir);
    expect(JSON.parse(r.stdout).findings).toEqual(again.report.findings);
    expect(again.report.findings.filter((f) => (f.fix as { safety?: string } | undefined)?.safety === 'safe')).toEqual([]);
  });

  it.each(withFixed.map((f) => path.relative(path.dirname(path.dirname(f)), f)))('--dry-run prints a unified diff for %s that patch applies, and writes nothing', async (rel) => {
    const { dir, file, want } = copyOf(withFixed.find((f) => f.endsWith(rel))!);
    const original = fs.readFileSync(path.join(dir, file), 'utf8');
    const r = await eos(['audit', '--fix', '--dry-run', '--format', 'json', file], dir);
    expect(fs.readFileSync(path.join(dir, file), 'utf8')).toBe(original);
    // The diff comes first on stdout, then the JSON report.
    const diff = r.stdout.slice(0, r.stdout.indexOf('{\n  "version": 1'));
    if (want === original) {
      expect(diff).toBe('');
      return;
    }
    expect(diff).toMatch(new RegExp(`^--- a/${file.replace('.', '\\.')}\\n\\+\\+\\+ b/`));
    fs.writeFileSync(path.join(dir, 'fix.diff'), diff);
    execFileSync('patch', ['-p1', '-s', '-i', 'fix.diff'], { cwd: dir });
    expect(fs.readFileSync(path.join(dir, file), 'utf8')).toBe(want);
    expect(r.stderr).toMatch(/eos: would apply \d+ fix/);
  });

  it('--fix leaves unsafe fixes alone; --fix-unsafe applies them too', async () => {
    // Find (in-process, cheaply) a fixture whose findings offer an unsafe fix; if no registered
    // rule offers one yet, say so instead of passing silently.
    const candidate = fixtureFiles().find((f) =>
      auditPaths([path.basename(f)], { cwd: path.dirname(f) }).findings.some((x) => x.file === f && x.fix?.safety === 'unsafe'),
    );
    if (!candidate) {
      console.warn('no registered rule offers an unsafe fix on the fixtures; --fix-unsafe untested end to end');
      return;
    }
    const target = { dir: tree({}), file: path.basename(candidate) };
    made.push(target.dir);
    fs.cpSync(path.dirname(candidate), target.dir, { recursive: true });
    const { dir, file } = target;
    const original = fs.readFileSync(path.join(dir, file), 'utf8');
    const unsafeCount = (await auditJson([file], dir)).report.findings.filter((x) => (x.fix as { safety?: string } | undefined)?.safety === 'unsafe').length;
    await eos(['audit', '--fix', file], dir);
    const afterSafe = (await auditJson([file], dir)).report.findings.filter((x) => (x.fix as { safety?: string } | undefined)?.safety === 'unsafe').length;
    expect(afterSafe).toBe(unsafeCount);
    await eos(['audit', '--fix-unsafe', file], dir);
    expect(fs.readFileSync(path.join(dir, file), 'utf8')).not.toBe(original);
    expect((await auditJson([file], dir)).report.findings.filter((x) => x.fix !== undefined)).toEqual([]);
  });
});
