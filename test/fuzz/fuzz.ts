/**
 * Shared settings of the property (fuzz) suites under test/fuzz/: fast-check properties over the
 * places where hostile input meets eos, bounded so `npm test` stays quick.
 *
 * Each property runs FUZZ_RUNS cases (default 200) and stops early, without failing, after
 * FUZZ_TIME_MS (default 8 s) of generation: a slow machine runs fewer cases, never a timeout. A
 * failure prints fast-check's seed and shrunk counterexample; reproduce it with
 * `FUZZ_SEED=<seed> npx vitest run test/fuzz/<file>`, or search harder with `FUZZ_RUNS=20000`.
 *
 * Surfaces covered: configuration loading, the fix writer, the parser front door and suppression
 * comments. To add one: a new `<surface>.fuzz.test.ts` beside these, whose properties call
 * `fuzz(property)`; arbitraries shared by several suites go in this file.
 */
import * as fc from 'fast-check';

const runs = Number(process.env.FUZZ_RUNS ?? 200);
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

/** fast-check parameters of every property: bounded in runs and in time. */
export const FUZZ_PARAMETERS: fc.Parameters<unknown> = {
  numRuns: runs,
  interruptAfterTimeLimit: Number(process.env.FUZZ_TIME_MS ?? 8_000),
  ...(seed !== undefined ? { seed } : {}),
};

/** Checks a property with the suite's bounds (asynchronous properties too). */
export async function fuzz<Ts>(property: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>): Promise<void> {
  await fc.assert(property as fc.IAsyncProperty<Ts>, FUZZ_PARAMETERS as fc.Parameters<Ts>);
}

/** Any text, astral planes included (fast-check's 'binary' unit never makes a lone surrogate). */
export const anyText = (maxLength = 200) => fc.string({ unit: 'binary', maxLength });

/** Source-like text: mostly ASCII code and line breaks of every kind, with some non-ASCII. */
export const sourceText = (maxLength = 300) =>
  fc
    .array(fc.oneof({ weight: 6, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 12 }) }, { weight: 2, arbitrary: fc.constantFrom('\n', '\r\n', '\r', '\t', '  ') }, { weight: 1, arbitrary: anyText(4) }), { maxLength: Math.ceil(maxLength / 6) })
    .map((parts) => parts.join(''));
