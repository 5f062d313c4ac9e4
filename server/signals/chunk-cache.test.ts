// The decoded-chunk cache: copies in and out (editors change what they get), least recently
// used entries dropped first once over budget, oversized entries never kept.
import { describe, expect, it } from 'vitest';
import { ChunkCache } from './chunk-cache.ts';

describe('ChunkCache', () => {
  it('hands out copies, so an edit never reaches the cached version', () => {
    const cache = new ChunkCache(1024);
    const values = Float32Array.of(1, 2, 3);
    cache.set('a', values);
    values[0] = 99;
    const first = cache.get('a');
    expect(first).toEqual(Float32Array.of(1, 2, 3));
    if (first !== undefined) first[1] = 42;
    expect(cache.get('a')).toEqual(Float32Array.of(1, 2, 3));
    expect(cache.get('missing')).toBeUndefined();
  });

  it('drops the least recently used entries once over budget', () => {
    const cache = new ChunkCache(3 * 16);
    for (const key of ['a', 'b', 'c']) cache.set(key, new Float32Array(4));
    expect(cache.bytes).toBe(48);
    cache.get('a'); // a is now the most recently used: b goes first
    cache.set('d', new Float32Array(4));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.get('d')).toBeDefined();
    expect(cache.bytes).toBe(48);
    // Replacing an entry counts its bytes once.
    cache.set('d', new Float32Array(4));
    expect(cache.bytes).toBe(48);
  });

  it('never keeps an entry larger than its budget', () => {
    const cache = new ChunkCache(8);
    cache.set('big', new Float64Array(2));
    expect(cache.get('big')).toBeUndefined();
    expect(cache.bytes).toBe(0);
  });
});
