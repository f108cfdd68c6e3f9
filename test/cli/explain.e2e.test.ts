/** `eos explain <rule>`: the doc page shipped with eos, formatted on a terminal and Markdown otherwise. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allRules } from '@eos/analyzer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt, eos, tree } from './helpers';

const DOCS = path.resolve(__dirname, '../../packages/analyzer/docs/rules');
let dir: string;

beforeAll(async () => {
  await ensureBuilt();
  dir = tree({ 'package.json': '{ "name": "somewhere-else" }\n' });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs `eos explain` on a pseudo-terminal (script(1)), as a person at a shell would. */
function onTerminal(args: string, env: Record<string, string | undefined> = {}): string {
  return execFileSync('script', ['-qec', `${process.execPath} ${BIN} explain ${args}`, '/dev/null'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: undefined, NODE_ENV: undefined, ...env } as NodeJS.ProcessEnv,
  }).replace(/\r\n/g, '\n');
}

describe('eos explain', () => {
  it.each(allRules.map((r) => r.meta.id))('prints the page of %s as Markdown when piped', async (id) => {
    const r = await eos(['explain', id], dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(fs.readFileSync(path.join(DOCS, `${id}.md`), 'utf8'));
  });

  it('explains both suppression findings with the suppressions page', async () => {
    const page = fs.readFileSync(path.join(DOCS, 'suppressions.md'), 'utf8');
    for (const id of ['suppressions', 'unused-suppression', 'invalid-suppression']) expect((await eos(['explain', id], dir)).stdout).toBe(page);
  });

  it('formats the page on a terminal: bold title, code without fences, links to other pages as commands', () => {
    const out = onTerminal('publish-without-dedup-id');
    expect(out.startsWith('\u001b[1m\u001b[4mpublish-without-dedup-id\u001b[24m\u001b[22m\n')).toBe(true);
    expect(out).not.toContain('```');
    expect(out).not.toContain('](nonexistent-broker-option.md)');
    expect(out).toContain('eos explain nonexistent-broker-option');
  });

  it('on a terminal with NO_COLOR: still formatted, without escape codes', () => {
    const out = onTerminal('dual-write', { NO_COLOR: '1' });
    expect(out.startsWith('dual-write\n')).toBe(true);
    expect(out).not.toMatch(/\u001b\[/);
    expect(out).not.toContain('```');
  });

  it('an unknown rule id exits 2 naming the known ones; a missing one is a usage error', async () => {
    const unknown = await eos(['explain', 'ack-before-proces'], dir);
    expect(unknown.status).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/^eos: unknown rule 'ack-before-proces' \(known: ack-before-process, /);
    const missing = await eos(['explain'], dir);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^eos: .*(rule|arg).*\(see `eos explain --help`\)\n$/i);
  });
});
