/**
 * The built `eos scaffold` commands as a user runs them: exit codes, no hang without a terminal,
 * nothing written on refusal or --dry-run.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers';

const BIN = path.join(REPO_ROOT, 'packages', 'cli', 'bin', 'run.js');
/** A run that needs no answer must finish well inside this; a prompt waiting on stdin would not. */
const NO_HANG_MS = 15_000;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Spawns the CLI with stdin a pipe that is never written or closed: not a TTY, and a read would block. */
function eos(cwd: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), NO_HANG_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

let project: string;
beforeAll(() => {
  execFileSync('npx', ['tsc', '-b'], { cwd: REPO_ROOT, stdio: 'pipe' });
}, 300_000);
beforeEach(() => {
  project = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'eos-scaffold-cli-')));
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'svc', dependencies: { amqplib: '^0.10' } }));
  fs.writeFileSync(path.join(project, 'tsconfig.json'), '{}');
});
afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

describe('eos scaffold', () => {
  it('without a terminal, exits 2 at once naming the missing flag', async () => {
    const r = await eos(project, 'scaffold', 'dedup', '--out', 'src/eos');
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pass --store');
    expect(filesUnder(project)).toEqual(['package.json', 'tsconfig.json']);
  });

  it('names --out when it is the one missing, for every command', async () => {
    for (const [command, ...args] of [['dedup', '--store', 'sqlite'], ['consumer', '--store', 'sqlite', '--broker', 'nats'], ['outbox', '--store', 'sqlite', '--broker', 'nats']]) {
      const r = await eos(project, 'scaffold', command, ...args);
      expect(r.code, `${command}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain('pass --out');
    }
  });

  it('with --yes takes detected defaults (broker from package.json, SQLite store) and prints next steps', async () => {
    const r = await eos(project, 'scaffold', 'consumer', '--out', 'src/consumers', '--queue', 'orders', '--yes');
    expect(r.code, r.stderr).toBe(0);
    expect(filesUnder(path.join(project, 'src', 'consumers'))).toEqual([
      'consumer-main.ts',
      'consumer-test-store.ts',
      'consumer.test.ts',
      'consumer.ts',
      'dedup-cleanup.ts',
      'dedup-from-env.ts',
      'dedup-retention.ts',
      'dedup.ts',
      'handler.ts',
      'migrations/eos_processed_messages.sql',
      'process-message.ts',
    ]);
    expect(fs.readFileSync(path.join(project, 'src', 'consumers', 'consumer.ts'), 'utf8')).toContain("import type { Channel, ConsumeMessage } from 'amqplib';");
    expect(r.stdout).toContain('npm install better-sqlite3');
    expect(r.stdout).toContain('npm install --save-dev @types/better-sqlite3');
    expect(r.stdout).toContain('Apply src/consumers/migrations/eos_processed_messages.sql');
  });

  it('--dry-run prints the plan and the contents and writes nothing', async () => {
    const r = await eos(project, 'scaffold', 'dedup', '--store', 'mysql', '--out', 'src/eos', '--dry-run');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('new       src/eos/dedup.ts');
    expect(r.stdout).toContain('CREATE TABLE IF NOT EXISTS `eos_processed_messages`');
    expect(filesUnder(project)).toEqual(['package.json', 'tsconfig.json']);
  });

  it('refuses to overwrite a differing file without --force: exit 1, nothing changed; --force overwrites', async () => {
    const mine = path.join(project, 'src', 'eos', 'dedup.ts');
    fs.mkdirSync(path.dirname(mine), { recursive: true });
    fs.writeFileSync(mine, '// mine\n');
    const refused = await eos(project, 'scaffold', 'dedup', '--store', 'sqlite', '--out', 'src/eos');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refusing to overwrite 1 existing file(s)');
    expect(fs.readFileSync(mine, 'utf8')).toBe('// mine\n');
    expect(filesUnder(path.join(project, 'src', 'eos'))).toEqual(['dedup.ts']);
    const dry = await eos(project, 'scaffold', 'dedup', '--store', 'sqlite', '--out', 'src/eos', '--dry-run');
    expect(dry.stdout).toContain('changed   src/eos/dedup.ts');
    expect(dry.stdout).toContain('-// mine');
    const forced = await eos(project, 'scaffold', 'dedup', '--store', 'sqlite', '--out', 'src/eos', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(fs.readFileSync(mine, 'utf8')).toContain('export class Dedup');
  });

  it.each([
    [['--store', 'sqlite', '--out', '../outside'], 'outside the project'],
    [['--store', 'sqlite', '--out', '/tmp'], 'outside the project'],
    [['--store', 'sqlite', '--out', 'src', '--table', 'x; DROP TABLE users'], '--table'],
    [['--out', 'src', '--store', 'mongodb'], 'Expected --store=mongodb to be one of'],
  ])('rejects %j with exit 2', async (args, message) => {
    const r = await eos(project, 'scaffold', 'dedup', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(filesUnder(project)).toEqual(['package.json', 'tsconfig.json']);
  });

  it('rejects an --out that escapes through a symlink', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-outside-'));
    try {
      fs.symlinkSync(outside, path.join(project, 'generated'));
      const r = await eos(project, 'scaffold', 'dedup', '--store', 'sqlite', '--out', 'generated/eos');
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('symlink');
      expect(fs.readdirSync(outside)).toEqual([]);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('lists the templates with their options', async () => {
    const r = await eos(project, 'scaffold', 'list');
    expect(r.code).toBe(0);
    for (const line of [
      'eos scaffold outbox',
      'eos scaffold dedup',
      'eos scaffold consumer',
      'eos scaffold saga',
      'eos scaffold sink',
      '--broker kafka|sqs|rabbitmq|pubsub|nats',
      '--store postgres|mysql|sqlite|redis',
      '--relay polling|cdc',
      '--queue NAME',
      '--steps NAME,NAME...',
      '--connector confluent|debezium',
      '--key NAME,NAME...',
      '--key-source record_key|record_value',
    ]) {
      expect(r.stdout).toContain(line);
    }
    // The public surface (commands, flags, values) changes only deliberately: descriptions may move freely.
    const surface = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('eos scaffold ') || l.startsWith('  --'))
      .map((l) => (l.startsWith('eos') ? l.split('  ')[0] : `  ${l.trim().split(/\s{2,}/)[0]}`));
    expect(surface).toMatchSnapshot();
  });

  /** util-linux `script` gives the CLI a real pseudo-terminal. */
  const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

  /** Runs `eos scaffold dedup` on a pseudo-terminal, typing `keys` after each prompt appears. */
  async function inTerminal(answers: ReadonlyArray<readonly [prompt: string, keys: string]>): Promise<{ code: number | null; answered: number; output: string }> {
    const command = [process.execPath, BIN, 'scaffold', 'dedup'].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: project, env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    let all = '';
    let next = 0;
    const done = new Promise<number | null>((resolve) => child.on('close', resolve));
    const timer = setTimeout(() => child.kill('SIGKILL'), NO_HANG_MS * 2);
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      all += d.toString();
      while (next < answers.length && output.includes(answers[next][0], 0)) {
        const [prompt, keys] = answers[next++];
        output = output.slice(output.indexOf(prompt) + prompt.length);
        child.stdin.write(keys);
      }
    });
    const code = await done;
    clearTimeout(timer);
    return { code, answered: next, output: all };
  }

  const QUESTIONS: Array<[prompt: string, keys: string]> = [
    ['(--store)', '\r'], // select: the detected default (amqplib only → none detected → sqlite)
    ['(--table)', 'orders_inbox\r'],
    ['(--ordered)', '\r'],
    ['(--out)', 'src/inbox\r'],
    ['(--language)', '\r'],
    ['(--module)', '\r'],
  ];

  it.skipIf(!hasScript)('in a terminal, asks every question with the detected default, shows the plan, and writes once confirmed', async () => {
    const run = await inTerminal([...QUESTIONS, ['Write 5 file(s)?', '\r']]);
    expect(run.answered, run.output).toBe(QUESTIONS.length + 1);
    expect(run.code, run.output).toBe(0);
    // The plan (files and next steps) comes before the question.
    const asked = run.output.indexOf('Write 5 file(s)?');
    expect(run.output.indexOf('new       src/inbox/dedup.ts')).toBeGreaterThan(-1);
    expect(run.output.indexOf('new       src/inbox/dedup.ts')).toBeLessThan(asked);
    expect(run.output.indexOf('Next steps')).toBeLessThan(asked);
    expect(filesUnder(path.join(project, 'src', 'inbox'))).toContain('migrations/orders_inbox.sql');
    expect(fs.readFileSync(path.join(project, 'src', 'inbox', 'dedup.ts'), 'utf8')).toContain("from 'better-sqlite3'");
  });

  it.skipIf(!hasScript)('in a terminal, writes nothing when the plan is declined', async () => {
    const run = await inTerminal([...QUESTIONS, ['Write 5 file(s)?', 'n\r']]);
    expect(run.answered, run.output).toBe(QUESTIONS.length + 1);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('Nothing written.');
    expect(filesUnder(project)).toEqual(['package.json', 'tsconfig.json']);
  });
});


describe('eos scaffold --help', () => {
  it('describes the topic, not one of its kinds, and lists every kind', async () => {
    const r = await eos(project, 'scaffold', '--help');
    expect(r.code, r.stderr).toBe(0);
    const [first] = r.stdout.trim().split('\n');
    expect(first).toContain('Write proven exactly-once building blocks into your project');
    for (const kind of ['consumer', 'dedup', 'outbox', 'pipeline']) expect(r.stdout).toMatch(new RegExp(`scaffold ${kind}\\s`));
  });

  it('gives each kind its own description', async () => {
    const seen = new Set<string>();
    for (const kind of ['consumer', 'dedup', 'outbox', 'pipeline']) {
      const r = await eos(project, 'scaffold', kind, '--help');
      expect(r.code, r.stderr).toBe(0);
      const first = r.stdout.trim().split('\n')[0];
      expect(seen.has(first), `${kind}: ${first}`).toBe(false);
      seen.add(first);
    }
  });
});
