/**
 * Proves the option knowledge of facts/broker-options.ts against the client libraries' own type
 * definitions (installed at the repository root): every `known` list is exactly the type's
 * property list, no myth is secretly a real option, and every alternative a message names exists.
 * A library upgrade that adds or renames options fails here, so the table is reviewed, not stale.
 */
import * as path from 'node:path';
import { ts } from 'ts-morph';
import { describe, expect, it } from 'vitest';
import { keyProblem, OPTION_SITES } from '../src/facts/broker-options';

/** Property names of each site's type, read through a program over one in-memory file. */
function realOptionNames(): Map<string, string[]> {
  const file = path.join(__dirname, '__option-types.ts');
  const lines = OPTION_SITES.map((s, i) => {
    const names = s.type.name.split(/\s*&\s*/).map((n) => `import('${s.type.module}').${n}`);
    return `export type T${i} = ${names.join(' & ')};`;
  });
  const text = lines.join('\n');
  const options: ts.CompilerOptions = { strict: true, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, skipLibCheck: true, types: [], noEmit: true };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, onError) => (path.resolve(name) === file ? ts.createSourceFile(file, text, version) : read(name, version, onError));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => path.resolve(name) === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  const checker = program.getTypeChecker();
  const sf = program.getSourceFile(file)!;
  const out = new Map<string, string[]>();
  sf.statements.forEach((stmt, i) => {
    if (!ts.isTypeAliasDeclaration(stmt)) return;
    const type = checker.getTypeAtLocation(stmt.name);
    out.set(OPTION_SITES[i].id, checker.getPropertiesOfType(type).map((p) => p.getName()));
  });
  return out;
}

const real = realOptionNames();

describe.each(OPTION_SITES.map((s) => [s.id, s] as const))('option site %s', (_id, site) => {
  const names = real.get(site.id) ?? [];

  it('resolves the library type', () => {
    expect(names.length, `${site.type.module} ${site.type.name} not found`).toBeGreaterThan(0);
  });

  it('knows exactly the options the library type declares', () => {
    expect([...site.known].sort()).toEqual([...names].sort());
  });

  it.each(Object.keys(site.myths).length ? Object.keys(site.myths) : ['(none)'])('myth %s is not a real option, and its alternative is', (key) => {
    if (key === '(none)') return;
    expect(names).not.toContain(key);
    const myth = site.myths[key];
    if (myth.real) {
      const dot = myth.real.lastIndexOf('.');
      const where = myth.real.slice(0, dot);
      expect(real.get(where), `site ${where}`).toContain(myth.real.slice(dot + 1));
    }
    if (myth.rename) expect(names).toContain(myth.rename.to);
  });
});

describe('keyProblem', () => {
  const site = (id: string) => OPTION_SITES.find((s) => s.id === id)!;

  it('reads case and separator slips and one-letter typos as misspellings of the real name', () => {
    expect(keyProblem(site('nats.publish'), 'msgId')).toEqual({ kind: 'misspelled', intended: 'msgID' });
    expect(keyProblem(site('nats.consumerConfig'), 'ackWait')).toEqual({ kind: 'misspelled', intended: 'ack_wait' });
    expect(keyProblem(site('kafkajs.run'), 'autoCommitIntervall')).toEqual({ kind: 'misspelled', intended: 'autoCommitInterval' });
  });

  it('stays quiet on keys it cannot place (newer options, the caller\'s own fields)', () => {
    expect(keyProblem(site('kafkajs.producer'), 'somethingNew')).toBeUndefined();
    expect(keyProblem(site('amqplib.publish'), 'type')).toBeUndefined();
    // Short names are too close to each other for a one-letter difference to mean a typo.
    expect(keyProblem(site('kafkajs.send'), 'ack')).toBeUndefined();
  });
});
