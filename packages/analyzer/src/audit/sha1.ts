/**
 * sha1 digests, for content stamps and the shard split. node:crypto is required on first use:
 * a cached rerun in which nothing changed computes no digest, and loading it is ~3.5 ms of start.
 */
let crypto: typeof import('node:crypto') | undefined;

/** The sha1 digest of a text (UTF-8). */
export function sha1(text: string): Buffer {
  crypto ??= require('node:crypto') as typeof import('node:crypto');
  return crypto.createHash('sha1').update(text).digest();
}
