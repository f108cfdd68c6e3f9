import * as fs from 'node:fs';
import * as path from 'node:path';
import { INVALID_SUPPRESSION, UNUSED_SUPPRESSION } from './engine/suppressions';
import { shippedManifest, shippedPath } from './shipped';

/**
 * The rule docs ship inside this package (`docs/rules/<page>.md`) and are read from there at run
 * time: `eos explain`, SARIF's rule help and the VS Code extension (which bundles a copy) need no
 * network. A web address exists only when the project publishes the docs: `homepage` in this
 * package's package.json, set nowhere else. It names the folder that holds `docs/` (on a Git
 * host, e.g. `https://example.org/org/eos/tree/main/packages/analyzer`), and a page's address is
 * `<homepage>/docs/rules/<page>.md`.
 */

/** The package that ships the rule docs. */
export const DOCS_PACKAGE = '@eos/analyzer';

/** The doc page that explains findings of `ruleId`: the rule's own, or one page for both suppression checks. */
export function docPageOf(ruleId: string): string {
  return ruleId === UNUSED_SUPPRESSION || ruleId === INVALID_SUPPRESSION ? 'suppressions' : ruleId;
}

/** Folder of the shipped rule docs. */
export function ruleDocsDir(): string {
  return shippedPath(DOCS_PACKAGE, 'docs', 'rules');
}

/** A doc page eos should ship is not there: a bug in eos's packaging, reported as one. */
export class RuleDocMissingError extends Error {
  constructor(readonly file: string) {
    super(`the documentation page ${file} is missing from this eos install (a packaging bug in eos)`);
    this.name = 'RuleDocMissingError';
  }
}

/** Path of a doc page (which may be missing; see readRuleDoc). */
export function ruleDocPath(page: string, dir: string = ruleDocsDir()): string {
  return path.join(dir, `${page}.md`);
}

/** The Markdown of a doc page; throws RuleDocMissingError naming the file when it is not there. */
export function readRuleDoc(page: string, dir: string = ruleDocsDir()): string {
  const file = ruleDocPath(page, dir);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new RuleDocMissingError(file);
    throw err;
  }
}

let homepage: { value: string | undefined } | undefined;

/** The docs' web home (`homepage` of this package's package.json), or undefined when none is set. */
export function docsHomepage(): string | undefined {
  if (!homepage) {
    const value = shippedManifest(DOCS_PACKAGE).homepage;
    homepage = { value: typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined };
  }
  return homepage.value;
}

/** A doc page's web address, or undefined when the docs are not published (no homepage). */
export function docsUrlOf(page: string, home: string | undefined = docsHomepage()): string | undefined {
  if (home === undefined) return undefined;
  const base = home.replace(/#.*$/, '').replace(/\/*$/, '/');
  return new URL(`docs/rules/${encodeURIComponent(page)}.md`, base).href;
}
