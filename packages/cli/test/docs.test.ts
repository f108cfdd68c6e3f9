/** How the CLI points at rule docs and shows them: references, links between pages, terminal rendering. */
import { describe, expect, it } from 'vitest';
import { docsReference, resolvePageLinks } from '../src/docs/references';
import { renderMarkdown } from '../src/docs/terminal-markdown';

const published = (page: string) => `https://docs.example.org/rules/${page}.md`;
const unpublished = () => undefined;

describe('docsReference', () => {
  it('is the eos explain command while the docs are not published, the web address once they are', () => {
    expect(docsReference('dual-write', unpublished)).toBe('eos explain dual-write');
    expect(docsReference('dual-write', published)).toBe('https://docs.example.org/rules/dual-write.md');
  });

  it('sends both suppression checks to the suppressions page', () => {
    expect(docsReference('unused-suppression', unpublished)).toBe('eos explain suppressions');
    expect(docsReference('invalid-suppression', published)).toBe('https://docs.example.org/rules/suppressions.md');
  });
});

describe('resolvePageLinks', () => {
  const page = 'reported by [nonexistent-broker-option](nonexistent-broker-option.md) instead; see [RabbitMQ](https://www.rabbitmq.com/docs/confirms).';

  it('turns links to sibling pages into eos explain commands, leaving web links alone', () => {
    expect(resolvePageLinks(page, unpublished)).toBe(
      'reported by nonexistent-broker-option (`eos explain nonexistent-broker-option`) instead; see [RabbitMQ](https://www.rabbitmq.com/docs/confirms).',
    );
  });

  it('points them at the published pages when there are some', () => {
    expect(resolvePageLinks(page, published)).toBe(
      'reported by [nonexistent-broker-option](https://docs.example.org/rules/nonexistent-broker-option.md) instead; see [RabbitMQ](https://www.rabbitmq.com/docs/confirms).',
    );
  });
});

describe('renderMarkdown', () => {
  const doc = [
    '# dual-write',
    '',
    '**Consequence: event lost.** Use `INSERT … ON CONFLICT` ([docs](https://x.org/a)).',
    '',
    '## Examples',
    '',
    '```ts',
    'await db.insert(order);',
    '',
    'await broker.publish(event); // **not bold**, `not code`',
    '```',
    '',
    '| a | b |',
  ].join('\n');

  it('without colour: no fences, code indented and kept verbatim, emphasis dropped, backticks kept, links spelled out', () => {
    expect(renderMarkdown(doc, false).split('\n')).toEqual([
      'dual-write',
      '',
      'Consequence: event lost. Use `INSERT … ON CONFLICT` (docs (https://x.org/a)).',
      '',
      'Examples',
      '',
      '    await db.insert(order);',
      '',
      '    await broker.publish(event); // **not bold**, `not code`',
      '',
      '| a | b |',
    ]);
  });

  it('with colour: headings bold (the title underlined), inline code and code blocks highlighted, no backticks', () => {
    const out = renderMarkdown(doc, true).split('\n');
    expect(out[0]).toBe('\u001b[1m\u001b[4mdual-write\u001b[24m\u001b[22m');
    expect(out[2]).toBe('\u001b[1mConsequence: event lost.\u001b[22m Use \u001b[36mINSERT … ON CONFLICT\u001b[39m (docs \u001b[2m(https://x.org/a)\u001b[22m).');
    expect(out[4]).toBe('\u001b[1mExamples\u001b[22m');
    expect(out[6]).toBe('    \u001b[36mawait db.insert(order);\u001b[39m');
  });
});
