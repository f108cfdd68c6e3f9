import * as fs from 'node:fs';
import * as path from 'node:path';
import { ScaffoldError } from './errors';
import { isInside } from './template';

/**
 * Resolves `--out` against the project root and proves it stays inside: no `..` escape, no
 * absolute path elsewhere, and no symlink on the way that points outside (the deepest existing
 * ancestor is resolved with realpath and compared with the root's realpath).
 * Returns the absolute directory (which may not exist yet).
 */
export function resolveOutDir(projectRoot: string, out: string): string {
  if (out.trim() === '') throw new ScaffoldError('--out must name a directory inside the project', 'usage');
  if (out.includes('\0')) throw new ScaffoldError('--out contains a NUL character', 'usage');
  const root = path.resolve(projectRoot);
  const target = path.resolve(root, out);
  if (!isInside(root, target)) {
    throw new ScaffoldError(`--out ${out} resolves to ${target}, outside the project ${root}; write inside the project`, 'usage');
  }
  assertRealInside(root, target, `--out ${out}`);
  return target;
}

/**
 * Checks a path (existing or not) against symlink escapes: the deepest existing ancestor's
 * realpath must lie inside the root's realpath; an existing file that is itself a symlink
 * must point inside too.
 */
export function assertRealInside(root: string, target: string, label: string): void {
  const realRoot = fs.realpathSync(root);
  let probe = target;
  while (!fs.existsSync(probe)) {
    // A dangling symlink "does not exist" but would be followed by a write: refuse it.
    if (isSymlink(probe)) throw new ScaffoldError(`${label}: ${probe} is a dangling symlink; refusing to write through it`, 'usage');
    const parent = path.dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  const real = fs.realpathSync(probe);
  if (!isInside(realRoot, real)) {
    throw new ScaffoldError(`${label}: ${probe} resolves through a symlink to ${real}, outside the project ${realRoot}`, 'usage');
  }
}

function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Checks a rendered file target (relative to --out): relative, no `..`, no empty or odd segments. */
export function checkRelativeTarget(target: string): string {
  const normalised = target.replace(/\\/g, '/');
  const segments = normalised.split('/');
  if (path.isAbsolute(target) || normalised.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new ScaffoldError(`template produced an unsafe target path '${target}'`, 'template');
  }
  return segments.join(path.sep);
}
