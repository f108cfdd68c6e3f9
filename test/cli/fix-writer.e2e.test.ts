/**
 * `eos audit --fix` never loses a user's byte (issue 12, items 7, 10–13): what cannot be written
 * is an error, bytes and metadata are kept exactly, and a file that cannot be replaced faithfully
 * is named and left alone. Ownership cases run eos as `nobody` (root only, see itAsRoot).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, eos, IS_ROOT, itAsRoot, NOBODY, ROOT, tree, type RunResult } from './helpers';
import { FIXABLE_CONSUMER as FIXABLE, FIXED_CONSUMER as FIXED } from './samples';

const made: string[] = [];
beforeAll(() => ensureBuilt());
afterAll(() => {
  for (const d of made) {
    // Folders a test made read-only must be writable again for the removal (when not root).
    for (const rel of fs.readdirSync(d, { recursive: true }) as string[]) if (fs.lstatSync(path.join(d, rel)).isDirectory()) fs.chmodSync(path.join(d, rel), 0o755);
    fs.rmSync(d, { recursive: true, force: true });
  }
});

function project(files: Record<string, string | Buffer>): string {
  const dir = tree(files);
  made.push(dir);
  return dir;
}

/** Every temporary file eos may have left anywhere below `dir`. */
function temps(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((n) => /\.eos-.*\.tmp$/.test(n));
}

/** eos run as nobody: its HOME (where oclif keeps its data) is the test folder, which nobody owns. */
const asNobody = (dir: string) => [{ HOME: dir }, NOBODY] as const;

function chownTree(dir: string, uid: number, gid: number): void {
  fs.chownSync(dir, uid, gid);
  for (const rel of fs.readdirSync(dir, { recursive: true }) as string[]) fs.lchownSync(path.join(dir, rel), uid, gid);
}

interface JsonErrors {
  errors: Array<{ file: string; message: string }>;
}

const jsonOf = (r: RunResult): JsonErrors => JSON.parse(r.stdout) as JsonErrors;

describe('fix writer', () => {
  it('sanity: the sample has one safe fix, and --fix turns it into FIXED', async () => {
    expect(FIXED).not.toBe(FIXABLE);
    const dir = project({ 'a.ts': FIXABLE });
    const r = await eos(['audit', '--fix', 'a.ts'], dir);
    expect(r.stderr).toMatch(/eos: applied 1 fix in 1 file/);
    expect(fs.readFileSync(path.join(dir, 'a.ts'), 'utf8')).toBe(FIXED);
  });

  it('issue 12 item 7: a fix that cannot be written (read-only folder) is an error in stderr, JSON, SARIF and the exit code, never "applied"', async () => {
    // The rule at info level: only the failed write can make this run fail.
    const dir = project({ 'ro/a.ts': FIXABLE, 'eos.config.json': JSON.stringify({ rules: { 'ack-before-process': 'info' } }) });
    // Root writes into a read-only folder anyway: run eos as nobody then.
    const [env, as] = IS_ROOT ? asNobody(dir) : [{}, {}];
    if (IS_ROOT) chownTree(dir, NOBODY.uid, NOBODY.gid);
    fs.chmodSync(path.join(dir, 'ro'), 0o555);
    const json = await eos(['audit', '--fix', '--format', 'json', 'ro'], dir, env, as);
    expect(json.stderr).not.toMatch(/applied 1 fix/);
    expect(json.stderr).toMatch(/eos: ro\/a\.ts: not fixed: cannot write .*permission denied \(EACCES\)/);
    expect(json.stderr).toMatch(/eos: applied 0 fixes in 0 files; 1 file not fixed \(see above\)/);
    expect(jsonOf(json).errors).toEqual([{ file: 'ro/a.ts', message: expect.stringMatching(/^not fixed: cannot write .*EACCES/) }]);
    expect(json.status).toBe(1);
    const sarif = await eos(['audit', '--fix', '--format', 'sarif', 'ro'], dir, env, as);
    const notes = (JSON.parse(sarif.stdout) as { runs: Array<{ invocations: Array<{ toolExecutionNotifications: Array<{ message: { text: string } }> }> }> }).runs[0].invocations[0].toolExecutionNotifications;
    expect(notes.map((n) => n.message.text)).toEqual([expect.stringMatching(/not fixed: cannot write/)]);
    expect(sarif.status).toBe(1);
    expect(fs.readFileSync(path.join(dir, 'ro/a.ts'), 'utf8')).toBe(FIXABLE);
    expect(temps(dir)).toEqual([]);
  });

  it('issue 12 item 10: a file that is not valid UTF-8 is not fixed (named, exit 1), byte for byte, with or without --dry-run', async () => {
    // One Latin-1 byte (0xE9) in a comment: decoding and re-encoding would turn it into U+FFFD.
    const bytes = Buffer.from(FIXABLE.replace('(é, ü', '(\u0000, ü'), 'utf8');
    bytes[bytes.indexOf(0)] = 0xe9;
    const dir = project({ 'a.ts': bytes });
    for (const args of [['--fix'], ['--fix', '--dry-run']]) {
      const r = await eos(['audit', ...args, 'a.ts'], dir);
      expect(r.stderr).toMatch(/eos: a\.ts: not fixed: not valid UTF-8 \(byte 0xe9 at line 7\)/);
      expect(r.stdout).not.toMatch(/^--- a\/a\.ts/m);
      expect(r.status).toBe(1);
      expect(fs.readFileSync(path.join(dir, 'a.ts')).equals(bytes)).toBe(true);
    }
  });

  it('issue 12 item 10: --fix keeps a UTF-8 byte-order mark, CRLF line endings and every byte outside the edit', async () => {
    const crlf = (s: string) => s.replace(/\n/g, '\r\n');
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const dir = project({ 'bom.ts': Buffer.concat([bom, Buffer.from(FIXABLE)]), 'crlf.ts': crlf(FIXABLE) });
    const r = await eos(['audit', '--fix', '.'], dir);
    expect(r.stderr).toMatch(/eos: applied 2 fixes in 2 files/);
    expect(fs.readFileSync(path.join(dir, 'bom.ts')).equals(Buffer.concat([bom, Buffer.from(FIXED)]))).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'crlf.ts'), 'utf8')).toBe(crlf(FIXED));
  });

  it('issue 12 item 11: a read-only file (0444) is not fixed: named, exit 1, untouched', async () => {
    const dir = project({ 'a.ts': FIXABLE });
    fs.chmodSync(path.join(dir, 'a.ts'), 0o444);
    const r = await eos(['audit', '--fix', 'a.ts'], dir);
    expect(r.stderr).toMatch(/eos: a\.ts: not fixed: the file is read-only \(mode 0444\)/);
    expect(r.status).toBe(1);
    expect(fs.readFileSync(path.join(dir, 'a.ts'), 'utf8')).toBe(FIXABLE);
    expect(fs.statSync(path.join(dir, 'a.ts')).mode & 0o7777).toBe(0o444);
  });

  it('issue 12 item 11: the mode is kept exactly, whatever the umask', async () => {
    const dir = project({ 'a.ts': FIXABLE, 'b.ts': FIXABLE });
    fs.chmodSync(path.join(dir, 'a.ts'), 0o664);
    fs.chmodSync(path.join(dir, 'b.ts'), 0o751);
    const r = await eos(['audit', '--fix', '.'], dir, {}, { umask: 0o077 });
    expect(r.stderr).toMatch(/applied 2 fixes in 2 files/);
    expect(fs.statSync(path.join(dir, 'a.ts')).mode & 0o7777).toBe(0o664);
    expect(fs.statSync(path.join(dir, 'b.ts')).mode & 0o7777).toBe(0o751);
  });

  it('issue 12 item 11: a file with hard links is not fixed (replacing it would split the links): named, both names untouched', async () => {
    const dir = project({ 'a.ts': FIXABLE });
    fs.linkSync(path.join(dir, 'a.ts'), path.join(dir, 'a-copy.txt'));
    const r = await eos(['audit', '--fix', 'a.ts'], dir);
    expect(r.stderr).toMatch(/eos: a\.ts: not fixed: the file has 2 hard links/);
    expect(r.status).toBe(1);
    expect(fs.statSync(path.join(dir, 'a.ts')).ino).toBe(fs.statSync(path.join(dir, 'a-copy.txt')).ino);
    expect(fs.readFileSync(path.join(dir, 'a.ts'), 'utf8')).toBe(FIXABLE);
  });

  it('issue 12 item 11: files reached through a symbolic link to a folder outside the audited paths are named and not fixed; the rest is', async () => {
    const outside = project({ 'shared/a.ts': FIXABLE });
    const dir = project({ 'src/own.ts': FIXABLE });
    fs.symlinkSync(path.join(outside, 'shared'), path.join(dir, 'src', 'shared'));
    const r = await eos(['audit', '--fix', '.'], dir);
    expect(r.stderr).toMatch(/eos: src\/shared\/a\.ts: not fixed: its real path .* is outside the audited paths/);
    expect(r.stderr).toMatch(/eos: applied 1 fix in 1 file; 1 file not fixed/);
    expect(fs.readFileSync(path.join(outside, 'shared/a.ts'), 'utf8')).toBe(FIXABLE);
    expect(fs.readFileSync(path.join(dir, 'src/own.ts'), 'utf8')).toBe(FIXED);
    // Named on the command line, the link's target is what was asked for.
    const named = await eos(['audit', '--fix', 'src/shared'], dir);
    expect(named.stderr).toMatch(/eos: applied 1 fix in 1 file\n/);
    expect(fs.readFileSync(path.join(outside, 'shared/a.ts'), 'utf8')).toBe(FIXED);
  });

  itAsRoot('issue 12 item 11: run as root, the fixed file keeps its owner and group (nobody:nogroup, 0640)', async () => {
    const dir = project({ 'a.ts': FIXABLE });
    fs.chownSync(path.join(dir, 'a.ts'), NOBODY.uid, NOBODY.gid);
    fs.chmodSync(path.join(dir, 'a.ts'), 0o640);
    const r = await eos(['audit', '--fix', 'a.ts'], dir);
    expect(r.stderr).toMatch(/applied 1 fix in 1 file/);
    const after = fs.statSync(path.join(dir, 'a.ts'));
    expect([after.uid, after.gid, after.mode & 0o7777]).toEqual([NOBODY.uid, NOBODY.gid, 0o640]);
    expect(fs.readFileSync(path.join(dir, 'a.ts'), 'utf8')).toBe(FIXED);
  });

  itAsRoot('issue 12 item 11: run as nobody, a file nobody may write but does not own is not fixed (it would become nobody\'s)', async () => {
    const dir = project({ 'a.ts': FIXABLE, 'b.ts': FIXABLE });
    chownTree(dir, NOBODY.uid, NOBODY.gid);
    // a.ts: root's, writable by all; b.ts: nobody's, in group root (not one of nobody's groups).
    fs.chownSync(path.join(dir, 'a.ts'), 0, 0);
    fs.chmodSync(path.join(dir, 'a.ts'), 0o666);
    fs.chownSync(path.join(dir, 'b.ts'), NOBODY.uid, 0);
    fs.chmodSync(path.join(dir, 'b.ts'), 0o664);
    const r = await eos(['audit', '--fix', '.'], dir, ...asNobody(dir));
    expect(r.stderr).toMatch(/eos: a\.ts: not fixed: the file belongs to user 0, and a replaced file would belong to you/);
    expect(r.stderr).toMatch(/eos: b\.ts: not fixed: the file's group 0 is not one of yours/);
    expect(r.status).toBe(1);
    for (const [name, uid, gid] of [['a.ts', 0, 0], ['b.ts', NOBODY.uid, 0]] as const) {
      const after = fs.statSync(path.join(dir, name));
      expect([after.uid, after.gid]).toEqual([uid, gid]);
      expect(fs.readFileSync(path.join(dir, name), 'utf8')).toBe(FIXABLE);
    }
  });

  itAsRoot('issue 12 item 11: run as nobody, nobody\'s own file is fixed and keeps its mode', async () => {
    const dir = project({ 'a.ts': FIXABLE });
    chownTree(dir, NOBODY.uid, NOBODY.gid);
    fs.chmodSync(path.join(dir, 'a.ts'), 0o604);
    const r = await eos(['audit', '--fix', 'a.ts'], dir, ...asNobody(dir));
    expect(r.stderr).toMatch(/applied 1 fix in 1 file/);
    const after = fs.statSync(path.join(dir, 'a.ts'));
    expect([after.uid, after.gid, after.mode & 0o7777]).toEqual([NOBODY.uid, NOBODY.gid, 0o604]);
  });
});

/**
 * The writer itself, in a child process running the built module: a signal or a concurrent edit
 * arrives exactly where it hurts (between writing the temporary file and the rename).
 */
describe('fix writer under interruption and concurrent edits', () => {
  const WRITER = path.join(ROOT, 'packages/cli/dist/fix/write-atomic.js');

  /** Runs `script` in node with `writer` bound to the built writer module and `file` to the target. */
  function child(script: string, file: string): { status: number | null; signal: NodeJS.Signals | null; stderr: string } {
    const r = spawnSync(process.execPath, ['-e', `const writer = require(${JSON.stringify(WRITER)}); const fs = require('node:fs'); const file = ${JSON.stringify(file)};\n${script}`], { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, signal: r.signal, stderr: r.stderr };
  }

  it('issue 12 item 13: SIGINT while a fix is being written leaves the old or the new file, never a temporary file, then ends the process', () => {
    const dir = project({ 'a.ts': FIXABLE });
    const file = path.join(dir, 'a.ts');
    const r = child(
      `const read = writer.readForFix(file);
       writer.writeFixed(read.snapshot, ${JSON.stringify(FIXED)}, { renameSync(from, to) { process.kill(process.pid, 'SIGINT'); fs.renameSync(from, to); } });`,
      file,
    );
    expect(r.signal).toBe('SIGINT');
    expect(fs.readFileSync(file, 'utf8')).toBe(FIXED);
    expect(temps(dir)).toEqual([]);
  });

  it('issue 12 item 13: a temporary file left by a killed eos (SIGKILL) is removed by the next fix of that file, and only that one', () => {
    const dir = project({ 'a.ts': FIXABLE, 'b.ts': FIXABLE });
    const file = path.join(dir, 'a.ts');
    const killed = child(`writer.writeFixed(writer.readForFix(file).snapshot, ${JSON.stringify(FIXED)}, { renameSync() { process.kill(process.pid, 'SIGKILL'); } });`, file);
    expect(killed.signal).toBe('SIGKILL');
    expect(temps(dir)).toHaveLength(1);
    // Not stale: a temporary file of a running process (this one) and one of another file.
    const alive = path.join(dir, `.a.ts.eos-${process.pid}-0123456789ab.tmp`);
    const other = path.join(dir, '.b.ts.eos-999999999-0123456789ab.tmp');
    fs.writeFileSync(alive, 'x');
    fs.writeFileSync(other, 'x');
    const r = child(`writer.writeFixed(writer.readForFix(file).snapshot, ${JSON.stringify(FIXED)});`, file);
    expect(r.status).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(FIXED);
    expect(temps(dir).sort()).toEqual([path.basename(other), path.basename(alive)].sort());
  });

  it('issue 12 item 12: a file edited after eos read it is not replaced: the edit survives, and the refusal says why', () => {
    const dir = project({ 'a.ts': FIXABLE });
    const file = path.join(dir, 'a.ts');
    const r = child(
      `const read = writer.readForFix(file);
       fs.appendFileSync(file, '// added by the user meanwhile\\n');
       try { writer.writeFixed(read.snapshot, ${JSON.stringify(FIXED)}); console.error('written'); } catch (e) { console.error(e.message); }`,
      file,
    );
    expect(r.stderr).toMatch(/the file changed since eos read it/);
    expect(fs.readFileSync(file, 'utf8')).toBe(`${FIXABLE}// added by the user meanwhile\n`);
    expect(temps(dir)).toEqual([]);
  });
});
