import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProjectIndex } from '../project/project-index';

/**
 * The transport a NestJS app serves, read from its bootstrap file: a controller's
 * `@EventPattern` handlers usually name no transport, which is chosen once in `main.ts`
 * (`NestFactory.createMicroservice(AppModule, { transport: Transport.KAFKA })` or
 * `app.connectMicroservice({ transport: Transport.RMQ, … })`). The bootstrap of a controller is
 * the entry file (main, bootstrap, server) that starts a microservice in the nearest folder above
 * it, up to the package's folder (the one with a package.json): Nest keeps `src/main.ts` above
 * the modules it loads; an entry that names no transport itself is read through its relative
 * imports, two steps deep (`connectMicroservices(app)` in one module, the Kafka options built in
 * another). Only an entry that starts exactly one of the two transports eos knows
 * answers: with several (a hybrid app) or another one (TCP, Redis, NATS core, gRPC) the handler's
 * guarantees are not one broker's.
 */

type NestTransport = 'kafka' | 'rabbitmq';

const ENTRY_FILES = ['main', 'bootstrap', 'server'].flatMap((n) => [`${n}.ts`, `${n}.js`]);
const STARTS_MICROSERVICE = /\b(createMicroservice|connectMicroservices?|startAllMicroservices)\b/;
/** How many steps of relative imports are read from an entry that names no transport itself. */
const IMPORT_DEPTH = 2;
/** Files read per entry while following its imports. */
const MAX_IMPORTED = 12;
const RELATIVE_IMPORT = /(?:from\s+|require\(\s*|import\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;
const TRANSPORT = /\bTransport\.([A-Z_]+)\b/g;
const KNOWN: Record<string, NestTransport> = { KAFKA: 'kafka', RMQ: 'rabbitmq' };
/** Folders walked up from the controller (src/modules/orders/controllers → src). */
const MAX_LEVELS = 6;

/** Per project, per folder: the transport its entry files start (null: they start none, several or another). */
const byProject = new WeakMap<ProjectIndex, Map<string, NestTransport | null | 'no-entry'>>();

/** The one transport the Nest app holding `file` starts in its bootstrap, or undefined. */
export function appTransport(file: string, project: ProjectIndex): NestTransport | undefined {
  let dir = path.dirname(path.resolve(file));
  for (let level = 0; level < MAX_LEVELS; level++) {
    const found = entryTransport(dir, project);
    if (found !== 'no-entry') return found ?? undefined;
    if (fs.existsSync(path.join(dir, 'package.json')) || path.dirname(dir) === dir) return undefined;
    dir = path.dirname(dir);
  }
  return undefined;
}

/** What the entry files of one folder start; 'no-entry' when none of them starts a microservice. */
function entryTransport(dir: string, project: ProjectIndex): NestTransport | null | 'no-entry' {
  let known = byProject.get(project);
  if (!known) byProject.set(project, (known = new Map()));
  const hit = known.get(dir);
  // A cached analysis must still record the files the answer rests on.
  if (hit !== undefined && !project.tracking) return hit;
  const seen = new Set<string>();
  let entry = false;
  for (const name of ENTRY_FILES) {
    const file = path.join(dir, name);
    const text = project.readFile(file);
    if (!text || !STARTS_MICROSERVICE.test(text)) continue;
    entry = true;
    const own = transportsIn(text);
    // `await connectMicroservices(app)` / `{ ...kafkaOptions(config) }`: the options are built in
    // a module of the app (as generated apps do); its relative imports are read, two steps deep.
    for (const t of own.size > 0 ? own : importedTransports(file, text, project, IMPORT_DEPTH)) seen.add(t);
  }
  const names = [...seen];
  const answer = !entry ? 'no-entry' : names.length === 1 ? KNOWN[names[0]] ?? null : null;
  known.set(dir, answer);
  return answer;
}

function transportsIn(text: string): Set<string> {
  return new Set([...text.matchAll(TRANSPORT)].map((m) => m[1]));
}

/** The transports named in the files `file` imports by a relative path, `depth` steps deep (bounded). */
function importedTransports(file: string, text: string, project: ProjectIndex, depth: number): Set<string> {
  const out = new Set<string>();
  const seen = new Set<string>([file]);
  let frontier: Array<{ file: string; text: string }> = [{ file, text }];
  for (let level = 0; level < depth && frontier.length > 0; level++) {
    const next: Array<{ file: string; text: string }> = [];
    for (const from of frontier) {
      for (const m of from.text.matchAll(RELATIVE_IMPORT)) {
        // Nest modules register clients (`ClientsModule.register`), whose transports are not the
        // app's: only plain modules (option builders, bootstrap helpers) are read.
        if (/\.module$/.test(m[1])) continue;
        const target = project.resolveModuleCached(from.file, m[1]);
        if (!target || seen.has(target) || seen.size > MAX_IMPORTED) continue;
        seen.add(target);
        const imported = project.readFile(target);
        if (!imported) continue;
        for (const t of transportsIn(imported)) out.add(t);
        next.push({ file: target, text: imported });
      }
    }
    frontier = next;
  }
  return out;
}
