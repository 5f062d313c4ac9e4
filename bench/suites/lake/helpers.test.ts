import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Random } from '../../lib/random.ts';
import { randomChunks, restamp } from './chunks.ts';
import { cpuTicks } from './cpu.ts';
import { parseCurlReport } from './curl.ts';
import { annotationDoc } from './docs.ts';
import { forEachConcurrent } from './pool.ts';
import { fillCounterFloats } from './signal.ts';

describe('forEachConcurrent', () => {
  it('runs every item once with at most `concurrency` in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    await forEachConcurrent([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(item);
      inFlight--;
    });
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });

  it('rejects with the first failure and starts nothing more', async () => {
    const started: number[] = [];
    await expect(
      forEachConcurrent([0, 1, 2, 3, 4, 5], 2, async (item) => {
        started.push(item);
        if (item === 1) throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(started.length).toBeLessThan(6);
  });
});

describe('restamp', () => {
  it('makes each round new chunks whose hashes match their bytes', () => {
    const chunks = randomChunks(3, 64);
    restamp(chunks, 1);
    const first = chunks.map((chunk) => chunk.sha256);
    restamp(chunks, 2);
    for (const chunk of chunks) {
      expect(chunk.sha256).toBe(createHash('sha256').update(chunk.bytes).digest('hex'));
    }
    expect(new Set([...first, ...chunks.map((chunk) => chunk.sha256)]).size).toBe(6);
  });
});

describe('fillCounterFloats', () => {
  it('gives finite floats in [1, 2), the same for a range and its pieces', () => {
    const whole = new Float32Array(1000);
    fillCounterFloats(whole, 5000);
    const tail = new Float32Array(400);
    fillCounterFloats(tail, 5600);
    expect(tail).toEqual(whole.subarray(600));
    expect(whole.every((value) => value >= 1 && value < 2)).toBe(true);
    expect(new Set(whole).size).toBeGreaterThan(990);
  });
});

describe('annotationDoc', () => {
  it('writes annotation-like JSON of 300 B to 2 KB', () => {
    const random = new Random(1);
    for (let i = 0; i < 200; i++) {
      const { id, doc } = annotationDoc(random, i);
      const size = JSON.stringify(doc).length;
      expect(id).toMatch(/^annotation\/bench\/\d{7}$/);
      expect(size).toBeGreaterThanOrEqual(300);
      expect(size).toBeLessThanOrEqual(2048);
    }
  });
});

describe('cpuTicks', () => {
  it('adds utime and stime, whatever the command name holds', () => {
    const rest = 'S 1 1 1 0 -1 4194304 103 0 0 0 17 5 0 0 20 0 1 0 1176343 3133440 406';
    expect(cpuTicks(`28045 (cat) ${rest}`)).toBe(22);
    expect(cpuTicks(`7 (node (x) y) ${rest}`)).toBe(22);
    expect(cpuTicks('garbage')).toBeUndefined();
  });
});

describe('parseCurlReport', () => {
  it('reads status, bytes and seconds (either decimal mark)', () => {
    expect(parseCurlReport('200 400000000 1.250000')).toEqual({
      status: 200,
      bytes: 400_000_000,
      ms: 1250,
    });
    expect(parseCurlReport('404 0 0,004000\n').status).toBe(404);
    expect(() => parseCurlReport('curl: (7) Failed to connect')).toThrow(/unexpected/);
  });
});
