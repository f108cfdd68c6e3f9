import * as v8 from 'node:v8';
import * as vm from 'node:vm';

/**
 * Files analysed between two forced full garbage collections in a long run. Measured on the
 * synthetic monorepo: 2,000 files peak at 483 MiB without them, 285 MiB with one every 500
 * files; 5,000 files at 292 MiB every 500 and 238 MiB every 200, at about the same CPU time (the
 * collections are cheap: the live heap is mostly the ProjectIndex's cache of parsed files).
 */
export const FILES_PER_COLLECTION = 200;

let collect: (() => void) | undefined;

/**
 * Runs a full garbage collection. Why force one: a file's AST is garbage as soon as the next file
 * starts, but V8 grows the old generation lazily and never hands the space back, so without this
 * a run's peak memory grows with the size of the repository although its live heap does not.
 * Uses `gc` when the process exposes it, else exposes it once for this process.
 */
export function collectGarbage(): void {
  if (!collect) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (typeof exposed === 'function') {
      collect = exposed;
    } else {
      try {
        v8.setFlagsFromString('--expose-gc');
        collect = vm.runInNewContext('gc') as () => void;
      } catch {
        collect = () => undefined;
      }
    }
  }
  collect();
}
