import { describe, expect, it } from 'vitest';
import {
  entriesByPage,
  levelManifestEntry,
  manifestEntry,
  manifestSlot,
  updatePageEntries,
} from './manifest.ts';
import { manifestPageSize, type ManifestEntry } from './types.ts';

const hash = 'ab'.repeat(32);

function entry(count: number): ManifestEntry {
  return { sha256: hash, count, min: 0, max: 1, mean: 0.5, finite: count, nanCount: 0 };
}

describe('manifestEntry', () => {
  it('holds the chunk statistics, non-finite numbers as strings', () => {
    expect(manifestEntry(hash, Float32Array.from([1, Number.NaN, 3, Infinity]))).toEqual({
      sha256: hash,
      count: 4,
      min: 1,
      max: 'Infinity',
      mean: 2,
      finite: 2,
      nanCount: 1,
    });
    expect(manifestEntry(hash, Float64Array.from([Number.NaN]))).toMatchObject({
      min: 'NaN',
      max: 'NaN',
      mean: 'NaN',
      finite: 0,
      nanCount: 1,
    });
  });
});

describe('levelManifestEntry', () => {
  it('counts buckets and merges their statistics by count', () => {
    const buckets = Float32Array.from(
      [
        [1, 5, 2, 10],
        [Number.NaN, Number.NaN, Number.NaN, 0],
        [-3, 9, 6, 30],
      ].flat(),
    );
    expect(levelManifestEntry(hash, buckets)).toEqual({
      sha256: hash,
      count: 3,
      min: -3,
      max: 9,
      mean: 5,
      finite: 40,
      nanCount: 1,
    });
  });
});

describe('pages', () => {
  it('places chunk indices in pages of manifestPageSize', () => {
    expect(manifestSlot(0)).toEqual({ page: 0, slot: 0 });
    expect(manifestSlot(manifestPageSize + 3)).toEqual({ page: 1, slot: 3 });
    const grouped = entriesByPage([
      [manifestPageSize - 1, entry(1)],
      [manifestPageSize, entry(2)],
      [manifestPageSize + 1, entry(3)],
    ]);
    expect([...grouped]).toEqual([
      [0, [[manifestPageSize - 1, entry(1)]]],
      [
        1,
        [
          [0, entry(2)],
          [1, entry(3)],
        ],
      ],
    ]);
  });

  it('replaces and extends a page, refusing holes', () => {
    const current = [entry(1), entry(2)];
    expect(
      updatePageEntries(current, [
        [1, entry(5)],
        [2, entry(6)],
      ]),
    ).toEqual({ ok: true, entries: [entry(1), entry(5), entry(6)] });
    expect(current).toEqual([entry(1), entry(2)]);
    expect(updatePageEntries(current, [[3, entry(7)]])).toEqual({ ok: false, gapBefore: 3 });
  });
});
