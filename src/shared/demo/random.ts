// Counter-based randomness: every random number is a hash of (key, index), so any sample can
// be computed without the ones before it (seekable, parallel, deterministic on every engine:
// integer arithmetic only, Math.imul and shifts).

/** A 32-bit integer mixer (Chris Wellons' "lowbias32"): good avalanche, a few operations. */
export function mix32(value: number): number {
  let x = value | 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A key for one stream of numbers: the seed and any labels (FNV-1a of the text, then mixed). */
export function streamKey(seed: number, ...labels: string[]): number {
  let h = 0x811c9dc5 ^ mix32(seed >>> 0);
  for (const label of labels) {
    for (let i = 0; i < label.length; i++) {
      h ^= label.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h = mix32(h ^ 0x2f);
  }
  return mix32(h);
}

/**
 * The per-block part of a sample's hash: indices are split into a high part (constant over a
 * block, folded into the key here) and the low 32 bits (hashed per sample with `hashLow`).
 */
export function blockKey(key: number, index: number): number {
  return mix32(key ^ mix32(Math.floor(index / 2 ** 32) + 0x6a09e667));
}

/** The hash of the low 32 bits of a sample index under a block key. */
export function hashLow(key: number, index: number): number {
  return mix32(Math.imul(index >>> 0, 0x9e3779b1) ^ key);
}

/** The hash of any safe-integer index (negative ones too). */
export function hashAt(key: number, index: number): number {
  return hashLow(blockKey(key, index), index);
}

/** Uniform in [0, 1) from the hash of (key, index). */
export function uniformAt(key: number, index: number): number {
  return hashAt(key, index) / 2 ** 32;
}

/** Standard deviation of (b0 + b1 − b2 − b3) for four uniform bytes: sqrt(4 · (256² − 1) / 12). */
export const BYTE_SUM_SD = Math.sqrt((4 * (256 * 256 - 1)) / 12);

/**
 * Two uncorrelated, roughly normal values (mean 0, variance 1, bounded by ±3.45) from one
 * 32-bit hash: sums of its four bytes with two sign patterns (Irwin–Hall). Enough for sensor
 * noise, and far cheaper than Box–Muller in a per-sample loop.
 */
export function normalPair(hash: number): [number, number] {
  const b0 = hash & 0xff;
  const b1 = (hash >>> 8) & 0xff;
  const b2 = (hash >>> 16) & 0xff;
  const b3 = hash >>> 24;
  return [(b0 + b1 - b2 - b3) / BYTE_SUM_SD, (b0 - b1 + b2 - b3) / BYTE_SUM_SD];
}

/** One roughly normal value for (key, index). */
export function normalAt(key: number, index: number): number {
  return normalPair(hashAt(key, index))[0];
}
