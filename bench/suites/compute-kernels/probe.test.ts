import { describe, expect, it } from 'vitest';
import { relativeNormError, StridedProbe } from './probe.ts';

describe('StridedProbe', () => {
  it('picks the same values whatever the chunking', () => {
    const stream = Float64Array.from({ length: 103 }, (_, i) => i * 10);
    const whole = new StridedProbe(7);
    whole.add(stream);
    expect(whole.values).toEqual(Array.from({ length: 15 }, (_, k) => k * 70));
    expect(whole.count).toBe(103);
    for (const sizes of [[1], [6, 1, 8], [7], [13, 0, 50], [200]]) {
      const probe = new StridedProbe(7);
      let at = 0;
      // Chunk sizes cycle through `sizes` (an empty chunk included) until the stream ends.
      for (let part = 0; at < stream.length; part++) {
        const size = sizes[part % sizes.length] as number;
        probe.add(stream.subarray(at, Math.min(stream.length, at + size)));
        at += size;
      }
      expect(probe.values).toEqual(whole.values);
      expect(probe.count).toBe(103);
    }
  });

  it('takes every value with stride 1 and refuses a stride below 1', () => {
    const probe = new StridedProbe(1);
    probe.add([1, 2]);
    probe.add([3]);
    expect(probe.values).toEqual([1, 2, 3]);
    expect(() => new StridedProbe(0)).toThrow(/positive integer/);
    expect(() => new StridedProbe(1.5)).toThrow(/positive integer/);
  });
});

describe('relativeNormError', () => {
  it('is the norm-wise relative difference', () => {
    expect(relativeNormError([3, 4], [3, 4])).toBe(0);
    expect(relativeNormError([3, 4.5], [3, 4])).toBeCloseTo(0.1, 12);
    expect(relativeNormError([], [])).toBe(0);
  });

  it('fails a check on different lengths, non-finite values or a zero reference', () => {
    expect(relativeNormError([1], [1, 2])).toBe(Infinity);
    expect(relativeNormError([Number.NaN], [1])).toBe(Infinity);
    expect(relativeNormError([1], [Number.POSITIVE_INFINITY])).toBe(Infinity);
    expect(relativeNormError([1], [0])).toBe(Infinity);
  });
});
