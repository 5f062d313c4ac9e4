import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillRowTimesUs, instantToUs, isoFromUs, needsMicroseconds, rowTimeUs } from './time.ts';

describe('slice times', () => {
  it('parses ISO instants to the microsecond', () => {
    expect(instantToUs('1970-01-01T00:00:00.000001Z')).toBe(1);
    expect(instantToUs('2024-05-01T12:00:00.123456Z')).toBe(
      Date.UTC(2024, 4, 1, 12) * 1000 + 123_456,
    );
    expect(instantToUs('1969-12-31T23:59:59Z')).toBe(-1_000_000);
    expect(instantToUs('soon')).toBeUndefined();
  });

  it('fills 64-bit times exactly as BigInt arithmetic would', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 50), max: 2 ** 50 }),
        fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
        fc.integer({ min: 1, max: 4096 }),
        fc.integer({ min: 0, max: 2 ** 32 }),
        (t0Us, sampleRate, samplesPerRow, first) => {
          const time = { t0Us, sampleRate };
          // Times are exact integers only below 2^53 µs (year 287 000): the lake's range.
          fc.pre(Math.abs(rowTimeUs(time, samplesPerRow, first + 5)) < 2 ** 53);
          const out = new BigInt64Array(5);
          fillRowTimesUs(time, samplesPerRow, first, out);
          expect(Array.from(out)).toEqual(
            Array.from({ length: 5 }, (_, i) => BigInt(rowTimeUs(time, samplesPerRow, first + i))),
          );
        },
      ),
    );
  });

  it('prints ISO times with milliseconds or microseconds', () => {
    expect(isoFromUs(1_500, false)).toBe('1970-01-01T00:00:00.001Z');
    expect(isoFromUs(1_500, true)).toBe('1970-01-01T00:00:00.001500Z');
    expect(isoFromUs(-1, true)).toBe('1969-12-31T23:59:59.999999Z');
    expect(needsMicroseconds({ samplesPerRow: 1, time: { t0Us: 0, sampleRate: 1000 } })).toBe(
      false,
    );
    expect(needsMicroseconds({ samplesPerRow: 64, time: { t0Us: 0, sampleRate: 1000 } })).toBe(
      false,
    );
    expect(needsMicroseconds({ samplesPerRow: 1, time: { t0Us: 0, sampleRate: 2000 } })).toBe(true);
    expect(needsMicroseconds({ samplesPerRow: 1, time: { t0Us: 5, sampleRate: 1 } })).toBe(true);
    expect(needsMicroseconds({ samplesPerRow: 1, time: null })).toBe(false);
  });
});
