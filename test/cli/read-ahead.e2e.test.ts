/**
 * The read-ahead thread (packages/analyzer/src/audit/read-ahead.ts) runs only from the build (a
 * worker needs a JavaScript entry), so these tests call the built analyzer: every result must be
 * the same with the thread as without it, with and without the cache, bad inputs included.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyDir, ensureBuilt, ROOT } from './helpers';

let dir: string;

beforeAll(async () => {
  await ensureBuilt();
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'eos-e2e-read-ahead-')));
  // Every rule fixture and the sample service: hundreds of files with findings of every rule.
  copyDir(path.join(ROOT, 'packages/analyzer/test/fixtures'), path.join(dir, 'fixtures'));
  copyDir(path.join(ROOT, 'examples'), path.join(dir, 'examples'));
  // Inputs the reader must report, not crash on.
  fs.writeFileSync(path.join(dir, 'binary.ts'), Buffer.from([0x63, 0x6f, 0x6e, 0x00, 0x73, 0x75, 0x6d, 0x65]));
  fs.writeFileSync(path.join(dir, 'huge.ts'), `// consume\n${'x'.repeat(3 * 1024 * 1024)}\n`);
  fs.writeFileSync(path.join(dir, 'broken.ts'), "import amqp from 'amqplib';\nchannel.consume('q', (msg) => {\n");
  fs.symlinkSync(path.join(dir, 'nowhere.ts'), path.join(dir, 'dangling.ts'));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  findings: Array<{ file: string; line: number; column: number; ruleId: string; message: string }>;
  errors: Array<{ file: string; message: string }>;
  stats: { files: number; parsed: number; cached: number; readAhead: boolean };
}

/** Runs `auditPaths` of the built analyzer in a fresh process (a worker thread is per process). */
function audit(options: Record<string, unknown>): Outcome {
  const script = `
    const { auditPaths } = require(${JSON.stringify(path.join(ROOT, 'packages/analyzer/dist/light.js'))});
    const r = auditPaths(['.'], { cwd: ${JSON.stringify(dir)}, ...${JSON.stringify(options)} });
    console.log(JSON.stringify({ findings: r.findings, errors: r.errors, stats: r.stats }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as Outcome;
}

const summary = (o: Outcome) => ({
  findings: o.findings.map((f) => `${path.relative(dir, f.file)}:${f.line}:${f.column}:${f.ruleId}:${f.message}`),
  errors: o.errors.map((e) => `${path.relative(dir, e.file)}: ${e.message}`),
  files: o.stats.files,
  parsed: o.stats.parsed,
});

describe('read-ahead thread', () => {
  it('gives the findings, errors and counts of a run without it', () => {
    const without = audit({ readAhead: false });
    const withThread = audit({ readAhead: true });
    expect(without.findings.length).toBeGreaterThan(200);
    expect(summary(without).errors).toEqual(
      expect.arrayContaining([expect.stringMatching(/^binary\.ts: binary content/), expect.stringMatching(/^huge\.ts: file is 3\.0 MB/), expect.stringMatching(/^broken\.ts: cannot parse/), expect.stringMatching(/^dangling\.ts: /)]),
    );
    expect(summary(withThread)).toEqual(summary(without));
    // The thread did the reading (it would fall back silently to reading on the main thread).
    expect(withThread.stats.readAhead).toBe(true);
    expect(without.stats.readAhead).toBe(false);
  });

  it('keeps the cache right: a warm rerun is all cached, and a change two imports away re-analyses the file that reaches it', () => {
    const cacheFile = path.join(dir, '.eos-cache.json');
    fs.rmSync(cacheFile, { force: true });
    const cold = audit({ readAhead: true, cacheFile });
    const warm = audit({ readAhead: true, cacheFile });
    expect(cold.stats.readAhead).toBe(true);
    // Everything but the two files that cannot be read (binary.ts, huge.ts): those are never cached.
    expect(warm.stats.parsed).toBe(0);
    expect(warm.stats.cached).toBe(warm.stats.files - 2);
    expect(summary(warm).findings).toEqual(summary(cold).findings);
    // cross-file/checkout.ts reaches the publish through ./announce → ./events; take it away there.
    const events = path.join(dir, 'fixtures/dual-write/cross-file/events.ts');
    const original = fs.readFileSync(events, 'utf8');
    try {
      fs.writeFileSync(events, original.replace(/producer\.send\(/g, 'producer.toString('));
      const changed = audit({ readAhead: true, cacheFile });
      expect(changed.stats.readAhead).toBe(true);
      const fresh = audit({ readAhead: false });
      expect(summary(changed).findings).toEqual(summary(fresh).findings);
      expect(summary(changed).findings.some((f) => f.startsWith('fixtures/dual-write/cross-file/checkout.ts:'))).toBe(false);
      expect(summary(cold).findings.some((f) => f.startsWith('fixtures/dual-write/cross-file/checkout.ts:'))).toBe(true);
    } finally {
      fs.writeFileSync(events, original);
    }
  });

  it("records what a skipped file's decision read, so a change there brings its finding", () => {
    const cacheFile = path.join(dir, '.eos-cache-skip.json');
    const sub = path.join(dir, 'skip');
    const write = (rel: string, text: string) => fs.writeFileSync(path.join(sub, rel), text);
    fs.mkdirSync(sub, { recursive: true });
    write('checkout.ts', "import { saveOrder } from './store';\nimport { notify } from './notify';\nexport async function checkout(body: string): Promise<void> {\n  await saveOrder(body);\n  await notify(body);\n}\n");
    write('store.ts', "import { Pool } from 'pg';\nconst pool = new Pool();\nexport async function saveOrder(body: string): Promise<void> {\n  await pool.query('INSERT INTO orders (body) VALUES ($1)', [body]);\n}\n");
    write('notify.ts', "import { deliver } from './mailer';\nexport async function notify(body: string): Promise<void> {\n  await deliver(body);\n}\n");
    write('mailer.ts', 'export async function deliver(body: string): Promise<void> {\n  console.log(body);\n}\n');
    try {
      const cold = audit({ readAhead: true, cacheFile });
      expect(cold.stats.readAhead).toBe(true);
      expect(summary(cold).findings.some((f) => f.startsWith('skip/checkout.ts:'))).toBe(false);
      write('mailer.ts', "import { Kafka } from 'kafkajs';\nconst producer = new Kafka({ brokers: ['kafka:9092'] }).producer({ idempotent: true });\nexport async function deliver(body: string): Promise<void> {\n  await producer.send({ topic: 'mails', messages: [{ value: body }] });\n}\n");
      const after = audit({ readAhead: true, cacheFile });
      expect(summary(after).findings).toEqual(expect.arrayContaining([expect.stringMatching(/^skip\/checkout\.ts:5:\d+:dual-write:/)]));
      expect(summary(after).findings).toEqual(summary(audit({ readAhead: false })).findings);
    } finally {
      fs.rmSync(sub, { recursive: true, force: true });
    }
  });
});
