/**
 * Meta test of the rule catalogue's conventions, each check able to fail on its own:
 *
 * - a rule's module is named after its id: `src/rules/<id>.ts` (or `src/rules/<id>/index.ts`);
 * - its doc page's header agrees with its meta: the generated line under the title is what
 *   `docHeader` makes of the meta (rewrite with EOS_WRITE_DOC_HEADERS=1), and a hand-written
 *   "Severity:" in the header says the same severity;
 * - fixtures with a `.fixed` twin (the result of the safe fixes, what `eos audit --fix` writes)
 *   exist exactly for the rules whose `fixable` is 'safe';
 * - every message states its consequence with one of the phrases of the rule's consequence
 *   (CONSEQUENCE_PHRASES, in parentheses) and says what to do after "Fix: ".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allRules, type Consequence, type Rule } from '@eos/analyzer';
import { FIXTURES } from './fixture-runner';

const SRC_RULES = path.join(__dirname, '..', 'src', 'rules');
const DOCS = path.join(__dirname, '..', 'docs', 'rules');

/** The phrases a message may use to state a consequence, by the rule's `meta.consequence`. */
export const CONSEQUENCE_PHRASES: Readonly<Record<Consequence, readonly string[]>> = {
  'message-lost': ['(message lost)'],
  'effect-doubled': ['(effect doubled)'],
  'message-lost-or-doubled': ['(message lost)', '(effect doubled)'],
  'event-lost-or-phantom': ['(event lost)', '(phantom event)'],
  'poison-loop': ['(poison loop)'],
  'option-ignored': ['(option ignored)'],
};

/** What a message must contain besides the consequence: the fix, after this marker. */
const FIX_MARKER = /\bFix: \S/;

/** The problems of one message against the convention (empty when it follows it). */
export function messageProblems(consequence: Consequence, message: string): string[] {
  const problems: string[] = [];
  const phrases = CONSEQUENCE_PHRASES[consequence];
  if (!phrases.some((p) => message.includes(p))) problems.push(`states no consequence (one of ${phrases.join(', ')})`);
  if (!FIX_MARKER.test(message)) problems.push('says no fix ("Fix: ...")');
  return problems;
}

const LABELS: Readonly<Record<Consequence, string>> = {
  'message-lost': 'message lost',
  'effect-doubled': 'effect doubled',
  'message-lost-or-doubled': 'message lost or effect doubled',
  'event-lost-or-phantom': 'event lost or phantom event',
  'poison-loop': 'poison loop',
  'option-ignored': 'option ignored',
};

const GENERATED = '<!-- generated from the rule meta (rule-meta.test.ts; EOS_WRITE_DOC_HEADERS=1 rewrites it) -->';

/** The generated header line of a rule's doc page. */
export function docHeader(rule: Rule): string {
  const { meta } = rule;
  const parts = [
    `**Severity:** ${meta.defaultSeverity}`,
    `**Consequence:** ${LABELS[meta.consequence]}`,
    `**Fixable:** ${meta.fixable === 'none' ? 'no' : meta.fixable}`,
    `**Needs types:** ${meta.requiresTypes ? 'yes' : 'no'}`,
  ];
  if (meta.brokers.length > 0) parts.push(`**Brokers:** ${meta.brokers.join(', ')}`);
  return `${GENERATED}\n${parts.join(' · ')}`;
}

/** The doc text with its generated header replaced (or inserted under the title). */
function withHeader(doc: string, header: string): string {
  const lines = doc.split('\n');
  const at = lines.indexOf(GENERATED);
  if (at !== -1) lines.splice(at, 2, ...header.split('\n'));
  else lines.splice(1, 0, '', ...header.split('\n'));
  return lines.join('\n');
}

/** Rules exported by each module of src/rules, by module path (folders by their index.ts). */
async function rulesByModule(): Promise<Map<string, Rule[]>> {
  const out = new Map<string, Rule[]>();
  for (const entry of fs.readdirSync(SRC_RULES, { withFileTypes: true })) {
    const file = entry.isDirectory() ? path.join(SRC_RULES, entry.name, 'index.ts') : path.join(SRC_RULES, entry.name);
    if (!entry.isDirectory() && (!entry.name.endsWith('.ts') || entry.name === 'index.ts')) continue;
    if (!fs.existsSync(file)) continue;
    const mod = (await import(file)) as Record<string, unknown>;
    const rules = Object.values(mod).filter((v): v is Rule => typeof v === 'object' && v !== null && 'meta' in v && 'create' in v);
    out.set(entry.isDirectory() ? entry.name : entry.name.replace(/\.ts$/, ''), rules);
  }
  return out;
}

describe('rule catalogue conventions', () => {
  it('names each rule module after the id of the rule it exports, and every registered rule has its module', async () => {
    const modules = await rulesByModule();
    const problems: string[] = [];
    for (const [name, rules] of modules) {
      if (rules.length !== 1) problems.push(`src/rules/${name} exports ${rules.length} rules (one expected)`);
      for (const r of rules) if (r.meta.id !== name) problems.push(`src/rules/${name} exports rule ${r.meta.id}: the file name must be the rule id`);
    }
    for (const r of allRules) if (!modules.has(r.meta.id)) problems.push(`rule ${r.meta.id} has no module src/rules/${r.meta.id}.ts or src/rules/${r.meta.id}/index.ts`);
    expect(problems).toEqual([]);
  });

  it.each(allRules.map((r) => [r.meta.id, r] as const))('%s: the doc header is generated from the meta, and a hand-written severity agrees', (id, rule) => {
    const file = path.join(DOCS, `${id}.md`);
    const doc = fs.readFileSync(file, 'utf8');
    const header = docHeader(rule);
    if (process.env.EOS_WRITE_DOC_HEADERS === '1') fs.writeFileSync(file, withHeader(doc, header));
    const current = fs.readFileSync(file, 'utf8');
    expect(current.split('\n').slice(2, 4).join('\n'), `${file}: run with EOS_WRITE_DOC_HEADERS=1 to regenerate`).toBe(header);
    // The prose header (before the first paragraph break after the generated line) may repeat the severity.
    const prose = current.split('\n').slice(4, 12).join('\n');
    const severities = [...prose.matchAll(/Severity:?\**:?\s*(\w+)/g)].map((m) => m[1]);
    for (const s of severities) expect(s, `${file}: the header says severity ${s}`).toBe(rule.meta.defaultSeverity);
  });

  it.each(allRules.map((r) => [r.meta.id, r] as const))('%s: has .fixed fixtures exactly when its fixes are safe', (id, rule) => {
    const dir = path.join(FIXTURES, id);
    const fixed = fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => /\.fixed\.\w+$/.test(f)) : [];
    if (rule.meta.fixable === 'safe') expect(fixed.length, `${id} is fixable 'safe' but ${dir} has no .fixed fixture`).toBeGreaterThan(0);
    else expect(fixed, `${id} is fixable '${rule.meta.fixable}' (no safe fix) but has .fixed fixtures`).toEqual([]);
  });

  it.each(allRules.map((r) => [r.meta.id, r] as const))('%s: every message states the consequence and the fix', (id, rule) => {
    const problems = Object.entries(rule.messages).flatMap(([key, m]) => messageProblems(rule.meta.consequence, m).map((p) => `${id}.${key} ${p}`));
    expect(problems).toEqual([]);
  });

  it('the checks themselves fail on a message without consequence or fix, and on a header that drifts', () => {
    expect(messageProblems('message-lost', 'The ack runs first; it is gone. Settle later.')).toEqual([
      'states no consequence (one of (message lost))',
      'says no fix ("Fix: ...")',
    ]);
    expect(messageProblems('effect-doubled', 'Runs twice (effect doubled). Fix: dedup by id.')).toEqual([]);
    const rule = allRules[0];
    const drifted: Rule = { ...rule, meta: { ...rule.meta, defaultSeverity: rule.meta.defaultSeverity === 'error' ? 'warning' : 'error' } };
    expect(docHeader(drifted)).not.toBe(docHeader(rule));
  });
});
