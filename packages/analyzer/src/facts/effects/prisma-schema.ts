import * as path from 'node:path';
import { ts } from 'ts-morph';
import type { ProjectIndex } from '../project/project-index';
import { unwrap } from '../origins';
import { objectLiteralOf, propertyNameText, propertyValue } from '../syntax';
import { FRESH_KEY } from './db';

/**
 * Unique keys of the project's Prisma models, read from the `schema.prisma` nearest a file
 * (`<dir>/prisma/schema.prisma` or `<dir>/schema.prisma`, up to MAX_UP folders up). An insert that
 * writes every field of one of these keys, with a value that is not made fresh on each run, fails
 * on a repeated message instead of adding a second row: the database is the dedup.
 */

/** Folders climbed from the file's own looking for a schema. */
const MAX_UP = 6;

/** Per model (lower-case name), its unique keys: each a list of fields (`@id`, `@unique`, `@@id`, `@@unique`). */
type SchemaKeys = Map<string, string[][]>;

interface SchemaMemo {
  /** Folder → the schema file that answers for it, or null when none was found. */
  schemaOf: Map<string, string | null>;
  keys: Map<string, SchemaKeys>;
}

const memos = new WeakMap<ProjectIndex, SchemaMemo>();

function memoOf(project: ProjectIndex): SchemaMemo {
  let m = memos.get(project);
  if (!m) memos.set(project, (m = { schemaOf: new Map(), keys: new Map() }));
  return m;
}

/** The unique keys of the schema that answers for `file`, or undefined when the project has none nearby. */
function schemaKeysFor(file: string, project: ProjectIndex): SchemaKeys | undefined {
  const memo = memoOf(project);
  const start = path.dirname(path.resolve(file));
  const climbed: string[] = [];
  let found: string | null | undefined;
  for (let dir = start, up = 0; up <= MAX_UP; up++) {
    // While a cached analysis records what it read, the probes are made again so that a schema
    // added later (where none was found) invalidates it.
    found = project.tracking ? undefined : memo.schemaOf.get(dir);
    if (found !== undefined) break;
    climbed.push(dir);
    for (const candidate of [path.join(dir, 'prisma', 'schema.prisma'), path.join(dir, 'schema.prisma')]) {
      if (project.record(candidate)) {
        found = candidate;
        break;
      }
    }
    if (found) break;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const dir of climbed) memo.schemaOf.set(dir, found ?? null);
  if (!found) return undefined;
  let keys = memo.keys.get(found);
  if (!keys) memo.keys.set(found, (keys = readKeys(project.readFile(found) ?? '')));
  // A cached analysis records the schema its answer rests on (once per analysis, not re-read).
  else if (project.tracking) project.record(found);
  return keys;
}

/** Reads the unique keys of every model in a schema's text. */
export function readKeys(text: string): SchemaKeys {
  const out: SchemaKeys = new Map();
  const model = /^\s*model\s+(\w+)\s*\{([\s\S]*?)^\s*\}/gm;
  for (let m = model.exec(text); m; m = model.exec(text)) {
    const keys: string[][] = [];
    for (const line of m[2].split('\n')) {
      const code = line.replace(/\/\/.*$/, '');
      const compound = /^\s*@@(?:id|unique)\s*\(\s*(?:fields\s*:\s*)?\[([^\]]*)\]/.exec(code);
      if (compound) {
        keys.push(compound[1].split(',').map((f) => f.trim().replace(/\(.*$/, '')).filter(Boolean));
        continue;
      }
      const field = /^\s*(\w+)\s+\w+(?:\[\])?\??\s.*@(?:id|unique)\b/.exec(code + ' ');
      // A key the database makes itself (`@default(uuid())`) is never taken from the message.
      if (field && !/@default\(/.test(code)) keys.push([field[1]]);
    }
    out.set(m[1].toLowerCase(), keys);
  }
  return out;
}

/**
 * Whether `prisma.<model>.create({ data })` writes a whole unique key of its model with values
 * that are not fresh (`email: event.email`, not `id: randomUUID()`), so that a repeat fails
 * instead of inserting again.
 */
export function prismaCreateHitsUniqueKey(call: ts.CallExpression, model: string, project: ProjectIndex): boolean {
  const args = objectLiteralOf(call.arguments[0]);
  const data = args && objectLiteralOf(propertyValue(args, 'data'));
  if (!data) return false;
  const keys = schemaKeysFor(call.getSourceFile().fileName, project)?.get(model.toLowerCase());
  if (!keys || keys.length === 0) return false;
  const written = new Map<string, ts.Node>();
  for (const p of data.properties) {
    if (ts.isPropertyAssignment(p)) {
      const name = propertyNameText(p.name);
      if (name) written.set(name, unwrap(p.initializer));
    } else if (ts.isShorthandPropertyAssignment(p)) written.set(p.name.text, p.name);
  }
  return keys.some((key) => key.every((f) => {
    const v = written.get(f);
    return v !== undefined && !FRESH_KEY.test(v.getText()) && !ts.isLiteralExpression(v);
  }));
}
