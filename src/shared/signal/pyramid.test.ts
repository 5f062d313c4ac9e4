import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, type Dtype, type SignalArray } from '../chunk/index.ts';
import vectorFile from './fixtures/pyramid-vectors.json' with { type: 'json' };
import {
  buildPyramid,
  coarsenBuckets,
  createPyramidBuilder,
  reduceLevelRange,
  reduceSamples,
  type LevelArray,
  type LevelBuckets,
} from './pyramid.ts';
import { bucketLength, levelCount, type PyramidState } from './types.ts';

type Token = number | string;

interface VectorCase {
  name: string;
  dtype: Dtype;
  length: number;
  samplesBase64: string;
  levels: { level: number; bucketLength: number; buckets: Token[][] }[];
}

const cases = (vectorFile as unknown as { cases: VectorCase[] }).cases;

function tokenNumber(token: Token | undefined): number {
  if (typeof token === 'number') return token;
  if (token === 'NaN') return Number.NaN;
  if (token === 'Infinity') return Number.POSITIVE_INFINITY;
  if (token === '-Infinity') return Number.NEGATIVE_INFINITY;
  throw new Error(`not a number token: ${String(token)}`);
}

function samplesOf(vector: VectorCase): SignalArray {
  const bytes = Buffer.from(vector.samplesBase64, 'base64');
  const out = allocate(vector.dtype, vector.length);
  // Copy into the typed array's own (aligned) buffer; the fixture is little-endian, as is Node.
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Bitwise equality of level outputs (NaN equals NaN, -0 differs from 0). */
function bytesOf(array: LevelArray): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

function same(a: LevelArray, b: LevelArray): boolean {
  if (a.constructor !== b.constructor || a.length !== b.length) return false;
  const x = bytesOf(a);
  const y = bytesOf(b);
  return x.every((byte, i) => byte === y[i]);
}

/** Completed buckets of several pushes and the final tails, assembled into whole levels. */
function assemble(parts: LevelBuckets[], dtype: 'float32' | 'float64'): Map<number, LevelArray> {
  const levels = new Map<number, number[]>();
  for (const part of parts) {
    const list = levels.get(part.level) ?? [];
    // Later parts overwrite: a tail written earlier is replaced by the bucket's next version.
    part.buckets.forEach((value, i) => {
      list[4 * part.start + i] = value;
    });
    levels.set(part.level, list);
  }
  const Out = dtype === 'float32' ? Float32Array : Float64Array;
  return new Map([...levels].map(([level, list]) => [level, Out.from(list)]));
}

describe('reference vectors (numpy, straight from raw samples)', () => {
  it.each(cases.map((vector) => [vector.name, vector] as const))('%s', (_name, vector) => {
    const values = samplesOf(vector);
    const levels = buildPyramid(values);
    expect(levels.map((level) => level.level)).toEqual(vector.levels.map((level) => level.level));
    expect(levelCount(vector.length)).toBe(vector.levels.length);
    const float32 = vector.dtype === 'float32' || vector.dtype === 'int16';
    for (const [index, expected] of vector.levels.entries()) {
      const actual = levels[index];
      if (actual === undefined) throw new Error(`level ${expected.level} missing`);
      expect(actual.start).toBe(0);
      expect(actual.buckets).toBeInstanceOf(float32 ? Float32Array : Float64Array);
      expect(actual.buckets.length).toBe(4 * expected.buckets.length);
      expected.buckets.forEach((bucket, b) => {
        const [min, max, mean, count] = bucket.map(tokenNumber) as [number, number, number, number];
        const got = Array.from(actual.buckets.subarray(4 * b, 4 * b + 4));
        const where = `level ${expected.level} bucket ${b}`;
        expect(got[0], where).toBe(min);
        expect(got[1], where).toBe(max);
        expect(got[3], where).toBe(count);
        if (Number.isNaN(mean)) {
          expect(got[2], where).toBeNaN();
        } else {
          // Another summation order, then rounding to the level's dtype; sequential float64
          // sums err by at most ~n·ε·max|x|, hence the term in the bucket's magnitude.
          const magnitude = Math.max(
            0,
            ...[min, max].filter((value) => Number.isFinite(value)).map(Math.abs),
          );
          const tolerance = (float32 ? 1e-6 : 1e-12) * Math.abs(mean) + 1e-12 * magnitude;
          expect(Math.abs((got[2] ?? Number.NaN) - mean), where).toBeLessThanOrEqual(tolerance);
        }
      });
    }
  });
});

describe('bucket rules', () => {
  const NaN_ = Number.NaN;
  const Inf = Number.POSITIVE_INFINITY;

  function level1(values: number[]): number[] {
    return Array.from(buildPyramid(Float64Array.from(values))[0]?.buckets ?? []);
  }

  it('ignores NaN in min, max and mean; counts finite samples', () => {
    expect(level1([1, NaN_, 3, NaN_])).toEqual([1, 3, 2, 2]);
  });

  it('lets ±Infinity into min and max but not into mean or count', () => {
    expect(level1([2, Inf, -Inf, 4])).toEqual([-Inf, Inf, 3, 2]);
    expect(level1([Inf, NaN_])).toEqual([Inf, Inf, NaN_, 0]);
    expect(level1([-Inf])).toEqual([-Inf, -Inf, NaN_, 0]);
  });

  it('makes an all-NaN bucket [NaN, NaN, NaN, 0]', () => {
    expect(level1([NaN_, NaN_])).toEqual([NaN_, NaN_, NaN_, 0]);
    const levels = buildPyramid(Float32Array.from({ length: 300 }, () => NaN_));
    expect(levels.map((level) => level.level)).toEqual([1, 2, 3]);
    for (const level of levels) {
      expect(reduceLevelRange(level.buckets)).toEqual({
        min: NaN_,
        max: NaN_,
        mean: NaN_,
        count: 0,
      });
    }
  });

  it('keeps int16 in float32 and int32 in float64 levels, exactly', () => {
    const int16 = buildPyramid(Int16Array.from([-32768, 32767, 5]));
    expect(int16[0]?.buckets).toEqual(Float32Array.from([-32768, 32767, (5 - 1) / 3, 3]));
    const int32 = buildPyramid(Int32Array.from([-(2 ** 31), 2 ** 31 - 1]));
    expect(int32[0]?.buckets).toEqual(Float64Array.from([-(2 ** 31), 2 ** 31 - 1, -0.5, 2]));
  });

  it('builds nothing for an empty signal', () => {
    expect(buildPyramid(new Float32Array(0))).toEqual([]);
    const builder = createPyramidBuilder({ dtype: 'float32' });
    expect(builder.push(new Float32Array(0))).toEqual([]);
    expect(builder.tails()).toEqual([]);
    expect(builder.state()).toEqual({ length: 0, open: [] });
  });
});

describe('levels reduced from levels', () => {
  it('equal reducing the raw samples directly, at every level', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constant(NaN)), {
          maxLength: 5000,
        }),
        (list) => {
          const values = Float64Array.from(list);
          const levels = buildPyramid(values);
          expect(levels.length).toBe(levelCount(values.length));
          for (const { level, buckets } of levels) {
            const direct = reduceSamples(values, bucketLength(level));
            expect(buckets.length).toBe(direct.length);
            for (let i = 0; i < direct.length; i++) {
              const column = i % 4;
              const [got, want] = [buckets[i] ?? NaN, direct[i] ?? NaN];
              if (column === 2 && Number.isFinite(want)) {
                // Same values, summed in another grouping.
                expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(want)));
              } else {
                expect(got).toBe(want);
              }
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('match coarsening the stored level below by 4 (mean weighted by count)', () => {
    const values = Float32Array.from({ length: 100_003 }, (_, i) =>
      i % 97 === 0 ? Number.NaN : Math.sin(i / 50) * 100 + (i % 13),
    );
    const levels = buildPyramid(values);
    for (let k = 1; k < levels.length; k++) {
      const below = levels[k - 1]?.buckets ?? new Float32Array();
      const level = levels[k]?.buckets ?? new Float32Array();
      const coarse = coarsenBuckets(below, 4);
      expect(coarse.length).toBe(level.length);
      for (let i = 0; i < coarse.length; i++) {
        if (i % 4 === 2) expect(level[i]).toBeCloseTo(coarse[i] ?? NaN, 3);
        else expect(level[i]).toBe(Math.fround(coarse[i] ?? NaN));
      }
    }
  });
});

describe('streaming and resuming', () => {
  function splitRun(
    values: Float32Array,
    cuts: number[],
    viaJson: boolean[],
  ): { parts: LevelBuckets[]; state: PyramidState } {
    const points = [...new Set(cuts.map((cut) => cut % (values.length + 1)))].sort((a, b) => a - b);
    let builder = createPyramidBuilder({ dtype: 'float32' });
    const parts: LevelBuckets[] = [];
    let from = 0;
    for (const [i, to] of [...points, values.length].entries()) {
      parts.push(...builder.push(values.subarray(from, to)));
      // A store writes the tails after every append; the next append overwrites them.
      parts.push(...builder.tails());
      if (viaJson[i % Math.max(1, viaJson.length)] === true) {
        const state = JSON.parse(JSON.stringify(builder.state())) as PyramidState;
        builder = createPyramidBuilder({ dtype: 'float32', state });
      }
      from = to;
    }
    return { parts, state: builder.state() };
  }

  it('gives the same bytes whatever the split points, resumed through JSON or not', () => {
    const sample = fc.oneof(
      { weight: 20, arbitrary: fc.float({ noNaN: true, noDefaultInfinity: true }) },
      { weight: 2, arbitrary: fc.constant(Number.NaN) },
      { weight: 1, arbitrary: fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY) },
    );
    fc.assert(
      fc.property(
        fc.array(sample, { maxLength: 3000 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.array(fc.boolean(), { maxLength: 5 }),
        (list, cuts, viaJson) => {
          const values = Float32Array.from(list);
          const once = buildPyramid(values);
          const { parts, state } = splitRun(values, cuts, viaJson);
          const split = assemble(parts, 'float32');
          expect([...split.keys()]).toEqual(once.map((level) => level.level));
          for (const level of once) {
            const got = split.get(level.level);
            expect(got !== undefined && same(got, level.buckets)).toBe(true);
          }
          const whole = createPyramidBuilder({ dtype: 'float32' });
          whole.push(values);
          expect(state).toEqual(whole.state());
        },
      ),
      { numRuns: 200 },
    );
  });

  it('writes −0 as 0, so a split through JSON (which drops the sign) gives the same bytes', () => {
    const values = Float32Array.from([-0, 0, -0, 5, -0]);
    const once = buildPyramid(values);
    const { parts, state } = splitRun(values, [1, 3], [true]);
    const split = assemble(parts, 'float32');
    for (const level of once) {
      const got = split.get(level.level);
      expect(got !== undefined && same(got, level.buckets)).toBe(true);
      expect(Object.is(level.buckets[0], 0)).toBe(true);
    }
    const whole = createPyramidBuilder({ dtype: 'float32' });
    whole.push(values);
    expect(state).toEqual(whole.state());
  });

  it('resumes a long signal appended in uneven pieces', () => {
    const length = 2 ** 20 + 5;
    const values = Float32Array.from({ length }, (_, i) => ((i * 7919) % 10007) / 100 - 50);
    const pieces = [1, 63, 64, 1000, 2 ** 18, 3, 2 ** 19, 2 ** 17 + 17];
    const parts: LevelBuckets[] = [];
    let state: PyramidState | undefined;
    let from = 0;
    for (const size of [...pieces, length]) {
      const to = Math.min(length, from + size);
      const builder = createPyramidBuilder(
        state === undefined ? { dtype: 'float32' } : { dtype: 'float32', state },
      );
      parts.push(...builder.push(values.subarray(from, to)), ...builder.tails());
      state = JSON.parse(JSON.stringify(builder.state())) as PyramidState;
      from = to;
      if (from === length) break;
    }
    expect(state?.length).toBe(length);
    const split = assemble(parts, 'float32');
    for (const level of buildPyramid(values)) {
      const got = split.get(level.level);
      expect(got !== undefined && same(got, level.buckets)).toBe(true);
    }
  });

  it('returns completed buckets per push and the open ones as tails', () => {
    const builder = createPyramidBuilder({ dtype: 'float64' });
    const first = builder.push(Float64Array.from({ length: 100 }, (_, i) => i));
    expect(first.map(({ level, start }) => [level, start])).toEqual([[1, 0]]);
    expect(Array.from(first[0]?.buckets ?? [])).toEqual([0, 63, 31.5, 64]);
    expect(builder.levels).toBe(2);
    expect(builder.tails().map(({ level, start, buckets }) => [level, start, ...buckets])).toEqual([
      [1, 1, 64, 99, 81.5, 36],
      [2, 0, 0, 99, 49.5, 100],
    ]);
    const second = builder.push(Float64Array.from({ length: 156 }, (_, i) => 100 + i));
    expect(second.map(({ level, start, buckets }) => [level, start, buckets.length / 4])).toEqual([
      [1, 1, 3],
      [2, 0, 1],
    ]);
    expect(builder.length).toBe(256);
    expect(builder.tails()).toEqual([]);
  });

  it('keeps a small JSON state', () => {
    const builder = createPyramidBuilder({ dtype: 'float32' });
    builder.push(Float32Array.from({ length: 1_000_000 }, (_, i) => (i === 5 ? Infinity : i)));
    const state = builder.state();
    expect(state.open.length).toBeLessThanOrEqual(levelCount(1_000_000) + 1);
    expect(JSON.stringify(state).length).toBeLessThan(1000);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });

  it('rejects a malformed state and samples of another dtype', () => {
    const bad = [
      { length: -1, open: [] },
      { length: 1.5, open: [] },
      { length: 10, open: 'x' },
      { length: 10, open: [[1, 2, 3]] },
      { length: 10, open: [[1, 2, 3, 'lots']] },
      { length: 10, open: [[1, 2, 3, 65]] },
    ];
    for (const state of bad) {
      expect(() =>
        createPyramidBuilder({ dtype: 'float32', state: state as unknown as PyramidState }),
      ).toThrow(RangeError);
    }
    const builder = createPyramidBuilder({ dtype: 'float32' });
    expect(() => builder.push(new Float64Array(3))).toThrow(TypeError);
  });
});

describe('reduceLevelRange', () => {
  it('merges buckets by count and skips empty ones', () => {
    const buckets = Float32Array.from(
      [
        [1, 5, 2, 10],
        [NaN, NaN, NaN, 0],
        [-3, 9, 6, 30],
      ].flat(),
    );
    expect(reduceLevelRange(buckets)).toEqual({ min: -3, max: 9, mean: 5, count: 40 });
    expect(reduceLevelRange(buckets, 1, 2)).toEqual({ min: NaN, max: NaN, mean: NaN, count: 0 });
    expect(() => reduceLevelRange(buckets, 2, 4)).toThrow(RangeError);
  });
});
