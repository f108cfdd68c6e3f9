import { sha1 } from './sha1';

/** A CI matrix slice: shard `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Parses `k/n` (1 ≤ k ≤ n); returns an error message for anything else. */
export function parseShard(text: string): Shard | string {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return `--shard takes k/n, e.g. 2/4; got '${text}'`;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) return `--shard ${text}: k must be between 1 and n`;
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
