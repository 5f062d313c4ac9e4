import { describe, expect, it } from 'vitest';
import { HttpError } from '../../http/errors.ts';
import { bucketRange, parseBound, type RangeSignal, sampleRange } from './range.ts';

const t0Us = Date.UTC(2024, 0, 1) * 1000;
const regular: RangeSignal = { length: 1000, time: { t0Us, sampleRate: 100 }, irregular: false };

function reason(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpError) return `${error.status} ${error.details.reason ?? ''}`;
    throw error;
  }
  return undefined;
}

describe('sampleRange', () => {
  it('defaults to the whole signal and clamps indices to it', () => {
    expect(sampleRange({}, regular)).toEqual({ start: 0, end: 1000 });
    expect(sampleRange({ start: '10', end: '20' }, regular)).toEqual({ start: 10, end: 20 });
    expect(sampleRange({ start: '990', end: '5000' }, regular)).toEqual({ start: 990, end: 1000 });
    expect(sampleRange({ start: '2000' }, regular)).toEqual({ start: 1000, end: 1000 });
    expect(sampleRange({ start: '5', end: '5' }, regular)).toEqual({ start: 5, end: 5 });
  });

  it('converts ISO instants to the first sample at or after them', () => {
    // 100 Hz: sample i at t0 + 10 ms · i.
    expect(
      sampleRange({ start: '2024-01-01T00:00:01Z', end: '2024-01-01T00:00:02.005Z' }, regular),
    ).toEqual({ start: 100, end: 201 });
    expect(sampleRange({ start: '2024-01-01T00:00:00.001Z' }, regular).start).toBe(1);
    expect(sampleRange({ start: '2024-01-01T01:00:00+01:00' }, regular).start).toBe(0);
    // Before t0 and after the end: clamped.
    expect(sampleRange({ start: '2023-12-31T00:00:00Z', end: '2030-01-01' }, regular)).toEqual({
      start: 0,
      end: 1000,
    });
  });

  it('names a sample exactly when the instant falls on it, whatever the rate', () => {
    const odd: RangeSignal = {
      length: 10 ** 9,
      time: { t0Us: 0, sampleRate: 3 },
      irregular: false,
    };
    expect(parseBound('1970-01-01T00:00:01Z', 'start', odd)).toBe(3);
    expect(parseBound('1970-01-01T00:00:00.333333Z', 'start', odd)).toBe(1);
    const audio: RangeSignal = {
      length: 10 ** 9,
      time: { t0Us: 0, sampleRate: 44_100 },
      irregular: false,
    };
    expect(parseBound('1970-01-02T00:00:00Z', 'end', audio)).toBe(86_400 * 44_100);
  });

  it('refuses bad bounds with clear 400s', () => {
    expect(reason(() => sampleRange({ start: '20', end: '10' }, regular))).toBe(
      '400 invalid_range',
    );
    expect(reason(() => sampleRange({ start: 'abc' }, regular))).toBe('400 invalid_range');
    expect(reason(() => sampleRange({ start: '-5' }, regular))).toBe('400 invalid_range');
    expect(reason(() => sampleRange({ start: '1.5' }, regular))).toBe('400 invalid_range');
    expect(reason(() => sampleRange({ end: '99999999999999999999' }, regular))).toBe(
      '400 invalid_range',
    );
    expect(reason(() => sampleRange({ start: '2024-02-30' }, regular))).toBe('400 invalid_range');
    expect(
      reason(() =>
        sampleRange({ start: '2024-01-01T00:00:02Z', end: '2024-01-01T00:00:01Z' }, regular),
      ),
    ).toBe('400 invalid_range');
    const irregular: RangeSignal = { length: 10, time: null, irregular: true };
    expect(reason(() => sampleRange({ start: '2024-01-01' }, irregular))).toBe(
      '400 irregular_signal',
    );
    const timeless: RangeSignal = { length: 10, time: null, irregular: false };
    expect(reason(() => sampleRange({ end: '2024-01-01' }, timeless))).toBe('400 no_time_base');
    expect(sampleRange({ start: '1', end: '3' }, irregular)).toEqual({ start: 1, end: 3 });
  });
});

describe('bucketRange', () => {
  it('takes the buckets that overlap the samples, within the level', () => {
    expect(bucketRange({ start: 0, end: 64 }, 64, 10)).toEqual({ first: 0, end: 1 });
    expect(bucketRange({ start: 63, end: 65 }, 64, 10)).toEqual({ first: 0, end: 2 });
    expect(bucketRange({ start: 64, end: 128 }, 64, 10)).toEqual({ first: 1, end: 2 });
    expect(bucketRange({ start: 600, end: 1000 }, 64, 10)).toEqual({ first: 9, end: 10 });
    expect(bucketRange({ start: 70, end: 70 }, 64, 10)).toEqual({ first: 1, end: 1 });
    expect(bucketRange({ start: 5000, end: 5000 }, 64, 10)).toEqual({ first: 10, end: 10 });
  });
});
