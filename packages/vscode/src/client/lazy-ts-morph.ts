/**
 * Stands in for `ts-morph` in the scaffold bundle (see scripts/build.mjs): the scaffold engine needs
 * the TypeScript compiler only to emit JavaScript for JS projects, and loading it would block the
 * extension host for a second or more. The compiler is its own file, out/ts-morph.js, required on
 * the first use of `ts`.
 */
import * as path from 'node:path';

type TsMorph = typeof import('ts-morph');
let real: TsMorph['ts'] | undefined;

export const ts = new Proxy({} as TsMorph['ts'], {
  get(_target, key) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    real ??= (require(path.join(__dirname, 'ts-morph.js')) as Pick<TsMorph, 'ts'>).ts;
    return (real as unknown as Record<string | symbol, unknown>)[key];
  },
});
