// Signals: a header document, a paged chunk manifest, chunks in the chunk store, and a pyramid
// of min/max/mean/count levels (DESIGN.md, "Data model"; docs/lake-api.md, "Data model on the
// lake"). Shared by the browser (src/jio) and the lake server, which write the same documents.
// The header's `length` is the commit point of an append: readers never look past it, so pages
// and levels written by an append that did not finish are never seen.
import type { Dtype, ZarrCodec } from '../chunk/index.ts';
import type { JsonNumber } from './json-number.ts';

/** Entries per chunk-page document: appending touches only the last page. */
export const manifestPageSize = 1024;

export interface SignalHeader {
  type: 'signal';
  datasetId: string;
  name: string;
  dtype: Dtype;
  /** Samples per chunk, a power of two (default 2^18: 1 MiB of float32). */
  chunkLength: number;
  /** The Zarr v3 codec chain of every chunk of this signal. */
  codecs: ZarrCodec[];
  fillValue: JsonNumber;
  /** Valid samples. */
  length: number;
  /** Regular time base: ISO 8601 instant of sample 0 and samples per second. */
  t0?: string;
  sampleRate?: number;
  /** Irregular time base: id of a float64 signal of the same length holding each sample's time. */
  timeSignalId?: string;
  unit?: string;
  /** Pyramid levels built (`levelCount(length)` once the pyramid is up to date). */
  levels?: number;
  /**
   * The pyramid builder's state after the last append (`PyramidBuilder.state()`), so the next
   * append reduces only the new samples. It lives in the header because the header is written
   * last and atomically: state and `length` can never disagree.
   */
  pyramid?: PyramidState;
}

/**
 * What the pyramid reducer carries between appends: for each level k (index k − 1), the
 * accumulator of its open bucket over the parts of it already complete (samples for level 1,
 * finished level k − 1 buckets above), as [min, max, sum of finite samples, finite count].
 * min > max means nothing but NaN so far. JSON-safe: non-finite numbers are strings.
 */
export interface PyramidState {
  /** Samples reduced so far (the signal's length when the state was taken). */
  length: number;
  open: [min: JsonNumber, max: JsonNumber, sum: JsonNumber, count: number][];
}

/** One chunk of the manifest: its current version's hash, valid samples and statistics. */
export interface ManifestEntry {
  sha256: string;
  count: number;
  min: JsonNumber;
  max: JsonNumber;
  mean: JsonNumber;
  /** Finite samples (NaN and ±Infinity excluded), so that means merge by count. */
  finite: number;
  nanCount: number;
}

export interface ChunkPage {
  type: 'chunk-page';
  signalId: string;
  page: number;
  entries: ManifestEntry[];
}

/** What a caller gives to create a signal; the rest has defaults. */
export interface NewSignal {
  datasetId: string;
  name: string;
  dtype?: Dtype;
  chunkLength?: number;
  codecs?: ZarrCodec[];
  fillValue?: number;
  t0?: string;
  sampleRate?: number;
  timeSignalId?: string;
  unit?: string;
}

export function pageId(signalId: string, page: number): string {
  return `${signalId}/manifest/${page}`;
}

/** The dtype of pyramid levels: float32 holds float32 and int16 exactly, float64 the rest. */
export type LevelDtype = 'float32' | 'float64';

/** The four values of every bucket, in their stored (interleaved) order. */
export const levelColumns = ['min', 'max', 'mean', 'count'] as const;

/**
 * A pyramid level k ≥ 1 of a signal (id `levelId(signalId, k)`): an array of `length` buckets
 * of `bucketLength` samples, each [min, max, mean, count] (see pyramid.ts for the rules), with
 * its own chunk pages (`pageId(levelId, n)`). A chunk holds `chunkLength` buckets stored
 * interleaved, the C-order bytes of a [chunkLength, 4] block: its codec layout has
 * 4 × chunkLength samples of `dtype`.
 */
export interface PyramidLevelHeader {
  type: 'pyramid-level';
  signalId: string;
  level: number;
  /** Samples per bucket: `bucketLength(level)` = 64·4^(level−1). */
  bucketLength: number;
  dtype: LevelDtype;
  /** Buckets per chunk, a power of two. */
  chunkLength: number;
  codecs: ZarrCodec[];
  /** Always NaN: padding reads as empty buckets. */
  fillValue: JsonNumber;
  /** Buckets: ceil(signal length / bucketLength); the last one covers what exists. */
  length: number;
  columns: ['min', 'max', 'mean', 'count'];
}

export function levelId(signalId: string, level: number): string {
  return `${signalId}/level/${level}`;
}

/** Samples per bucket of level 1; each level up holds 4 buckets of the one below. */
export const LEVEL1_BUCKET_LENGTH = 64;

/** Level 25's single bucket covers 2^54 samples: more than any signal can hold (2^53). */
export const MAX_LEVELS = 25;

/** Samples per bucket of level k ≥ 1: 64, 256, 1 024, … (64·4^(k−1)). */
export function bucketLength(level: number): number {
  if (!Number.isInteger(level) || level < 1 || level > MAX_LEVELS) {
    throw new RangeError(`A pyramid level is an integer from 1 to ${MAX_LEVELS}, got ${level}`);
  }
  return LEVEL1_BUCKET_LENGTH * 4 ** (level - 1);
}

/**
 * Pyramid levels built for a signal of `length` samples: every level up to the first one
 * whose single bucket covers the whole signal (0 for an empty signal, 1 up to 64 samples).
 *
 * DESIGN.md stops "about a thousand buckets" from the top; we go the few levels further
 * (at most ~340 more buckets in all) because then a growing signal never has to rebuild a
 * level's past: a new level appears exactly when the level below completes its first bucket,
 * and the reducer's state already holds it. Stopping at ~1 000 buckets would make every
 * fourfold growth of a signal re-read a stored level to create the next one.
 */
export function levelCount(length: number): number {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`A signal length is a non-negative integer, got ${length}`);
  }
  if (length === 0) return 0;
  let level = 1;
  while (LEVEL1_BUCKET_LENGTH * 4 ** (level - 1) < length) level++;
  return level;
}

/** Buckets of level k for a signal of `length` samples (the last one may be partial). */
export function levelLength(length: number, level: number): number {
  return Math.ceil(length / bucketLength(level));
}

/** float32 levels for float32 and int16 signals (exact), float64 for float64 and int32. */
export function levelDtype(signalDtype: Dtype): LevelDtype {
  return signalDtype === 'float32' || signalDtype === 'int16' ? 'float32' : 'float64';
}

/**
 * The level a chart should read to show `span` samples in about `columns` buckets: the finest
 * level with at most `columns` buckets over the span, or 0 (the raw samples) when the span
 * itself has no more than `columns` samples.
 */
export function levelForSpan(span: number, columns: number): number {
  if (span <= columns) return 0;
  let level = 1;
  while (level < MAX_LEVELS && span / bucketLength(level) > columns) level++;
  return level;
}
