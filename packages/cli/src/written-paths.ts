import * as fs from 'node:fs';
import * as path from 'node:path';
import { isSourceFile } from '@eos/analyzer/dist/light';

/** The files a run reads that nothing it writes may replace (absolute paths). */
export interface RunInputs {
  /** The paths named on the command line. */
  paths: readonly string[];
  /** The configuration file in use, if any. */
  config?: string;
  /** The cache file, when --cache is on. */
  cache?: string;
}

/**
 * Why the report must not be written to `output`, or undefined. Checked before the run writes
 * anything (fixes, cache), so a wrong `--output` never costs a file: a report never replaces a
 * source file (every input of a run is one), a path named on the command line, the configuration
 * or the cache, and never goes into a folder.
 */
export function outputProblem(output: string, inputs: RunInputs): string | undefined {
  const target = realPathOf(output);
  if (isSourceFile(output) || isSourceFile(target)) return 'is a source file name: the report would replace code (or be analysed as code next time)';
  if (inputs.paths.some((p) => realPathOf(p) === target)) return 'is one of the paths to analyse';
  if (inputs.config !== undefined && realPathOf(inputs.config) === target) return 'is the configuration file';
  if (inputs.cache !== undefined && realPathOf(inputs.cache) === target) return 'is the cache file';
  try {
    if (fs.statSync(target).isDirectory()) return 'is a folder';
  } catch {
    // Absent: it will be created.
  }
  return undefined;
}

/** The real path of a file that exists (links resolved), else the absolute path. */
export function realPathOf(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}
