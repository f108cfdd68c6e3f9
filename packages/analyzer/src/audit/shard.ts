import { sha1 } from './sha1';

/** A CI matrix slice: shard `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/**
 * The most slices a run may be split into. CI matrices stay far below it (GitHub Actions runs at
 * most 256 jobs per matrix); far above it, nearly every slice would be empty, and past 2^53 the
 * numbers themselves could no longer be told apart (`1/99999999999999999999`).
 */
export const MAX_SHARDS = 1024;

/** Parses `k/n` (1 ≤ k ≤ n ≤ MAX_SHARDS); returns an error message for anything else. */
export function parseShard(text: string): Shard | string {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return `--shard takes k/n, e.g. 2/4; got '${shown}'`;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count > MAX_SHARDS) return `--shard ${shown}: n must be at most ${MAX_SHARDS}`;
  if (count < 1 || index < 1 || index > count) return `--shard ${shown}: k must be between 1 and n`;
  return { index, count };
}

/**
 * Whether a file belongs to a shard. The split hashes the path relative to the project root, so it
 * is the same on every machine and stable when other files are added or removed (a file never
 * moves between shards because a neighbour appeared, unlike splitting a sorted list).
 */
export function inShard(relativePath: string, shard: Shard): boolean {
  if (shard.count === 1) return true;
  const digest = sha1(relativePath.split('\\').join('/'));
  return digest.readUInt32BE(0) % shard.count === shard.index - 1;
}
