// The pyramid reducer: the one implementation of a signal's min/max/mean/count levels, used by
// the lake for ingested data and by the browser for recordings (DESIGN.md, "Pyramid").
//
// Bucket rules (the same as chunkStats, so manifests and pyramids agree): NaN is a gap, ignored
// by min, max and mean; ±Infinity is a real extreme that min and max show, but it is not
// counted and stays out of the mean, so `mean × count` is the sum of the finite samples and
// means merge exactly by count. A bucket with nothing but NaN is [NaN, NaN, NaN, 0]; one with
// infinities and no finite sample has its min/max and mean NaN, count 0. The last bucket of a
// level covers what exists.
//
// Level 1 reduces samples; level k + 1 reduces the finished buckets of level k, four at a time,
// carrying float64 sums (never rounded means) up the levels, so every level equals reducing
// the raw samples directly, up to float64 summation order. The builder streams: `push` takes
// samples in pieces of any size and returns the buckets each piece completes; its whole memory
// between pushes is one open accumulator per level, which `state()` hands out as a small JSON
// object (kept in the signal header) so a later append resumes in O(new data). Pushing in any
// split gives bit-identical output, because each accumulator folds the same values in the same
// order whatever the split.
import { dtypeOf, type Dtype, type SignalArray } from '../chunk/dtype.ts';
import { fromJsonNumber, toJsonNumber, type JsonNumber } from './json-number.ts';
import {
  LEVEL1_BUCKET_LENGTH,
  MAX_LEVELS,
  bucketLength,
  levelCount,
  levelDtype,
  type LevelDtype,
  type PyramidState,
} from './types.ts';

export type LevelArray = Float32Array | Float64Array;

/** Consecutive buckets of one level: 4 values per bucket (min, max, mean, count), interleaved. */
export interface LevelBuckets {
  level: number;
  /** Index of the first bucket in the level. */
  start: number;
  buckets: LevelArray;
}

export interface Bucket {
  min: number;
  max: number;
  mean: number;
  count: number;
}

export interface PyramidSpec {
  /** The signal's dtype; levels are `levelDtype(dtype)`. */
  dtype: Dtype;
  /** Resume after the samples a previous builder reduced (its `state()`). */
  state?: PyramidState;
  /** A faster fold of whole level-1 buckets, giving the same bytes (see Level1Reducer). */
  level1?: Level1Reducer;
}

/**
 * Folds whole level-1 buckets as the builder's own loop does — the same comparisons, the sum
 * in float64 in sample order — so the pyramid's bytes do not depend on it: the wasm kernel of
 * src/algorithms/windowed/wasm/level1.ts, passed in by the lake (shared code imports nothing
 * of src/algorithms). Writes four float64 per bucket into `out`: min, max, the sum of the
 * finite samples and their count (min > max for a bucket of only NaN); returns false,
 * writing nothing, for a dtype it does not take, and the builder's loop does the work.
 */
export interface Level1Reducer {
  reduceBuckets(values: SignalArray, from: number, buckets: number, out: Float64Array): boolean;
}

/** Whole buckets handed to a Level1Reducer per call (its output is 32 bytes a bucket). */
const LEVEL1_BATCH_BUCKETS = 2 ** 12;

export interface PyramidBuilder {
  /** The dtype of the levels' values. */
  readonly dtype: LevelDtype;
  /** Samples reduced so far, the resumed ones included. */
  readonly length: number;
  /** Levels the pyramid has at this length: `levelCount(length)`. */
  readonly levels: number;
  /**
   * Reduces more samples (of the signal's dtype) and returns the buckets they complete, one
   * entry per level that completed any, finest first. Open buckets are not included: see
   * `tails()`.
   */
  push(values: SignalArray): LevelBuckets[];
  /**
   * The open (partial) last bucket of each level that has one, as it stands: what a store
   * writes after the completed buckets so that the last bucket covers what exists. A later
   * push overwrites that index with the bucket's next version.
   */
  tails(): LevelBuckets[];
  /** JSON-safe state to resume from (`PyramidSpec.state`). */
  state(): PyramidState;
}

const MIN = 0;
const MAX = 1;
const SUM = 2;
const COUNT = 3;

type LevelArrayConstructor = Float32ArrayConstructor | Float64ArrayConstructor;

function arrayType(dtype: LevelDtype): LevelArrayConstructor {
  return dtype === 'float32' ? Float32Array : Float64Array;
}

function resetAccumulator(acc: Float64Array, at: number): void {
  acc[at + MIN] = Number.POSITIVE_INFINITY;
  acc[at + MAX] = Number.NEGATIVE_INFINITY;
  acc[at + SUM] = 0;
  acc[at + COUNT] = 0;
}

/** Writes accumulator `acc[from…]` as a bucket at `out[to…]`. min > max means only NaN. */
function writeBucket(acc: Float64Array, from: number, out: LevelArray, to: number): void {
  const min = acc[from + MIN] as number;
  const max = acc[from + MAX] as number;
  const sum = acc[from + SUM] as number;
  const count = acc[from + COUNT] as number;
  if (min > max) {
    out[to] = Number.NaN;
    out[to + 1] = Number.NaN;
    out[to + 2] = Number.NaN;
    out[to + 3] = 0;
    return;
  }
  // `+ 0` writes −0 as +0: which zero a bucket keeps depends on sample order, and JSON (the
  // resumable state) cannot carry −0, so a stream split and resumed must not see the sign.
  out[to] = min + 0;
  out[to + 1] = max + 0;
  out[to + 2] = count > 0 ? sum / count + 0 : Number.NaN;
  out[to + 3] = count;
}

/** Folds accumulator `src[from…]` into `dst[to…]`. */
function mergeInto(dst: Float64Array, to: number, src: Float64Array, from: number): void {
  const min = src[from + MIN] as number;
  const max = src[from + MAX] as number;
  if (min < (dst[to + MIN] as number)) dst[to + MIN] = min;
  if (max > (dst[to + MAX] as number)) dst[to + MAX] = max;
  dst[to + SUM] = (dst[to + SUM] as number) + (src[from + SUM] as number);
  dst[to + COUNT] = (dst[to + COUNT] as number) + (src[from + COUNT] as number);
}

function isJsonNumber(value: unknown): value is JsonNumber {
  return (
    typeof value === 'number' || value === 'NaN' || value === 'Infinity' || value === '-Infinity'
  );
}

function badState(message: string): RangeError {
  return new RangeError(`Invalid pyramid state: ${message}`);
}

/** Checks a state read from a document and loads it into accumulators. */
function loadState(state: PyramidState, acc: Float64Array): number {
  const { length, open } = state as { length: unknown; open: unknown };
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) {
    throw badState(`length must be a non-negative integer, got ${String(length)}`);
  }
  if (!Array.isArray(open) || open.length > MAX_LEVELS) {
    throw badState(`open must be an array of at most ${MAX_LEVELS} accumulators`);
  }
  (open as unknown[]).forEach((entry, index) => {
    if (!Array.isArray(entry) || entry.length !== 4 || !entry.every(isJsonNumber)) {
      throw badState(`open[${index}] must be [min, max, sum, count]`);
    }
    const [min, max, sum, count] = entry.map(fromJsonNumber) as [number, number, number, number];
    // An accumulator covers less than one bucket of its level.
    const limit = bucketLength(index + 1);
    if (!Number.isInteger(count) || count < 0 || count > limit || count > length) {
      throw badState(`open[${index}] has count ${count}, outside 0…${Math.min(limit, length)}`);
    }
    acc[4 * index + MIN] = min;
    acc[4 * index + MAX] = max;
    acc[4 * index + SUM] = sum;
    acc[4 * index + COUNT] = count;
  });
  return length;
}

function isEmpty(acc: Float64Array, at: number): boolean {
  return (
    acc[at + MIN] === Number.POSITIVE_INFINITY &&
    acc[at + MAX] === Number.NEGATIVE_INFINITY &&
    acc[at + SUM] === 0 &&
    acc[at + COUNT] === 0
  );
}

/** A streaming, resumable pyramid reducer for one signal. */
export function createPyramidBuilder(spec: PyramidSpec): PyramidBuilder {
  const signalDtype = spec.dtype;
  const dtype = levelDtype(signalDtype);
  const Out = arrayType(dtype);
  // acc[4(k−1) …]: level k's open bucket over its completed parts.
  const acc = new Float64Array(4 * (MAX_LEVELS + 1));
  for (let level = 0; level <= MAX_LEVELS; level++) resetAccumulator(acc, 4 * level);
  let length = spec.state === undefined ? 0 : loadState(spec.state, acc);
  let level1 = spec.level1;
  const level1Out = level1 === undefined ? undefined : new Float64Array(4 * LEVEL1_BATCH_BUCKETS);

  /** Folds the whole buckets from `i` through the injected reducer; the samples it took. */
  function reduceWhole(values: SignalArray, i: number, finish: (level: number) => void): number {
    const whole = Math.floor((values.length - i) / LEVEL1_BUCKET_LENGTH);
    if (level1 === undefined || level1Out === undefined || whole === 0) return 0;
    let done = 0;
    while (done < whole) {
      const count = Math.min(LEVEL1_BATCH_BUCKETS, whole - done);
      if (!level1.reduceBuckets(values, i + done * LEVEL1_BUCKET_LENGTH, count, level1Out)) {
        level1 = undefined;
        break;
      }
      for (let k = 0; k < 4 * count; k += 4) {
        acc[MIN] = level1Out[k + MIN] as number;
        acc[MAX] = level1Out[k + MAX] as number;
        acc[SUM] = level1Out[k + SUM] as number;
        acc[COUNT] = level1Out[k + COUNT] as number;
        finish(1);
      }
      done += count;
    }
    return done * LEVEL1_BUCKET_LENGTH;
  }

  function push(values: SignalArray): LevelBuckets[] {
    const got = dtypeOf(values);
    if (got !== signalDtype) {
      throw new TypeError(`This pyramid reduces ${signalDtype} samples; got ${got}`);
    }
    const total = values.length;
    if (total === 0) return [];
    const before = length;
    const after = before + total;
    if (!Number.isSafeInteger(after)) throw new RangeError('A signal cannot exceed 2^53 samples');

    // Exactly what each level completes in this push, so outputs are allocated once.
    const outputs: LevelBuckets[] = [];
    // Indexed by level − 1: where each level writes, how far it got, buckets it has finished.
    const arrays: LevelArray[] = [];
    const cursor: number[] = [];
    const done: number[] = [];
    for (let level = 1; level <= levelCount(after); level++) {
      const size = bucketLength(level);
      const first = Math.floor(before / size);
      const buckets = new Out(4 * (Math.floor(after / size) - first));
      if (buckets.length > 0) outputs.push({ level, start: first, buckets });
      arrays.push(buckets);
      cursor.push(0);
      done.push(first);
    }

    // A finished bucket of `level` goes out and folds into the level above, which may finish
    // in turn: amortised O(1) per level-1 bucket.
    const finish = (level: number): void => {
      for (let k = level; ; k++) {
        const at = 4 * (k - 1);
        const index = cursor[k - 1] as number;
        // Sized above from the lengths: a level finishes here only if it has room.
        writeBucket(acc, at, arrays[k - 1] as LevelArray, 4 * index);
        cursor[k - 1] = index + 1;
        mergeInto(acc, at + 4, acc, at);
        resetAccumulator(acc, at);
        const finished = (done[k - 1] as number) + 1;
        done[k - 1] = finished;
        if (finished % 4 !== 0) return;
      }
    };

    let min = acc[MIN] as number;
    let max = acc[MAX] as number;
    let sum = acc[SUM] as number;
    let count = acc[COUNT] as number;
    let filled = before % LEVEL1_BUCKET_LENGTH;
    let i = 0;
    while (i < total) {
      if (filled === 0) {
        // At a bucket edge the accumulator is empty: the reducer folds the whole buckets.
        i += reduceWhole(values, i, finish);
        if (i === total) break;
      }
      const end = Math.min(total, i + LEVEL1_BUCKET_LENGTH - filled);
      for (let j = i; j < end; j++) {
        // `as number`: j < length; the lint forbids `!` and a `?? NaN` would cost in this loop.
        const value = values[j] as number;
        // NaN fails every comparison and `value − value` is NaN for NaN and ±Infinity, so
        // NaN is skipped, ±Infinity reaches min/max only, and finite values are summed.
        if (value < min) min = value;
        if (value > max) max = value;
        if (value - value === 0) {
          sum += value;
          count++;
        }
      }
      filled += end - i;
      i = end;
      if (filled === LEVEL1_BUCKET_LENGTH) {
        acc[MIN] = min;
        acc[MAX] = max;
        acc[SUM] = sum;
        acc[COUNT] = count;
        finish(1);
        min = Number.POSITIVE_INFINITY;
        max = Number.NEGATIVE_INFINITY;
        sum = 0;
        count = 0;
        filled = 0;
      }
    }
    acc[MIN] = min;
    acc[MAX] = max;
    acc[SUM] = sum;
    acc[COUNT] = count;
    length = after;
    return outputs;
  }

  function tails(): LevelBuckets[] {
    const result: LevelBuckets[] = [];
    // The open bucket of level k is its own completed parts plus the open bucket of level k − 1.
    const running = new Float64Array(4);
    resetAccumulator(running, 0);
    for (let level = 1; level <= levelCount(length); level++) {
      mergeInto(running, 0, acc, 4 * (level - 1));
      const size = bucketLength(level);
      if (length % size === 0) continue;
      const buckets = new Out(4);
      writeBucket(running, 0, buckets, 0);
      result.push({ level, start: Math.floor(length / size), buckets });
    }
    return result;
  }

  function state(): PyramidState {
    let used = MAX_LEVELS;
    while (used > 0 && isEmpty(acc, 4 * (used - 1))) used--;
    const open: PyramidState['open'] = [];
    for (let level = 0; level < used; level++) {
      const at = 4 * level;
      open.push([
        toJsonNumber(acc[at + MIN] as number),
        toJsonNumber(acc[at + MAX] as number),
        toJsonNumber(acc[at + SUM] as number),
        acc[at + COUNT] as number,
      ]);
    }
    return { length, open };
  }

  return {
    dtype,
    get length() {
      return length;
    },
    get levels() {
      return levelCount(length);
    },
    push,
    tails,
    state,
  };
}

/**
 * Every level of the pyramid of `values` (a whole signal, or its start), each complete with
 * its last partial bucket: what a store writes for a signal built in one go.
 */
export function buildPyramid(values: SignalArray): LevelBuckets[] {
  const builder = createPyramidBuilder({ dtype: dtypeOf(values) });
  const completed = builder.push(values);
  const tails = builder.tails();
  const Out = arrayType(builder.dtype);
  const levels: LevelBuckets[] = [];
  for (let level = 1; level <= builder.levels; level++) {
    const full = completed.find((part) => part.level === level);
    const tail = tails.find((part) => part.level === level);
    if (tail === undefined && full !== undefined) {
      levels.push(full);
      continue;
    }
    const buckets = new Out((full?.buckets.length ?? 0) + 4);
    if (full !== undefined) buckets.set(full.buckets);
    if (tail !== undefined) buckets.set(tail.buckets, buckets.length - 4);
    levels.push({ level, start: 0, buckets });
  }
  return levels;
}

/**
 * Buckets of `size` samples straight from raw samples, in float64 (the last one covers what
 * exists): the reference the cascade must match, and a chart's reducer for raw ranges.
 */
export function reduceSamples(values: ArrayLike<number>, size: number): Float64Array {
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new RangeError(`A bucket holds a positive whole number of samples, got ${size}`);
  }
  const buckets = Math.ceil(values.length / size);
  const out = new Float64Array(4 * buckets);
  const acc = new Float64Array(4);
  for (let b = 0; b < buckets; b++) {
    const end = Math.min(values.length, (b + 1) * size);
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let sum = 0;
    let count = 0;
    for (let j = b * size; j < end; j++) {
      const value = values[j] as number;
      if (value < min) min = value;
      if (value > max) max = value;
      if (value - value === 0) {
        sum += value;
        count++;
      }
    }
    acc[MIN] = min;
    acc[MAX] = max;
    acc[SUM] = sum;
    acc[COUNT] = count;
    writeBucket(acc, 0, out, 4 * b);
  }
  return out;
}

/**
 * Merges stored buckets `from…to` (bucket indices into interleaved [min, max, mean, count]
 * values) into one: min of the mins and max of the maxes (empty buckets, NaN, ignored), the
 * mean weighted by count. For a chart column that spans several buckets.
 */
export function reduceLevelRange(buckets: ArrayLike<number>, from = 0, to?: number): Bucket {
  const end = to ?? Math.floor(buckets.length / 4);
  if (
    !Number.isSafeInteger(from) ||
    !Number.isSafeInteger(end) ||
    from < 0 ||
    end < from ||
    4 * end > buckets.length
  ) {
    throw new RangeError(
      `Buckets [${from}, ${end}) are outside the ${Math.floor(buckets.length / 4)} given`,
    );
  }
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let count = 0;
  for (let b = from; b < end; b++) {
    const bucketMin = buckets[4 * b] as number;
    const bucketMax = buckets[4 * b + 1] as number;
    const bucketCount = buckets[4 * b + 3] as number;
    if (bucketMin < min) min = bucketMin;
    if (bucketMax > max) max = bucketMax;
    if (bucketCount > 0) {
      sum += (buckets[4 * b + 2] as number) * bucketCount;
      count += bucketCount;
    }
  }
  if (min > max) return { min: Number.NaN, max: Number.NaN, mean: Number.NaN, count: 0 };
  return { min, max, mean: count > 0 ? sum / count : Number.NaN, count };
}

/**
 * Groups of `factor` stored buckets merged into one (the last group covers what exists), in
 * float64: e.g. a level from the one below it (factor 4), or a chart's columns from a level.
 */
export function coarsenBuckets(buckets: ArrayLike<number>, factor: number): Float64Array {
  if (!Number.isSafeInteger(factor) || factor < 1) {
    throw new RangeError(`A factor is a positive whole number, got ${factor}`);
  }
  const n = Math.floor(buckets.length / 4);
  const groups = Math.ceil(n / factor);
  const out = new Float64Array(4 * groups);
  for (let g = 0; g < groups; g++) {
    const bucket = reduceLevelRange(buckets, g * factor, Math.min(n, (g + 1) * factor));
    out[4 * g] = bucket.min;
    out[4 * g + 1] = bucket.max;
    out[4 * g + 2] = bucket.mean;
    out[4 * g + 3] = bucket.count;
  }
  return out;
}
