/**
 * Cross-file method lookups answered from file outlines (facts/project/outline): a method of an
 * imported class is found without keeping the class's tree, and a file whose text cannot declare
 * the method is not parsed at all.
 */
import { describe, expect, it } from 'vitest';
import { ts } from 'ts-morph';
import { parseSource } from '../src/engine/parse';
import { FileFacts } from '../src/facts/file-facts';
import { ProjectIndex } from '../src/facts/project/project-index';
import { calleesOf } from '../src/facts/summaries/callees';
import { walkTree } from '../src/facts/tree-walk';

const FILES: Record<string, string> = {
  '/p/mailer.ts': "export class Mailer {\n  async notify(to: string) { await fetch('https://mail.example/send', { method: 'POST', body: to }); }\n}\nexport const mailer = new Mailer();\n",
  '/p/order.ts': "import { mailer } from './mailer';\nexport async function place() { await mailer.notify('a'); await mailer.archive('a'); }\n",
};

function factsOf(file: string): FileFacts {
  const facts = new FileFacts(parseSource(file, FILES[file]));
  walkTree(facts.sourceFile, (n) => facts.observe(n));
  return facts;
}

/** A project over FILES that counts the parses of other files, with the order service's calls. */
function setUp(): { project: ProjectIndex; parses: string[]; facts: FileFacts; call: (method: string) => ts.CallExpression } {
  const parses: string[] = [];
  const project = new ProjectIndex({ readFile: (f) => FILES[f] }, (f) => (parses.push(f), factsOf(f)), Object.keys(FILES));
  const facts = factsOf('/p/order.ts');
  project.remember(facts);
  const call = (method: string) => facts.calls.find((c) => ts.isPropertyAccessExpression(c.expression) && c.expression.name.text === method)!;
  return { project, parses, facts, call };
}

describe('method lookups through file outlines', () => {
  it('finds the method of an imported singleton, parsing its file once', () => {
    const { project, parses, facts, call } = setUp();
    const [callee] = calleesOf(call('notify'), facts, project);
    expect(callee.label).toBe('Mailer.notify');
    expect(callee.load()?.fn.getText()).toMatch(/^async notify/);
    expect(parses).toEqual(['/p/mailer.ts']);
  });

  it('does not parse a file whose text cannot declare the method called', () => {
    const { project, parses, facts, call } = setUp();
    expect(calleesOf(call('archive'), facts, project)).toEqual([]);
    expect(parses).toEqual([]);
  });
});
