#!/usr/bin/env node
/**
 * `node eval/recognition/run.mjs [--verbose] [--json FILE] [--dist DIR] DIR...`
 *
 * Handler recognition on code eos was not tuned on. For each folder it lists
 *  (a) the broker subscription / handler-registration sites a generous text probe finds
 *      (amqplib `consume`, kafkajs `eachMessage`/`eachBatch`, BullMQ/Bull workers and processors,
 *      sqs-consumer, SQS Lambdas, NestJS message patterns, golevelup, Pub/Sub, NATS, Redis
 *      streams, webhook routes, ...), and
 *  (b) the consumers eos recognises (the analyzer's own `consumersOf`, through the built API),
 * and prints the sites of (a) that no consumer of (b) covers: the recognition misses. The probe
 * over-approximates on purpose (a site may be a publisher or a test); read the list, do not score
 * it. A development tool: needs a built analyzer (`npx tsc -b`), not part of CI. `--dist` names
 * another build of packages/analyzer (another checkout's), to compare before and after a change.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const distArg = process.argv.indexOf('--dist');
const dist = distArg > 0 ? path.resolve(process.argv[distArg + 1]) : path.resolve(here, '../../packages/analyzer/dist');
const { Analyzer } = await import(path.join(dist, 'index.js'));
// The files are always found by this checkout's build, so that two builds see the same files.
const { discoverFiles } = await import(path.resolve(here, '../../packages/analyzer/dist/index.js'));
const { consumersOf } = await import(path.join(dist, 'facts/consumers.js'));

/** Probe patterns, one per registration shape; `file` narrows a pattern to files that mention a library. */
const PROBES = [
  { kind: 'amqp consume', line: /\.consume\(\s*[^{)]/, file: /amqp|rabbit|channel/i },
  { kind: 'kafka eachMessage/eachBatch', line: /\beach(Message|Batch)\s*[:(,]/ },
  { kind: 'bullmq Worker', line: /new\s+Worker\s*(<[^>]*>)?\(/, file: /bullmq|bull/ },
  { kind: 'nest @Processor', line: /@Processor\(/ },
  { kind: 'bull process()', line: /\.process\(/, file: /['"]bull['"]|bull/ },
  { kind: 'sqs-consumer', line: /Consumer\.create\(/ },
  { kind: 'lambda Records', line: /\.Records\b/, file: /SQS|sqs|ReceiptHandle|messageId/ },
  { kind: 'nest pattern', line: /@(EventPattern|MessagePattern)\(/ },
  { kind: 'golevelup', line: /@RabbitSubscribe\(|@RabbitRPC\(|createSubscriber\(/ },
  { kind: 'sqs decorator', line: /@SqsMessageHandler\(/ },
  { kind: 'pubsub/stan on(message)', line: /\.on\(\s*['"`]message['"`]/ },
  { kind: 'nats subscribe', line: /\.(subscribe|pullSubscribe)\(/, file: /['"](nats|node-nats-streaming|@nats-io\/[\w-]+)['"]/ },
  { kind: 'jetstream consume/fetch', line: /\.(consume|fetch|next)\(/, file: /['"](nats|@nats-io\/jetstream)['"]/ },
  { kind: 'redis xreadgroup', line: /xreadgroup|xReadGroup|XREADGROUP/ },
  { kind: 'webhook route', line: /(\.post|@Post)\(\s*['"`][^'"`]*(webhook|hook|callback)/i },
];

const TEST_FILE = /(^|[\\/])(__tests__|tests?|spec|e2e|__mocks__|mocks?)[\\/]|\.(test|spec|e2e-spec)\.[cm]?[jt]sx?$/;

function parseArgs(argv) {
  const opts = { dirs: [], verbose: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--verbose') opts.verbose = true;
    else if (argv[i] === '--json') opts.json = argv[++i];
    else if (argv[i] === '--dist') i++;
    else opts.dirs.push(argv[i]);
  }
  if (opts.dirs.length === 0) {
    console.error('usage: node eval/recognition/run.mjs [--verbose] [--json FILE] [--dist DIR] DIR...');
    process.exit(2);
  }
  return opts;
}

/** A rule that records every consumer eos recognises in a file, and reports nothing. */
function recorderRule(sink) {
  return {
    meta: { id: 'recognition-probe', severity: 'info', description: 'records consumers', docs: '', category: 'probe' },
    messages: {},
    triggers: /[\s\S]/,
    create(context) {
      return {
        end() {
          for (const c of consumersOf(context.facts, context.project)) {
            const span = (node) => {
              const sf = node.getSourceFile();
              return {
                file: sf.fileName,
                from: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1,
                to: sf.getLineAndCharacterOfPosition(node.end).line + 1,
              };
            };
            sink.push({
              library: c.library,
              registration: span(c.registration),
              handler: c.handler ? span(c.handler) : undefined,
              scope: c.scope ? span(c.scope) : undefined,
            });
          }
        },
      };
    },
  };
}

function probeFile(file, text) {
  const sites = [];
  const lines = text.split('\n');
  for (const probe of PROBES) {
    if (probe.file && !probe.file.test(text)) continue;
    lines.forEach((l, i) => {
      const trimmed = l.trim();
      if (trimmed.startsWith('//') || trimmed.startsWith('*')) return;
      if (probe.line.test(l)) sites.push({ file, line: i + 1, kind: probe.kind, text: trimmed.slice(0, 110) });
    });
  }
  return sites;
}

/** A site is covered when a recognised consumer's registration, handler or scope spans its line (or starts just below a decorator). */
function covered(site, consumers) {
  return consumers.some((c) => [c.registration, c.handler, c.scope].some((s) =>
    s && path.resolve(s.file) === path.resolve(site.file) && s.from - 3 <= site.line && site.line <= s.to));
}

function auditDir(dir, verbose) {
  const discovery = discoverFiles([dir]);
  const files = discovery.files.filter((f) => !/\.d\.[cm]?ts$/.test(f));
  const consumers = [];
  const analyzer = new Analyzer({ rules: [recorderRule(consumers)], prefilter: false, projectFiles: files });
  const sites = [];
  let errors = 0;
  for (const file of files) {
    let text;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    if (text.length > 1_000_000) continue;
    const result = analyzer.analyzeText(file, text);
    errors += (result.internalErrors ?? []).length;
    if (verbose) for (const e of result.internalErrors ?? []) console.error(`  internal error ${file}: ${e.message ?? JSON.stringify(e)}`);
    sites.push(...probeFile(file, text));
  }
  const unique = new Map();
  for (const c of consumers) unique.set(`${c.registration.file}:${c.registration.from}:${c.handler?.file}:${c.handler?.from}`, c);
  const recognised = [...unique.values()];
  const misses = sites.filter((s) => !covered(s, recognised));
  return { dir, files: files.length, sites, recognised, misses, errors };
}

const opts = parseArgs(process.argv.slice(2));
const all = [];
let totalSites = 0, totalMisses = 0, totalProdMisses = 0, totalRecognised = 0;
for (const dir of opts.dirs) {
  const r = auditDir(dir, opts.verbose);
  all.push(r);
  const prodMisses = r.misses.filter((s) => !TEST_FILE.test(path.relative(dir, s.file)));
  totalSites += r.sites.length; totalMisses += r.misses.length; totalProdMisses += prodMisses.length; totalRecognised += r.recognised.length;
  console.log(`\n## ${dir}: ${r.files} files, ${r.sites.length} probe sites, ${r.recognised.length} consumers recognised, ${r.misses.length} sites not covered (${prodMisses.length} outside tests)${r.errors ? `, ${r.errors} internal errors` : ''}`);
  for (const s of prodMisses) console.log(`  miss  ${path.relative(dir, s.file)}:${s.line}  [${s.kind}]  ${s.text}`);
  if (opts.verbose) {
    for (const c of r.recognised) console.log(`  found ${c.library}  ${path.relative(dir, c.registration.file)}:${c.registration.from}${c.handler ? ` → ${path.relative(dir, c.handler.file)}:${c.handler.from}` : ''}`);
  }
}
console.log(`\nTOTAL: ${opts.dirs.length} folders, ${totalSites} probe sites, ${totalRecognised} consumers recognised, ${totalMisses} not covered (${totalProdMisses} outside tests)`);
if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(all.map((r) => ({ dir: r.dir, files: r.files, sites: r.sites.length, recognised: r.recognised, misses: r.misses })), null, 2));
