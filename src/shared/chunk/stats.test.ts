import { describe, expect, it } from 'vitest';
import { chunkStats } from './stats.ts';
import type { SignalArray } from './dtype.ts';

const NaN_ = Number.NaN;

describe('chunkStats', () => {
  it.each([
    ['empty', new Float32Array([]), { min: NaN_, max: NaN_, mean: NaN_, count: 0, nanCount: 0 }],
    [
      'one sample',
      new Float32Array([2.5]),
      { min: 2.5, max: 2.5, mean: 2.5, count: 1, nanCount: 0 },
    ],
    [
      'plain floats',
      new Float64Array([1, -2, 4, 7]),
      { min: -2, max: 7, mean: 2.5, count: 4, nanCount: 0 },
    ],
    [
      'NaN is ignored',
      new Float32Array([NaN_, 1, NaN_, 3]),
      { min: 1, max: 3, mean: 2, count: 2, nanCount: 2 },
    ],
    [
      'all NaN',
      new Float64Array([NaN_, NaN_]),
      { min: NaN_, max: NaN_, mean: NaN_, count: 0, nanCount: 2 },
    ],
    [
      '+Infinity: in max, not counted nor in the mean',
      new Float32Array([1, Infinity, 3]),
      { min: 1, max: Infinity, mean: 2, count: 2, nanCount: 0 },
    ],
    [
      '-Infinity: in min',
      new Float64Array([-Infinity, 0, 2, NaN_]),
      { min: -Infinity, max: 2, mean: 1, count: 2, nanCount: 1 },
    ],
    [
      'only infinities and NaN',
      new Float64Array([Infinity, -Infinity, NaN_]),
      { min: -Infinity, max: Infinity, mean: NaN_, count: 0, nanCount: 1 },
    ],
    ['-0 and 0', new Float32Array([-0, 0]), { min: -0, max: -0, mean: 0, count: 2, nanCount: 0 }],
    [
      'int16 extremes',
      new Int16Array([-32768, 32767, 1]),
      { min: -32768, max: 32767, mean: 0, count: 3, nanCount: 0 },
    ],
    [
      'int32',
      new Int32Array([2 ** 31 - 1, 2 ** 31 - 1]),
      { min: 2 ** 31 - 1, max: 2 ** 31 - 1, mean: 2 ** 31 - 1, count: 2, nanCount: 0 },
    ],
  ] as const)('%s', (_name, values: SignalArray, expected) => {
    expect(chunkStats(values)).toEqual(expected);
  });

  it('means merge exactly by count', () => {
    const a = chunkStats(new Float64Array([1, 2, NaN_, Infinity]));
    const b = chunkStats(new Float64Array([10, 20, 30]));
    const all = chunkStats(new Float64Array([1, 2, NaN_, Infinity, 10, 20, 30]));
    expect((a.mean * a.count + b.mean * b.count) / (a.count + b.count)).toBe(all.mean);
  });

  it('covers only the view it is given (the valid samples of a decoded chunk)', () => {
    const chunk = new Float32Array([1, 2, 3, NaN_, NaN_]);
    expect(chunkStats(chunk.subarray(0, 3))).toEqual({
      min: 1,
      max: 3,
      mean: 2,
      count: 3,
      nanCount: 0,
    });
  });
});
