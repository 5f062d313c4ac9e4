import { describe, expect, it } from 'vitest';
import {
  bucketLength,
  levelCount,
  levelDtype,
  levelForSpan,
  levelId,
  levelLength,
  MAX_LEVELS,
  pageId,
} from './types.ts';

describe('pyramid geometry', () => {
  it('grows buckets fourfold from 64 samples', () => {
    expect([1, 2, 3, 4].map(bucketLength)).toEqual([64, 256, 1024, 4096]);
    expect(bucketLength(MAX_LEVELS)).toBeGreaterThanOrEqual(2 ** 53);
    expect(() => bucketLength(0)).toThrow(RangeError);
    expect(() => bucketLength(1.5)).toThrow(RangeError);
  });

  it('builds levels up to the one whose single bucket covers the signal', () => {
    expect(levelCount(0)).toBe(0);
    expect(levelCount(1)).toBe(1);
    expect(levelCount(64)).toBe(1);
    expect(levelCount(65)).toBe(2);
    expect(levelCount(256)).toBe(2);
    expect(levelCount(257)).toBe(3);
    expect(levelCount(1e8)).toBe(12);
    expect(levelCount(Number.MAX_SAFE_INTEGER)).toBeLessThanOrEqual(MAX_LEVELS);
    for (const length of [1, 63, 64, 65, 1000, 4097, 123_456_789]) {
      const top = levelCount(length);
      expect(levelLength(length, top)).toBe(1);
      if (top > 1) expect(levelLength(length, top - 1)).toBeGreaterThan(1);
    }
    expect(() => levelCount(-1)).toThrow(RangeError);
  });

  it('names levels and pages after their signal', () => {
    expect(levelId('signal/x/power', 3)).toBe('signal/x/power/level/3');
    expect(pageId(levelId('signal/x/power', 3), 0)).toBe('signal/x/power/level/3/manifest/0');
  });

  it('keeps levels exact: float32 for float32 and int16, float64 for float64 and int32', () => {
    expect(levelDtype('float32')).toBe('float32');
    expect(levelDtype('int16')).toBe('float32');
    expect(levelDtype('float64')).toBe('float64');
    expect(levelDtype('int32')).toBe('float64');
  });

  it('picks the level that shows a span in at most the given columns', () => {
    expect(levelForSpan(800, 1000)).toBe(0);
    expect(levelForSpan(64_000, 1000)).toBe(1);
    expect(levelForSpan(64_001, 1000)).toBe(2);
    expect(levelForSpan(1e9, 1000)).toBe(Math.ceil(Math.log(1e9 / 64_000) / Math.log(4)) + 1);
  });
});
