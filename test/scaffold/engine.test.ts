import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  detectProject,
  loadTemplate,
  MissingAnswerError,
  planScaffold,
  quoteSqlIdentifier,
  resolveAnswers,
  resolveOutDir,
  scaffold,
  ScaffoldError,
  toJavaScript,
  writePlan,
  type ScaffoldPlan,
  type WriteFs,
} from '@eos/analyzer';

let root: string;
beforeEach(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'eos-scaffold-engine-')));
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'svc', dependencies: { pg: '^8' } }));
  fs.writeFileSync(path.join(root, 'tsconfig.json'), '{}');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const dedup = () => loadTemplate('dedup');
const plan = async (given: Record<string, unknown>, yes = true): Promise<ScaffoldPlan> => {
  const project = detectProject(root);
  return planScaffold(dedup(), await resolveAnswers(dedup(), { given, project, yes }), project);
};
const errorOf = async (p: Promise<unknown> | (() => unknown)): Promise<ScaffoldError> => {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    if (err instanceof ScaffoldError) return err;
    throw err;
  }
  throw new Error('expected a ScaffoldError');
};

describe('answers', () => {
  it('takes flags over detected defaults, detected over literal defaults', async () => {
    const project = detectProject(root);
    const detected = await resolveAnswers(dedup(), { given: { out: 'src/eos' }, project, yes: true });
    expect(detected).toMatchObject({ store: 'postgres', language: 'ts', module: 'cjs', table: 'eos_processed_messages' });
    const flagged = await resolveAnswers(dedup(), { given: { out: 'src/eos', store: 'redis', language: 'js' }, project, yes: true });
    expect(flagged).toMatchObject({ store: 'redis', language: 'js' });
  });

  it('falls back to SQLite, JS and ESM from an empty ESM project', async () => {
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'svc', type: 'module' }));
    fs.rmSync(path.join(root, 'tsconfig.json'));
    const answers = await resolveAnswers(dedup(), { given: { out: 'x' }, project: detectProject(root), yes: true });
    expect(answers).toMatchObject({ store: 'sqlite', language: 'js', module: 'esm' });
  });

  it('without a terminal and without --yes, names the missing required flag', async () => {
    const err = await errorOf(resolveAnswers(dedup(), { given: { out: 'x' }, project: detectProject(root) }));
    expect(err).toBeInstanceOf(MissingAnswerError);
    expect(err.message).toContain('--store');
    expect(err.exitCode).toBe(2);
  });

  it('asks through the prompt function for what flags do not give, offering the detected default', async () => {
    const asked: string[] = [];
    const answers = await resolveAnswers(dedup(), {
      given: { out: 'x' },
      project: detectProject(root),
      ask: async (v, suggested) => {
        asked.push(`${v.name}=${String(suggested)}`);
        return suggested;
      },
    });
    expect(asked).toEqual(['store=postgres', 'table=eos_processed_messages', 'ordered=false', 'language=ts', 'module=cjs']);
    expect(answers.store).toBe('postgres');
  });

  it.each([
    ['x"; DROP TABLE users; --'],
    ['orders`; DROP TABLE users'],
    ["o'brien"],
    ['Orders'],
    ['1orders'],
    ['a'.repeat(41)],
    [''],
    ['órders'],
  ])('rejects the table name %j', async (table) => {
    const err = await errorOf(plan({ out: 'x', table }));
    expect(err.message).toContain('--table');
    expect(err.exitCode).toBe(2);
  });

  it('rejects an unknown choice', async () => {
    expect((await errorOf(plan({ out: 'x', store: 'mongodb' }))).message).toContain('postgres|mysql|sqlite|redis');
  });
});

describe('SQL identifiers', () => {
  it('quotes per dialect and doubles embedded quotes', () => {
    expect(quoteSqlIdentifier('order', 'postgres')).toBe('"order"');
    expect(quoteSqlIdentifier('order', 'sqlite')).toBe('"order"');
    expect(quoteSqlIdentifier('order', 'mysql')).toBe('`order`');
    expect(quoteSqlIdentifier('a"b', 'postgres')).toBe('"a""b"');
    expect(quoteSqlIdentifier('a`b', 'mysql')).toBe('`a``b`');
  });

  it('renders the dialect quoting into migrations and code', async () => {
    for (const [store, quoted] of [['postgres', '"order"'], ['mysql', '`order`'], ['sqlite', '"order"']] as const) {
      const p = await plan({ out: 'x', store, table: 'order' });
      const migration = p.files.find((f) => f.path.endsWith('migrations/order.sql'));
      expect(migration?.content).toContain(`CREATE TABLE IF NOT EXISTS ${quoted} (`);
      expect(p.files.find((f) => f.path.endsWith('dedup.ts'))?.content).toContain(`const DEDUP_TABLE = '${quoted}';`);
    }
  });
});

describe('--out stays inside the project', () => {
  it.each([['../x'], ['src/../../x'], ['/etc'], [path.join(os.tmpdir(), 'elsewhere')]])('rejects %s', (out) => {
    expect(() => resolveOutDir(root, out)).toThrow(/outside the project/);
  });

  it('hands templates a portable project-relative --out', async () => {
    for (const out of ['./src/eos/', path.join(root, 'src', 'eos')]) {
      const p = await plan({ out, store: 'postgres' });
      expect(p.answers.out).toBe('src/eos');
      expect(p.nextSteps).toContain('Apply src/eos/migrations/eos_processed_messages.sql to the database your work writes to (with your migration tool, or psql -f).');
    }
  });

  it('accepts a nested relative path and an absolute path inside', () => {
    expect(resolveOutDir(root, 'src/eos')).toBe(path.join(root, 'src', 'eos'));
    expect(resolveOutDir(root, path.join(root, 'lib'))).toBe(path.join(root, 'lib'));
  });

  it('rejects a symlink inside the project that points outside', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-outside-'));
    try {
      fs.symlinkSync(outside, path.join(root, 'link'));
      expect(() => resolveOutDir(root, 'link/eos')).toThrow(/symlink/);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('rejects writing through a dangling symlink', async () => {
    fs.mkdirSync(path.join(root, 'x'));
    fs.symlinkSync('/nonexistent-eos-target', path.join(root, 'x', 'dedup.ts'));
    expect((await errorOf(plan({ out: 'x', store: 'sqlite' }))).message).toMatch(/dangling symlink/);
  });
});

describe('writing', () => {
  it('writes every planned file, then reports them unchanged on a second run', async () => {
    const first = await plan({ out: 'src/eos', store: 'sqlite' });
    expect(first.files.map((f) => f.status)).toEqual(first.files.map(() => 'new'));
    writePlan(first);
    for (const f of first.files) expect(fs.readFileSync(f.absolutePath, 'utf8')).toBe(f.content);
    const second = await plan({ out: 'src/eos', store: 'sqlite' });
    expect(second.files.every((f) => f.status === 'unchanged')).toBe(true);
  });

  it('refuses a differing existing file without force (exit 1) and writes nothing at all', async () => {
    const target = path.join(root, 'src', 'eos', 'dedup.ts');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, '// my own code\n');
    const p = await plan({ out: 'src/eos', store: 'sqlite' });
    expect(p.files.find((f) => f.absolutePath === target)?.diff).toContain('-// my own code');
    const err = await errorOf(() => writePlan(p));
    expect(err.exitCode).toBe(1);
    expect(fs.readFileSync(target, 'utf8')).toBe('// my own code\n');
    expect(fs.readdirSync(path.dirname(target))).toEqual(['dedup.ts']);
    writePlan(p, { force: true });
    expect(fs.readFileSync(target, 'utf8')).toContain('export class Dedup');
  });

  it('leaves no partial set behind when a rename fails midway, restoring overwritten files', async () => {
    const existing = path.join(root, 'src', 'eos', 'dedup.ts');
    fs.mkdirSync(path.dirname(existing), { recursive: true });
    fs.writeFileSync(existing, '// old\n');
    const p = await plan({ out: 'src/eos', store: 'postgres' });
    // Files are put in place by a rename (the one replaced with --force) or a link (new files).
    let placed = 0;
    const failing: WriteFs = {
      writeFileSync: (file, data, options) => fs.writeFileSync(file, data, options),
      renameSync: (from, to) => {
        if (++placed === 3) throw new Error('disk full');
        fs.renameSync(from, to);
      },
      linkSync: (from, to) => {
        if (++placed === 3) throw new Error('disk full');
        fs.linkSync(from, to);
      },
    };
    const err = await errorOf(() => writePlan(p, { force: true }, failing));
    expect(err.message).toMatch(/nothing was changed: disk full/);
    expect(fs.readFileSync(existing, 'utf8')).toBe('// old\n');
    const left: string[] = [];
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else left.push(path.relative(root, path.join(d, e.name)));
      }
    };
    walk(path.join(root, 'src'));
    expect(left).toEqual([path.join('src', 'eos', 'dedup.ts')]);
  });
});

describe('templates', () => {
  it('loads every shipped template and rejects an invalid one with every problem listed', () => {
    for (const name of ['dedup', 'consumer', 'outbox', 'saga']) expect(loadTemplate(name).files.length).toBeGreaterThan(0);
    const dir = path.join(root, 'templates', 'broken');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'template.json'),
      JSON.stringify({ name: 'broken', description: '', variables: [{ name: 'store', type: 'choice', prompt: 'x' }], files: [{ source: '../../../etc/passwd', target: 'x', when: { nope: 1 } }] }),
    );
    const err = (() => {
      try {
        loadTemplate('broken', path.join(root, 'templates'));
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err?.message).toContain('description must be a non-empty string');
    expect(err?.message).toContain('choices must be a non-empty array');
    expect(err?.message).toContain("unknown variable 'nope'");
    expect(err?.message).toContain('leaves the templates folder');
  });

  it('fails on a variable the template does not define (strict rendering)', async () => {
    const dir = path.join(root, 'templates', 'strict');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'a.hbs'), 'value: {{missing}}');
    fs.writeFileSync(path.join(dir, 'template.json'), JSON.stringify({ name: 'strict', description: 'd', variables: [], files: [{ source: 'a.hbs', target: 'a.txt' }] }));
    const spec = loadTemplate('strict', path.join(root, 'templates'));
    const project = detectProject(root);
    const answers = await resolveAnswers(spec, { given: { out: 'o' }, project, yes: true });
    expect(() => planScaffold(spec, answers, project)).toThrow(/"missing" not defined/);
  });

  it("renders a file with its own 'with' bindings (source and target), leaving the others' answers alone", async () => {
    const dir = path.join(root, 'templates', 'bound');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'table.hbs'), 'table {{table}} of {{name}} ({{version}})');
    fs.writeFileSync(
      path.join(dir, 'template.json'),
      JSON.stringify({
        name: 'bound',
        description: 'd',
        variables: [{ name: 'name', type: 'identifier', default: 'orders', prompt: 'n' }],
        files: [
          { source: 'table.hbs', target: '{{table}}.sql', with: { table: '{{name}}_outbox', version: 2 } },
          { source: 'table.hbs', target: '{{table}}.sql', with: { table: '{{name}}_inbox', version: 3 } },
        ],
      }),
    );
    const spec = loadTemplate('bound', path.join(root, 'templates'));
    const project = detectProject(root);
    const plan = planScaffold(spec, await resolveAnswers(spec, { given: { out: 'o' }, project, yes: true }), project);
    expect(plan.files.map((f) => [f.path, f.content])).toEqual([
      ['o/orders_outbox.sql', 'table orders_outbox of orders (2)'],
      ['o/orders_inbox.sql', 'table orders_inbox of orders (3)'],
    ]);
    expect(plan.answers).not.toHaveProperty('table');
  });

  it("rejects 'with' bindings that are not name → value, and 'list' on anything but an identifier", () => {
    const dir = path.join(root, 'templates', 'badbind');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'a.hbs'), 'a');
    fs.writeFileSync(
      path.join(dir, 'template.json'),
      JSON.stringify({
        name: 'badbind',
        description: 'd',
        variables: [{ name: 'n', type: 'integer', list: true, prompt: 'n' }],
        files: [{ source: 'a.hbs', target: 'a', with: { 'Bad-Name': 'x', ok: ['list'] } }],
      }),
    );
    expect(() => loadTemplate('badbind', path.join(root, 'templates'))).toThrow(
      /list must be a boolean, and only for type identifier[\s\S]*with: name 'Bad-Name' must match[\s\S]*with\.ok must be a string, number or boolean/,
    );
  });

  it('validates each item of a list answer as the identifier, and keeps the list without spaces', async () => {
    const saga = loadTemplate('saga');
    const project = detectProject(root);
    const steps = saga.variables.find((v) => v.name === 'steps');
    expect(steps?.list).toBe(true);
    const answers = await resolveAnswers(saga, { given: { out: 'o', broker: 'nats', steps: ' reserve , charge,ship ' }, project, yes: true });
    expect(answers.steps).toBe('reserve,charge,ship');
    await expect(resolveAnswers(saga, { given: { out: 'o', broker: 'nats', steps: 'reserve,9lives' }, project, yes: true })).rejects.toThrow(/--steps "9lives": a camelCase name/);
  });

  it('turns TypeScript into ESM or CommonJS JavaScript, keeping comments and blank lines', () => {
    const source = "import type { Pool } from 'pg';\nimport { x } from './x.js';\n\n/** Why. */\nexport const n: number = x;\n\nexport function f(p: Pool): Pool {\n  return p;\n}\n";
    const esm = toJavaScript(source, 'esm', 'a.ts');
    expect(esm).toBe("import { x } from './x.js';\n\n/** Why. */\nexport const n = x;\n\nexport function f(p) {\n    return p;\n}\n");
    const cjs = toJavaScript(source, 'cjs', 'a.ts');
    expect(cjs).toContain('require("./x.js")');
    expect(cjs).toContain('/** Why. */');
  });
});

describe('scaffold(): the one-call API the CLI and the editor share', () => {
  it('plans without writing on a dry run, then writes, asking only for what flags leave open', async () => {
    const asked: string[] = [];
    const ask = async (v: { name: string }, suggested: unknown) => {
      asked.push(v.name);
      return v.name === 'queue' ? 'payments' : suggested;
    };
    const dry = await scaffold({ template: 'consumer', cwd: root, flags: { broker: 'sqs', store: 'postgres', out: 'svc' }, ask, dryRun: true });
    expect(dry.written).toBeUndefined();
    expect(fs.existsSync(path.join(root, 'svc'))).toBe(false);
    expect(asked).toEqual(['queue', 'table', 'ordered', 'fromOutbox', 'language', 'module']);
    expect(dry.plan.files.find((f) => f.path === 'svc/consumer.ts')?.content).toContain("export const QUEUE_NAME = 'payments';");
    expect(dry.nextSteps[0]).toBe('npm install @aws-sdk/client-sqs');
    const real = await scaffold({ template: 'consumer', cwd: path.join(root, 'nested'), flags: { broker: 'sqs', store: 'postgres', out: 'svc', queue: 'payments' }, yes: true });
    expect(real.written?.written).toContain('svc/consumer.ts');
    expect(fs.readFileSync(path.join(root, 'svc', 'consumer.ts'), 'utf8')).toBe(dry.plan.files.find((f) => f.path === 'svc/consumer.ts')?.content);
  });
});


describe('composition: a consumer wired to an eos outbox', () => {
  const consumer = () => loadTemplate('consumer');
  const writeOutbox = async (out: string, broker: string): Promise<void> => {
    const outbox = loadTemplate('outbox');
    const project = detectProject(root);
    writePlan(planScaffold(outbox, await resolveAnswers(outbox, { given: { store: 'postgres', broker, out }, project, yes: true }), project));
  };
  const consumerPlan = async (given: Record<string, unknown>): Promise<ScaffoldPlan> => {
    const project = detectProject(root);
    return planScaffold(consumer(), await resolveAnswers(consumer(), { given: { store: 'postgres', out: 'src/consumer', ...given }, project, yes: true }), project);
  };
  const contentOf = (p: ScaffoldPlan, file: string): string => p.files.find((f) => f.path === file)?.content ?? '';

  it('finds the one outbox for the same broker and imports its settings and header names', async () => {
    await writeOutbox('src/outbox', 'rabbitmq');
    const p = await consumerPlan({ broker: 'rabbitmq' });
    expect(p.answers).toMatchObject({ fromOutbox: 'src/outbox', composed: true, outboxImport: '../outbox' });
    expect(contentOf(p, 'src/consumer/consumer.ts')).toContain("from '../outbox/outbox-publisher.js'");
    expect(contentOf(p, 'src/consumer/consumer.ts')).toContain('export async function bindToOutbox(');
    expect(contentOf(p, 'src/consumer/process-message.ts')).toContain("import { EVENT_HEADERS } from '../outbox/outbox-relay.js';");
    expect(contentOf(p, 'src/consumer/consumer-main.ts')).toContain('publisherSettingsFromEnv(env)');
  });

  it('ignores an outbox of another broker, and does not guess between two', async () => {
    await writeOutbox('src/outbox', 'nats');
    expect((await consumerPlan({ broker: 'rabbitmq' })).answers).toMatchObject({ fromOutbox: 'none', composed: false });
    await writeOutbox('src/other-outbox', 'nats');
    expect((await consumerPlan({ broker: 'nats' })).answers).toMatchObject({ fromOutbox: 'none', composed: false });
    expect((await consumerPlan({ broker: 'nats', fromOutbox: 'src/other-outbox' })).answers).toMatchObject({ composed: true, outboxImport: '../other-outbox' });
  });

  it('refuses --from-outbox naming a folder without an outbox, or an outbox of another broker', async () => {
    fs.mkdirSync(path.join(root, 'src', 'empty'), { recursive: true });
    const none = await errorOf(consumerPlan({ broker: 'kafka', fromOutbox: 'src/empty' }));
    expect(none.exitCode).toBe(2);
    expect(none.message).toContain('--from-outbox src/empty: no eos outbox there');
    await writeOutbox('src/outbox', 'kafka');
    const other = await errorOf(consumerPlan({ broker: 'sqs', fromOutbox: 'src/outbox' }));
    expect(other.message).toContain('--from-outbox src/outbox: that outbox publishes to kafka, not sqs');
    expect((await consumerPlan({ broker: 'kafka', fromOutbox: 'none' })).answers.composed).toBe(false);
  });

  it('refuses --ordered with Redis: the position must commit with the work', async () => {
    expect((await errorOf(consumerPlan({ broker: 'kafka', store: 'redis', ordered: true }))).message).toContain('--ordered needs a SQL store');
  });
});

describe('includes', () => {
  const templates = (): string => path.join(root, 'templates');
  const writeTemplate = (name: string, spec: Record<string, unknown>, files: Record<string, string> = {}): void => {
    const dir = path.join(templates(), name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'template.json'), JSON.stringify({ name, description: 'd', variables: [], files: [], ...spec }));
    for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
  };
  const planOf = async (name: string): Promise<ScaffoldPlan> => {
    const spec = loadTemplate(name, templates());
    const project = detectProject(root);
    return planScaffold(spec, await resolveAnswers(spec, { given: { out: 'gen' }, project, yes: true }), project);
  };

  it('renders the included template into its sub-folder with the answers given, and merges its next steps', async () => {
    writeTemplate(
      'part',
      { variables: [{ name: 'word', type: 'identifier', default: 'x', prompt: 'w' }], files: [{ source: 'a.hbs', target: '{{word}}.txt' }], nextSteps: [{ text: 'part wrote {{file (concat word ".txt")}}' }] },
      { 'a.hbs': 'word={{word}} out={{out}}' },
    );
    writeTemplate('whole', { includes: [{ template: 'part', out: 'p', answers: { word: 'hello' } }], nextSteps: [{ text: 'whole sees {{file "p/hello.txt"}}' }] });
    const p = await planOf('whole');
    expect(p.files.map((f) => [f.path, f.content])).toEqual([['gen/p/hello.txt', 'word=hello out=gen/p']]);
    expect(p.nextSteps).toEqual(['part wrote gen/p/hello.txt', 'whole sees gen/p/hello.txt']);
  });

  it('leaves out an included template\'s next steps when told to', async () => {
    writeTemplate('part', { files: [{ source: 'a.hbs', target: 'a.txt' }], nextSteps: [{ text: 'from the part' }] }, { 'a.hbs': 'a' });
    writeTemplate('whole', { includes: [{ template: 'part', out: 'p', answers: {}, nextSteps: false }], nextSteps: [{ text: 'from the whole' }] });
    expect((await planOf('whole')).nextSteps).toEqual(['from the whole']);
  });

  it('is a template error when a next step names a file the plan does not write', async () => {
    writeTemplate('liar', { files: [{ source: 'a.hbs', target: 'a.js' }], nextSteps: [{ text: 'run {{runTest "a.test.ts"}}' }] }, { 'a.hbs': 'a' });
    const err = await errorOf(planOf('liar'));
    expect(err.kind).toBe('template');
    expect(err.message).toContain("next step names 'a.test.ts', which this plan does not write");
  });

  it('rejects an include cycle and an include of a missing template', async () => {
    writeTemplate('ping', { includes: [{ template: 'pong', out: 'x', answers: {} }] });
    writeTemplate('pong', { includes: [{ template: 'ping', out: 'y', answers: {} }] });
    expect((await errorOf(planOf('ping'))).message).toContain('includes form a cycle (ping → pong → ping)');
    writeTemplate('lonely', { includes: [{ template: 'nobody', out: 'x', answers: {} }] });
    expect((await errorOf(() => loadTemplate('lonely', templates()))).message).toContain("no template 'nobody'");
  });

  it('the pipeline wires its consumer to its own outbox, planned in the same run', async () => {
    const spec = loadTemplate('pipeline');
    const project = detectProject(root);
    const p = planScaffold(spec, await resolveAnswers(spec, { given: { store: 'sqlite', broker: 'nats', ordered: true, out: 'src/orders' }, project, yes: true }), project);
    const paths = p.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['src/orders/outbox/outbox-relay.ts', 'src/orders/consumer/consumer.ts', 'src/orders/pipeline.test.ts', 'src/orders/pipeline-test-process.ts']));
    const consumerCode = p.files.find((f) => f.path === 'src/orders/consumer/consumer.ts')?.content ?? '';
    expect(consumerCode).toContain("import { streamSubjectsOf } from '../outbox/outbox-publisher.js';");
    expect(consumerCode).toContain('max_ack_pending: MAX_ACK_PENDING');
  });
});
