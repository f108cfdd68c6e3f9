/**
 * eos as a user gets it: every workspace package packed with `npm pack`, the tarballs installed
 * into new projects in a temp folder outside this repository (their own node_modules, no workspace
 * links; third-party packages come from the npm registry), then the installed `eos` is run there:
 * --version, rules, explain, audit of the sample service, and every scaffold kind that
 * `eos scaffold list` reports, in a TypeScript (CommonJS) and a JavaScript (ESM) project. The
 * TypeScript output is type-checked by the project's own tsc, the generated code is audited
 * clean, and the generated tests run against the local database servers (SQLite where a server is
 * missing locally; in CI a missing server fails the file, as every service test does).
 *
 * A file read at run time but left out of a package (templates, rule docs) fails here, and
 * nowhere else: inside the repository the workspace links hide it.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allRules, auditPaths, docPageOf } from '@eos/analyzer';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { ensureBuilt } from '../cli/helpers';
import { requireService, SERVICES } from '../services/require-service';
import {
  explain,
  filesEndingWith,
  installEos,
  installSteps,
  jsonOf,
  newProject,
  ok,
  packAll,
  REPO_ROOT,
  run,
  tempFolder,
  testSummary,
  type Footprint,
  type Run,
} from './fresh-project';

/**
 * What installing eos may cost a project (`npm install -D @eos/cli` and its dependencies).
 * Measured when this was written: 77 packages, 25 MB of files, 9 to 17 s with a warm npm cache
 * (as in CI, after npm ci) on the shared 2-core machine. Most of the size is the TypeScript
 * compiler that ts-morph carries, which eos parses with; most of the count is oclif and the
 * prompt library. The budget leaves about 30 % headroom on packages and size, so a new dependency
 * tree (or one pulled in by accident) fails here and becomes a decision rather than a drift. The
 * time budget is loose because a busy CI machine and a cold cache vary a lot; it is there to catch
 * an install that builds native code or downloads something large.
 */
const FOOTPRINT_BUDGET: Footprint = { packages: 100, megabytes: 33, seconds: 120 };

const INSTALL_TIMEOUT_MS = 600_000;
const STEP_TIMEOUT_MS = 900_000;

const hasPostgres = await requireService('postgres');
const hasMariadb = await requireService('mariadb');
const hasRabbitmq = await requireService('rabbitmq');
const hasNats = await requireService('nats');

/** Unique per run: table names the scaffolds create in the shared database servers. */
const RUN_ID = randomBytes(3).toString('hex');

const ROOT_MANIFEST = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
/** A package at the version range this repository builds and tests against. */
const pinned = (name: string): string => `${name}@${ROOT_MANIFEST.devDependencies[name] ?? 'latest'}`;

/** The scaffold kinds in this repository's templates folder: one folder with a template.json each. */
const SOURCE_KINDS = fs
  .readdirSync(path.join(REPO_ROOT, 'templates'), { withFileTypes: true })
  .filter((e) => e.isDirectory() && fs.existsSync(path.join(REPO_ROOT, 'templates', e.name, 'template.json')))
  .map((e) => e.name)
  .sort();

type Store = 'postgres' | 'mysql' | 'sqlite';
const DRIVER: Record<Store, string> = { postgres: 'pg', mysql: 'mysql2', sqlite: 'better-sqlite3' };
const DATABASE_URL: Record<Store, string | undefined> = { postgres: SERVICES.postgres.url, mysql: SERVICES.mariadb.url, sqlite: undefined };

interface ProjectSpec {
  name: string;
  typescript: boolean;
  esm: boolean;
  /** The database the project uses (the scaffolds detect it from package.json). */
  store: Store;
  /** The broker client it uses (detected the same way). */
  broker: string;
  /** The environment the generated tests read the broker's address from, when the server is here. */
  brokerEnv: Record<string, string>;
}

const PROJECTS: ProjectSpec[] = [
  { name: 'ts-cjs', typescript: true, esm: false, store: hasPostgres ? 'postgres' : 'sqlite', broker: 'amqplib', brokerEnv: hasRabbitmq ? { AMQP_URL: SERVICES.rabbitmq.url } : {} },
  { name: 'js-esm', typescript: false, esm: true, store: hasMariadb ? 'mysql' : 'sqlite', broker: 'nats', brokerEnv: hasNats ? { NATS_URL: SERVICES.nats.url } : {} },
];

/** A doc page as this repository has it. */
const docPage = (page: string): string => fs.readFileSync(path.join(REPO_ROOT, 'packages/analyzer/docs/rules', `${page}.md`), 'utf8');

const TSCONFIG = {
  compilerOptions: { strict: true, target: 'ES2022', module: 'node16', moduleResolution: 'node16', esModuleInterop: true, skipLibCheck: true, noEmit: true, types: ['node'] },
  include: ['src'],
};

let work: string;
let tarballs: string[];
let failed = false;
/** Tables the scaffolds were told to use, to drop afterwards: [store, table]. */
const tables: Array<[Store, string]> = [];

beforeAll(async () => {
  await ensureBuilt();
  work = tempFolder('eos-package-');
  fs.mkdirSync(path.join(work, 'tarballs'));
  tarballs = await packAll(path.join(work, 'tarballs'));
}, STEP_TIMEOUT_MS);

afterAll(async () => {
  await dropTables(tables);
  if (failed) console.warn(`[package] left ${work} for inspection`);
  else if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe.each(PROJECTS)('eos installed from its packages into a new $name project ($store)', (spec) => {
  let dir: string;
  const eos = (args: string[], env: Record<string, string> = {}): Promise<Run> => run(path.join(dir, 'node_modules', '.bin', 'eos'), args, dir, { env, timeoutMs: 180_000 });
  const scaffolded: string[] = [];

  beforeAll(() => {
    dir = newProject(path.join(work, spec.name), {
      'package.json': `${JSON.stringify({ name: `eos-package-test-${spec.name}`, version: '1.0.0', private: true, ...(spec.esm ? { type: 'module' } : {}) }, null, 2)}\n`,
      ...(spec.typescript ? { 'tsconfig.json': `${JSON.stringify(TSCONFIG, null, 2)}\n` } : {}),
    });
  });

  it(
    'installs from the tarballs alone, within the footprint budget',
    async () => {
      onTestFailed(() => void (failed = true));
      const footprint = await installEos(dir, tarballs);
      console.log(`[package] ${spec.name}: installing eos added ${footprint.packages} packages, ${footprint.megabytes.toFixed(1)} MB, in ${footprint.seconds.toFixed(1)} s (budget: ${FOOTPRINT_BUDGET.packages} packages, ${FOOTPRINT_BUDGET.megabytes} MB, ${FOOTPRINT_BUDGET.seconds} s)`);
      expect(footprint.packages).toBeLessThanOrEqual(FOOTPRINT_BUDGET.packages);
      expect(footprint.megabytes).toBeLessThanOrEqual(FOOTPRINT_BUDGET.megabytes);
      expect(footprint.seconds).toBeLessThanOrEqual(FOOTPRINT_BUDGET.seconds);
      // Not a link into this repository: the installed copies are real folders.
      for (const name of ['@eos/cli', '@eos/analyzer', '@eos/templates']) expect(fs.lstatSync(path.join(dir, 'node_modules', name)).isSymbolicLink()).toBe(false);
    },
    INSTALL_TIMEOUT_MS,
  );

  it('eos --version, eos rules and eos explain work from the installed copy', async () => {
    onTestFailed(() => void (failed = true));
    const version = ok(await eos(['--version']));
    const cli = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string };
    expect(version.stdout.startsWith(`@eos/cli/${cli.version} `)).toBe(true);
    const rules = ok(await eos(['rules', '--json']));
    const rows = jsonOf<Array<{ id: string; explain: string }>>(rules);
    expect(rows.map((r) => r.id)).toEqual(allRules.map((r) => r.meta.id));
    // Every page is read from the package by the SARIF check below; here two as a person asks for them.
    for (const page of [rows[0].id, 'suppressions']) {
      const r = ok(await eos(['explain', page]));
      expect(r.stdout).toBe(docPage(page));
    }
  }, STEP_TIMEOUT_MS);

  it('eos audit on the sample service: exit 1 with the findings the analyzer expects, docs in SARIF, and --fix', async () => {
    onTestFailed(() => void (failed = true));
    const sample = path.join(dir, 'sample');
    fs.cpSync(path.join(REPO_ROOT, 'examples/orders-service/src'), sample, { recursive: true });
    const expected = auditPaths(['sample'], { cwd: dir }).findings.map((f) => `${f.ruleId} ${path.relative(dir, f.file)}:${f.line}:${f.column}`);
    expect(expected.length).toBeGreaterThan(0);

    const json = await eos(['audit', 'sample', '--format', 'json']);
    expect(json.status, explain(json)).toBe(1);
    const report = jsonOf<{ findings: Array<{ ruleId: string; file: string; line: number; column: number }>; errors: unknown[] }>(json);
    expect(report.errors).toEqual([]);
    expect(report.findings.map((f) => `${f.ruleId} ${f.file}:${f.line}:${f.column}`)).toEqual(expected);
    for (const [file, ruleId] of [['sample/consumers/payment-consumer.ts', 'ack-before-process'], ['sample/api/create-order.ts', 'dual-write'], ['sample/consumers/refund-consumer.ts', 'missing-dedup']]) {
      expect(report.findings.some((f) => f.file === file && f.ruleId === ruleId), `${ruleId} in ${file}`).toBe(true);
    }

    const stylish = await eos(['audit', 'sample']);
    expect(stylish.status).toBe(1);
    expect(stylish.stdout).toContain('docs: eos explain ack-before-process');

    const sarif = await eos(['audit', 'sample', '--format', 'sarif']);
    const rulesInLog = jsonOf<{ runs: Array<{ tool: { driver: { rules: Array<{ id: string; help?: { markdown: string } }> } } }> }>(sarif).runs[0].tool.driver.rules;
    expect(rulesInLog.map((r) => r.id)).toEqual(expect.arrayContaining(allRules.map((r) => r.meta.id)));
    for (const rule of rulesInLog) {
      const title = docPage(docPageOf(rule.id)).split('\n')[0];
      expect(rule.help?.markdown.split('\n')[0], rule.id).toBe(title);
    }

    const fix = await eos(['audit', 'sample/consumers/payment-consumer.ts', '--fix', '--format', 'json']);
    expect(jsonOf<{ findings: Array<{ ruleId: string }> }>(fix).findings.filter((f) => f.ruleId === 'ack-before-process')).toEqual([]);
  }, STEP_TIMEOUT_MS);

  it(`scaffolds every kind eos scaffold list reports (${spec.typescript ? 'TypeScript' : 'JavaScript'}, ${spec.esm ? 'ESM' : 'CommonJS'}), then installs what their next steps ask for`, async () => {
    onTestFailed(() => void (failed = true));
    // The project uses its database and broker: the scaffolds detect both from package.json.
    ok(await run('npm', ['install', '--no-audit', '--no-fund', pinned(DRIVER[spec.store]), pinned(spec.broker)], dir, { timeoutMs: INSTALL_TIMEOUT_MS }));

    const list = ok(await eos(['scaffold', 'list']));
    const kinds = [...list.stdout.matchAll(/^eos scaffold (\S+) {2}/gm)].map((m) => m[1]);
    // Every kind this repository holds must reach the user: a template folder left out of the
    // package would otherwise just vanish from the list (and from this test).
    expect([...kinds].sort()).toEqual(SOURCE_KINDS);
    const steps: string[][] = [];
    for (const kind of kinds) {
      const section = list.stdout.slice(list.stdout.indexOf(`eos scaffold ${kind}  `)).split('\n\n')[0];
      // Tables get names of their own, so parallel runs against the shared servers never meet.
      const tableFlags = [...section.matchAll(/^\s+--(\S*table) NAME/gm)].map((m) => m[1]);
      const args = ['scaffold', kind, '--yes', '--out', `src/${kind}`];
      for (const flag of tableFlags) {
        const table = `eos_p${RUN_ID}_${kind}_${flag}`.replace(/-/g, '_').slice(0, 40);
        args.push(`--${flag}`, table);
        tables.push([spec.store, table]);
      }
      const r = await eos(args);
      expect(r.status, explain(r)).toBe(0);
      steps.push(...installSteps(r.stdout));
      scaffolded.push(kind);
    }
    // The project's own tools: its tsc, Node's typings and tsx (which the next steps run TS tests with).
    const tools = spec.typescript ? [pinned('typescript'), pinned('@types/node'), 'tsx@^4'] : [];
    const wanted = new Set([...steps.flat().filter((a) => !a.startsWith('-')), ...tools]);
    if (wanted.size > 0) ok(await run('npm', ['install', '--save-dev', '--no-audit', '--no-fund', ...wanted], dir, { timeoutMs: INSTALL_TIMEOUT_MS }));
  }, STEP_TIMEOUT_MS);

  if (spec.typescript) {
    it('the generated TypeScript type-checks with the project\'s own tsc', async () => {
      onTestFailed(() => void (failed = true));
      expect(scaffolded.length).toBeGreaterThan(0);
      const tsc = await run(path.join(dir, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', '.'], dir, { timeoutMs: 300_000 });
      expect(tsc.status, explain(tsc)).toBe(0);
    }, STEP_TIMEOUT_MS);
  }

  it('the generated code passes eos audit', async () => {
    onTestFailed(() => void (failed = true));
    expect(scaffolded.length).toBeGreaterThan(0);
    const r = await eos(['audit', 'src', '--format', 'json']);
    expect(r.status, explain(r)).toBe(0);
    expect(jsonOf<{ findings: unknown[] }>(r).findings).toEqual([]);
  }, STEP_TIMEOUT_MS);

  it(`the generated tests pass against ${spec.store === 'sqlite' ? 'SQLite' : spec.store === 'postgres' ? 'PostgreSQL' : 'MariaDB'}, none skipped`, async () => {
    onTestFailed(() => void (failed = true));
    expect(scaffolded.length).toBeGreaterThan(0);
    const ext = spec.typescript ? '.test.ts' : '.test.js';
    // Not every kind writes a test (a sink is a connector configuration); the ones written must all pass.
    const files = filesEndingWith(path.join(dir, 'src'), ext, dir);
    expect(files.length).toBeGreaterThan(0);
    const url = DATABASE_URL[spec.store];
    const env: Record<string, string> = { ...spec.brokerEnv, ...(url ? { EOS_TEST_DATABASE_URL: url, OUTBOX_TEST_DATABASE_URL: url, PIPELINE_TEST_DATABASE_URL: url } : {}) };
    // The pipeline's end-to-end test needs the broker too; only a laptop without that server may skip it
    // (in CI requireService has already failed the file).
    const maySkip = (file: string): boolean => Object.keys(spec.brokerEnv).length === 0 && file.includes('pipeline.test');
    for (const file of files) {
      // As the next steps say: tsx for TypeScript, node for JavaScript, from the project root.
      const r = spec.typescript
        ? await run(path.join(dir, 'node_modules', '.bin', 'tsx'), ['--test', file], dir, { env, timeoutMs: 300_000 })
        : await run(process.execPath, ['--test', file], dir, { env, timeoutMs: 300_000 });
      const summary = testSummary(r.stdout);
      if (maySkip(file)) {
        expect({ file, status: r.status, failed: summary.fail }, explain(r)).toEqual({ file, status: 0, failed: 0 });
        continue;
      }
      expect({ file, status: r.status, failed: summary.fail, skipped: summary.skipped }, explain(r)).toEqual({ file, status: 0, failed: 0, skipped: 0 });
      expect(summary.pass, explain(r)).toBeGreaterThan(0);
    }
  }, STEP_TIMEOUT_MS);
});

/** Drops the tables this run's scaffolds created in the shared servers (and their generated tests filled). */
async function dropTables(list: ReadonlyArray<[Store, string]>): Promise<void> {
  const byStore = (store: Store) => list.filter(([s]) => s === store).map(([, t]) => t);
  if (byStore('postgres').length > 0) {
    const { Pool } = await import('pg');
    const pool = new Pool({ connectionString: SERVICES.postgres.url });
    for (const t of byStore('postgres')) await pool.query(`DROP TABLE IF EXISTS "${t}" CASCADE`);
    await pool.end();
  }
  if (byStore('mysql').length > 0) {
    const { createPool } = await import('mysql2/promise');
    const pool = createPool({ uri: SERVICES.mariadb.url });
    for (const t of byStore('mysql')) await pool.query(`DROP TABLE IF EXISTS \`${t}\``);
    await pool.end();
  }
}
