// The lake's pyramids with the wasm level-1 kernel injected are the pyramids of the reducer's
// own loop, byte for byte: random samples (NaN, ±Infinity, −0, subnormals, huge values), cut
// into random pushes and resumed from `state()` at random points, for both float dtypes; and
// an integer signal, which the kernel declines, still reduces.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LEVEL1_BUCKET } from '../../src/algorithms/windowed/wasm/level1.ts';
import { allocate, type Dtype, type SignalArray } from '../../src/shared/chunk/index.ts';
import {
  createPyramidBuilder,
  type Level1Reducer,
  type LevelBuckets,
} from '../../src/shared/signal/pyramid.ts';
import { LEVEL1_BUCKET_LENGTH, type PyramidState } from '../../src/shared/signal/types.ts';
import { level1Reducer } from './level1.ts';

const SPECIAL = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  0,
  5e-324,
  1e300,
  -3.4e38,
];

/** Every push's completed buckets and the final tails, as bytes per level. */
function run(
  dtype: Dtype,
  values: SignalArray,
  cuts: number[],
  resumes: Set<number>,
  level1?: Level1Reducer,
): string[] {
  const bytes: string[] = [];
  const record = (parts: LevelBuckets[]) => {
    for (const part of parts) {
      const raw = new Uint8Array(
        part.buckets.buffer,
        part.buckets.byteOffset,
        part.buckets.byteLength,
      );
      bytes.push(`${part.level}@${part.start}:${Buffer.from(raw).toString('hex')}`);
    }
  };
  const make = (state?: PyramidState) =>
    createPyramidBuilder({
      dtype,
      ...(state === undefined ? {} : { state }),
      ...(level1 === undefined ? {} : { level1 }),
    });
  let builder = make();
  let from = 0;
  for (const [index, to] of [...cuts, values.length].entries()) {
    record(builder.push(values.subarray(from, to)));
    from = to;
    // Through JSON, as the lake keeps it in the signal header.
    if (resumes.has(index))
      builder = make(JSON.parse(JSON.stringify(builder.state())) as PyramidState);
  }
  record(builder.tails());
  bytes.push(JSON.stringify(builder.state()));
  return bytes;
}

const reducer = level1Reducer;

describe('the wasm level-1 kernel in the pyramid reducer', () => {
  it('is loaded in Node, with the reducer’s bucket length', () => {
    expect(reducer).toBeDefined();
    expect(LEVEL1_BUCKET).toBe(LEVEL1_BUCKET_LENGTH);
  });

  for (const dtype of ['float32', 'float64'] as const) {
    it(`gives the reducer’s own bytes for ${dtype}, any split, any resume`, () => {
      fc.assert(
        fc.property(
          fc.array(
            fc.oneof(
              { weight: 6, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
              { weight: 1, arbitrary: fc.constantFrom(...SPECIAL) },
            ),
            // size 'max': fast-check's default size keeps arrays below one bucket.
            { minLength: 0, maxLength: 3000, size: 'max' },
          ),
          fc.array(fc.nat(), { maxLength: 6, size: 'max' }),
          fc.array(fc.nat({ max: 6 }), { maxLength: 3 }),
          (samples, rawCuts, rawResumes) => {
            const values = allocate(dtype, samples.length);
            values.set(samples);
            const cuts = [...new Set(rawCuts.map((cut) => cut % (values.length + 1)))].sort(
              (a, b) => a - b,
            );
            const resumes = new Set(rawResumes);
            expect(run(dtype, values, cuts, resumes, reducer)).toEqual(
              run(dtype, values, cuts, resumes),
            );
          },
        ),
        { numRuns: 150 },
      );
    });
  }

  it('leaves integer signals to the reducer’s loop, with the same bytes', () => {
    const values = allocate('int16', 64 * 70 + 5);
    for (let i = 0; i < values.length; i++) values[i] = ((i * 7919) % 65536) - 32768;
    expect(run('int16', values, [100, 4000], new Set([0]), reducer)).toEqual(
      run('int16', values, [100, 4000], new Set([0])),
    );
  });

  it('refuses a range beyond the samples', () => {
    expect(() => reducer?.reduceBuckets(new Float32Array(100), 0, 2, new Float64Array(8))).toThrow(
      RangeError,
    );
  });
});
