/**
 * What eos reads at run time is found through the package that ships it (templates in
 * @eos/templates, rule docs in @eos/analyzer), and a missing piece is reported as a broken install.
 * The installed case is proven by test/package/ (packed tarballs in a fresh project).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  allRules,
  defaultTemplatesRoot,
  docPageOf,
  docsUrlOf,
  INVALID_SUPPRESSION,
  listTemplateNames,
  MissingPackageError,
  readRuleDoc,
  RuleDocMissingError,
  ruleDocPath,
  ruleDocsDir,
  ScaffoldError,
  UNUSED_SUPPRESSION,
} from '@eos/analyzer';
import { shippedPath } from '../src/shipped';

describe('templates', () => {
  it('come from the @eos/templates package, one folder with a template.json per kind', () => {
    const root = defaultTemplatesRoot();
    expect(root).toBe(path.dirname(require.resolve('@eos/templates/package.json')));
    const names = listTemplateNames(root);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(fs.existsSync(path.join(root, name, 'template.json'))).toBe(true);
  });

  it('a templates folder without any template is an error naming the folder, not an empty list', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-no-templates-'));
    fs.mkdirSync(path.join(empty, 'outbox'));
    expect(() => listTemplateNames(empty)).toThrow(ScaffoldError);
    expect(() => listTemplateNames(empty)).toThrow(`no templates in ${empty}`);
    fs.rmSync(empty, { recursive: true });
  });
});

describe('shipped packages', () => {
  it('a package that cannot be resolved is a MissingPackageError naming it', () => {
    expect(() => shippedPath('@eos/not-installed')).toThrow(MissingPackageError);
    expect(() => shippedPath('@eos/not-installed')).toThrow(/@eos\/not-installed cannot be found .*reinstall @eos\/cli/);
  });
});

describe('rule docs', () => {
  it('are read from the @eos/analyzer package: a page per rule and one for suppressions', () => {
    expect(ruleDocsDir()).toBe(path.join(path.dirname(require.resolve('@eos/analyzer/package.json')), 'docs', 'rules'));
    for (const id of allRules.map((r) => r.meta.id)) expect(readRuleDoc(id)).toMatch(new RegExp(`^# ${id}\\n`));
    expect(readRuleDoc('suppressions')).toMatch(/^# Suppressions: `unused-suppression`, `invalid-suppression`\n/);
  });

  it('both suppression checks are explained by the suppressions page; every rule by its own', () => {
    expect(docPageOf(UNUSED_SUPPRESSION)).toBe('suppressions');
    expect(docPageOf(INVALID_SUPPRESSION)).toBe('suppressions');
    expect(docPageOf('dual-write')).toBe('dual-write');
  });

  it('a page missing from the install is a RuleDocMissingError naming the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eos-no-docs-'));
    expect(() => readRuleDoc('dual-write', dir)).toThrow(RuleDocMissingError);
    expect(() => readRuleDoc('dual-write', dir)).toThrow(ruleDocPath('dual-write', dir));
    fs.rmSync(dir, { recursive: true });
  });

  it('have a web address only under a homepage, as <homepage>/docs/rules/<page>.md', () => {
    expect(docsUrlOf('dual-write', undefined)).toBeUndefined();
    expect(docsUrlOf('dual-write', 'https://example.org/acme/eos/tree/main/packages/analyzer#readme')).toBe(
      'https://example.org/acme/eos/tree/main/packages/analyzer/docs/rules/dual-write.md',
    );
    expect(docsUrlOf('suppressions', 'https://docs.example.org/eos/')).toBe('https://docs.example.org/eos/docs/rules/suppressions.md');
  });
});
