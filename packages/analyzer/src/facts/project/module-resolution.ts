import * as path from 'node:path';

/** Extensions tried, in order, for an extensionless relative import. */
const RESOLVE_SUFFIXES = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '/index.ts', '/index.tsx', '/index.js'];

/**
 * Resolves a relative module specifier from `fromFile` to the first candidate file that `exists`
 * (as TypeScript and bundlers look for it: the name itself, then with each source extension, then
 * its index file; an ESM-style `./x.js` names `./x.ts`). Bare specifiers resolve to nothing:
 * syntactic analysis follows only the project's own relative imports.
 */
export function resolveRelativeModule(fromFile: string, specifier: string, exists: (fileName: string) => boolean): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(fromFile), specifier);
  const stripped = base.replace(/\.(m|c)?js$/, '');
  const candidates = [base, ...RESOLVE_SUFFIXES.map((s) => stripped + s)];
  for (const c of candidates) {
    if (/\.[cm]?[jt]sx?$/.test(c) && exists(c)) return c;
  }
  return undefined;
}
