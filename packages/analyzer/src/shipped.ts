import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Files eos reads at run time (templates, rule docs) ship inside npm packages. They are found
 * through the package that ships them, by resolving its own package.json the way Node resolves
 * a dependency, so they are found wherever npm put them (hoisted, nested, pnpm's store) and
 * never through this repository's layout.
 */

/** A package eos reads files from is not where Node can resolve it: a broken or partial install. */
export class MissingPackageError extends Error {
  constructor(readonly packageName: string) {
    super(`the package ${packageName} cannot be found from ${__dirname}; eos is installed incompletely (reinstall @eos/cli)`);
    this.name = 'MissingPackageError';
  }
}

/** Absolute path of `parts` inside the installed package `packageName`. */
export function shippedPath(packageName: string, ...parts: string[]): string {
  let manifest: string;
  try {
    manifest = require.resolve(`${packageName}/package.json`);
  } catch {
    throw new MissingPackageError(packageName);
  }
  return path.join(path.dirname(manifest), ...parts);
}

/** The `package.json` of an installed package, parsed. */
export function shippedManifest(packageName: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(shippedPath(packageName, 'package.json'), 'utf8')) as Record<string, unknown>;
}
