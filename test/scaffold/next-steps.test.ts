/**
 * Next steps are true: for every scaffold kind × language × module system, every file a step names
 * is a file the run wrote (with the extension it was written with), test commands use the runner
 * that language needs (tsx for TypeScript, node for JavaScript), and import lines use the module
 * system's syntax with a NodeNext-valid `.js` specifier that resolves to a written file. Kinds are
 * read from the templates folder, so a new kind is covered without touching this file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allVariables, detectProject, listTemplateNames, loadTemplate, nextStepLines, planScaffold, resolveAnswers, writePlan, type TemplateSpec } from '@eos/analyzer';
import { makeProject } from './helpers';

const OUT = 'src/gen';
const VARIANTS = [
  { language: 'ts', module: 'esm' },
  { language: 'ts', module: 'cjs' },
  { language: 'js', module: 'esm' },
  { language: 'js', module: 'cjs' },
] as const;

/** Answers for the required variables that have no default (the first choice, or a valid name). */
function requiredAnswers(template: TemplateSpec): Record<string, unknown> {
  const given: Record<string, unknown> = {};
  for (const v of allVariables(template)) {
    if (!v.required || v.default !== undefined || v.name === 'out') continue;
    given[v.name] = v.type === 'choice' ? v.choices?.[0] : 'events';
  }
  return given;
}

/** Paths under --out that a line names (trailing punctuation of the sentence removed). */
function namedPaths(line: string): string[] {
  return [...line.matchAll(new RegExp(`(?<![\\w/])${OUT}/[\\w./-]+`, 'g'))].map((m) => m[0].replace(/[.,:;)]+$/, ''));
}

describe('next steps name what was written, for the language and module system written', () => {
  for (const name of listTemplateNames()) {
    for (const variant of VARIANTS) {
      it(`${name} (${variant.language}, ${variant.module})`, async () => {
        const dir = makeProject(`next-steps-${name}-${variant.language}-${variant.module}`, { esm: variant.module === 'esm', typescript: variant.language === 'ts' });
        const template = loadTemplate(name);
        const project = detectProject(dir);
        // Language and module are left to detection from the project, as a user would.
        const answers = await resolveAnswers(template, { given: { ...requiredAnswers(template), out: OUT }, project, yes: true });
        expect(answers).toMatchObject(variant);
        const plan = planScaffold(template, answers, project);
        writePlan(plan);
        const written = new Set(plan.files.map((f) => f.path));
        const steps = nextStepLines(plan);
        expect(steps.length).toBeGreaterThan(0);
        for (const step of steps) {
          for (const named of namedPaths(step)) expect(written, `step names ${named}, which was not written:\n${step}`).toContain(named);
          for (const [, runner, file] of step.matchAll(/(npx tsx --test|node --test) (\S+)/g)) {
            expect(runner, step).toBe(variant.language === 'ts' ? 'npx tsx --test' : 'node --test');
            expect(file.endsWith(`.test.${variant.language}`), step).toBe(true);
          }
          const cjs = variant.language === 'js' && variant.module === 'cjs';
          for (const [, specifier] of step.matchAll(/(?:from|require\()\s*'(\.[^']+)'/g)) {
            expect(specifier.endsWith('.js'), `${specifier}: NodeNext needs the .js extension`).toBe(true);
            // Specifiers are relative to a module in --out's parent folder.
            const target = path.posix.join(path.posix.dirname(OUT), specifier).replace(/\.js$/, `.${variant.language}`);
            expect(written, `${specifier} resolves to ${target}, which was not written`).toContain(target);
          }
          if (cjs) expect(step, step).not.toMatch(/\bimport \{/);
          else expect(step, step).not.toMatch(/require\(/);
        }
        fs.rmSync(dir, { recursive: true, force: true });
      });
    }
  }

  it('a project without tsconfig gets outbox.test.js and is told to run it with node', async () => {
    const dir = makeProject('next-steps-no-tsconfig', { typescript: false });
    const template = loadTemplate('outbox');
    const project = detectProject(dir);
    const plan = planScaffold(template, await resolveAnswers(template, { given: { store: 'sqlite', broker: 'nats', out: 'src/outbox-pg' }, project, yes: true }), project);
    expect(plan.files.map((f) => f.path)).toContain('src/outbox-pg/outbox.test.js');
    const steps = nextStepLines(plan).join('\n');
    expect(steps).toContain('node --test src/outbox-pg/outbox.test.js');
    expect(steps).not.toContain('.ts');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
