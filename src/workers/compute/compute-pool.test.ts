import { describe, expect, it } from 'vitest';
import { createKernelRegistry } from '../../algorithms/registry.ts';
import { jsWindowKernel, type WindowKernel } from '../../algorithms/windowed/kernels.ts';
import { windowed } from '../../algorithms/windowed/reference.ts';
import { MemoryChunkStore } from '../../jio/chunks/memory-chunk-store.ts';
import { isJioError } from '../../jio/errors.ts';
import { createStorageRegistry, registerCoreStorages } from '../../jio/registry.ts';
import { SignalStore } from '../../jio/signals/signal-store.ts';
import { ComputePool, splitRange } from './compute-pool.ts';
import { createComputeWorkerApi } from './compute-worker-api.ts';
import type { ComputeJob, ComputeProgress } from './jobs.ts';

const registry = createStorageRegistry();
registerCoreStorages(registry);
let count = 0;

async function setup(values: Float32Array | Float64Array | Int16Array, chunkLength = 1024) {
  const storage = registry.create({ type: 'memory', name: `compute-${String(++count)}` });
  const signals = new SignalStore(storage, new MemoryChunkStore());
  const dtype =
    values instanceof Float32Array
      ? 'float32'
      : values instanceof Float64Array
        ? 'float64'
        : 'int16';
  await signals.create('s', { datasetId: 'd', name: 'vibration', chunkLength, dtype });
  await signals.append('s', values);
  const spawned: number[] = [];
  // In Node the "workers" are the API itself, one instance per worker, as comlink would give.
  const pool = new ComputePool({
    size: 3,
    spawn: () => {
      spawned.push(spawned.length);
      return { api: createComputeWorkerApi({ storage, signals }), terminate: () => undefined };
    },
  });
  return { storage, signals, pool, spawned };
}

function noise(n: number, nanEvery = 0): Float32Array {
  let seed = 7;
  return Float32Array.from({ length: n }, (_, i) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return nanEvery > 0 && i % nanEvery === 0 ? Number.NaN : seed / 2 ** 31 - 0.5;
  });
}

function reference(values: Float32Array, window: number) {
  const state = windowed.init({ window, partial: 'keep' }, 'float32');
  const a = windowed.update(state, values);
  const b = windowed.finish(state);
  return { min: [...a.min, ...b.min], max: [...a.max, ...b.max], count: [...a.count, ...b.count] };
}

const job = (over: Partial<ComputeJob> = {}): ComputeJob => ({
  id: 'j',
  algorithm: 'windowed',
  params: { window: 100 },
  signal: 's',
  ...over,
});

describe('compute pool', () => {
  it('runs windowed statistics over a stored signal, split across workers, as the reference', async () => {
    const values = noise(10_000, 97);
    const { pool, spawned } = await setup(values);
    const progress: ComputeProgress[] = [];
    const result = await pool.run(job(), { onProgress: (p) => progress.push(p) });
    const expected = reference(values, 100);
    expect([...(result.outputs.min ?? [])]).toEqual(expected.min);
    expect([...(result.outputs.max ?? [])]).toEqual(expected.max);
    expect([...(result.outputs.count ?? [])]).toEqual(expected.count);
    expect(spawned.length).toBe(3);
    expect(result).toMatchObject({
      algorithm: 'windowed',
      version: 1,
      start: 0,
      end: 10_000,
    });
    // auto: the order measured on this machine (wasm beats js in Node), js always last.
    const preferred = await pool.preferred();
    expect(preferred.at(-1)).toBe('js');
    expect(result.backend).toBe(preferred[0]);
    expect(result.params).toEqual({ window: 100 });
    // 10 chunks of 1024, each named once, in order.
    expect(result.inputChunks).toHaveLength(10);
    expect(new Set(result.inputChunks).size).toBe(10);
    expect(progress.at(-1)).toEqual({ jobId: 'j', done: 10_000, total: 10_000 });
  });

  it('gives the same result on one worker and on several, for a range not on chunk edges', async () => {
    const values = noise(7_777);
    const { pool } = await setup(values, 256);
    const one = await pool.run(job({ start: 333, end: 7_000, params: { window: 64 } }), {
      parallel: 1,
    });
    const three = await pool.run(job({ start: 333, end: 7_000, params: { window: 64 } }));
    expect(three.outputs).toEqual(one.outputs);
    expect(three.inputChunks).toEqual(one.inputChunks);
    expect([...(one.outputs.max ?? [])]).toEqual(reference(values.subarray(333, 7_000), 64).max);
  });

  it('reads integer signals as floats', async () => {
    const values = Int16Array.from({ length: 3000 }, (_, i) => (i % 200) - 100);
    const { pool } = await setup(values);
    const result = await pool.run(job({ params: { window: 1000 } }));
    expect([...(result.outputs.min ?? [])]).toEqual([-100, -100, -100]);
    expect(result.outputs.min).toBeInstanceOf(Float32Array);
  });

  it('stops a cancelled job and rejects with AbortError at once', async () => {
    const { pool } = await setup(noise(50_000), 1024);
    const controller = new AbortController();
    let seen = 0;
    const running = pool.run(job(), {
      signal: controller.signal,
      onProgress: (p) => {
        seen = p.done;
        if (p.done > 0) controller.abort();
      },
    });
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toBeLessThan(50_000);
    // The pool is not left with busy workers: the next job runs.
    const after = await pool.run(job({ end: 1000 }));
    expect(after.outputs.min).toHaveLength(10);
  });

  it('refuses unknown algorithms, bad parameters and ranges outside the signal with clear errors', async () => {
    const { pool } = await setup(noise(1000));
    const refusal = async (over: Partial<ComputeJob>) => {
      try {
        await pool.run(job(over));
      } catch (error) {
        return error;
      }
      throw new Error('no error');
    };
    const unknown = await refusal({ algorithm: 'nope' });
    expect(isJioError(unknown, 'bad_request') && /no algorithm "nope"/.test(unknown.message)).toBe(
      true,
    );
    const badWindow = await refusal({ params: { window: 0 } });
    expect(
      isJioError(badWindow, 'bad_request') && /window must be an integer/.test(badWindow.message),
    ).toBe(true);
    expect(isJioError(await refusal({ start: 10, end: 5000 }), 'range_not_satisfiable')).toBe(true);
    expect(isJioError(await refusal({ signal: 'missing' }), 'not_found')).toBe(true);
  });

  it('finishes on the reference when a backend fails mid-job, and says so', async () => {
    const values = noise(5000, 50);
    const { storage, signals } = await setup(values);
    const kernels = createKernelRegistry<WindowKernel>();
    let calls = 0;
    kernels.register({ backend: 'js', create: () => jsWindowKernel });
    kernels.register({
      backend: 'wasm',
      create: () => ({
        backend: 'wasm',
        dtypes: ['float32'],
        reduce(...args) {
          if (++calls === 3) throw new Error('device lost');
          return jsWindowKernel.reduce(...args);
        },
      }),
    });
    const pool = new ComputePool({
      size: 1,
      spawn: () => ({
        api: createComputeWorkerApi({ storage, signals }, { windowKernels: kernels }),
        terminate: () => undefined,
      }),
    });
    const result = await pool.run(job({ backend: 'wasm' }));
    expect(result.backend).toBe('js');
    expect(result.fellBack).toBe('wasm: device lost');
    expect([...(result.outputs.max ?? [])]).toEqual(reference(values, 100).max);
    await expect(pool.run(job({ backend: 'webgpu' }))).rejects.toMatchObject({
      code: 'unavailable',
    });
  });

  it('stops the other parts when one part fails, and reports that failure', async () => {
    const { storage, signals } = await setup(noise(30_000));
    const cancelled: string[] = [];
    const pool = new ComputePool({
      size: 3,
      spawn: () => {
        const api = createComputeWorkerApi({ storage, signals });
        return {
          api: {
            ...api,
            run: (part, onProgress) =>
              part.id.endsWith('#1')
                ? Promise.reject(new Error('worker crashed'))
                : api.run(part, onProgress),
            cancel: (jobId) => {
              cancelled.push(jobId);
              return api.cancel(jobId);
            },
          },
          terminate: () => undefined,
        };
      },
    });
    await expect(pool.run(job())).rejects.toThrow('worker crashed');
    expect(cancelled.sort()).toEqual(['j#0', 'j#1', 'j#2']);
  });

  it('answers an empty range with empty outputs', async () => {
    const { pool } = await setup(noise(1000));
    const result = await pool.run(job({ start: 500, end: 500 }));
    expect(result.outputs.min).toHaveLength(0);
    expect(result.inputChunks).toEqual([]);
  });

  it('cuts ranges at whole windows', () => {
    expect(splitRange(0, 1000, 100, 3)).toEqual([
      { start: 0, end: 300 },
      { start: 300, end: 600 },
      { start: 600, end: 1000 },
    ]);
    expect(splitRange(5, 55, 100, 4)).toEqual([{ start: 5, end: 55 }]);
    expect(splitRange(0, 0, 10, 2)).toEqual([]);
  });
});
