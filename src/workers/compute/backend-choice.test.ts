import { describe, expect, it } from 'vitest';
import { AlgorithmError } from '../../algorithms/errors.ts';
import { createKernelRegistry } from '../../algorithms/registry.ts';
import { jsWindowKernel, type WindowKernel } from '../../algorithms/windowed/kernels.ts';
import { MemoryChunkStore } from '../../jio/chunks/memory-chunk-store.ts';
import { createStorageRegistry, registerCoreStorages } from '../../jio/registry.ts';
import { SignalStore } from '../../jio/signals/signal-store.ts';
import { measureBackends, preferenceOf } from './backend-choice.ts';
import { ComputePool } from './compute-pool.ts';
import { createComputeWorkerApi } from './compute-worker-api.ts';

/** A kernel as fast as js, slowed by `delayMs` per call (a software GPU, say). */
function slowed(backend: 'wasm' | 'webgpu', delayMs: number): WindowKernel {
  return {
    backend,
    dtypes: ['float32'],
    async reduce(...args) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      await jsWindowKernel.reduce(...args);
    },
  };
}

describe('backend choice', () => {
  it('orders backends by measured time, drops those slower than js and those that fail', async () => {
    const kernels = createKernelRegistry<WindowKernel>();
    kernels.register({ backend: 'js', create: () => jsWindowKernel });
    kernels.register({ backend: 'webgpu', create: () => slowed('webgpu', 200) });
    kernels.register({
      backend: 'wasm',
      create: () => {
        throw new AlgorithmError('unavailable', 'no SIMD here');
      },
    });
    const timings = await measureBackends(kernels);
    expect(timings.map((timing) => timing.backend)).toEqual(['webgpu', 'wasm', 'js']);
    expect(timings[1]).toEqual({ backend: 'wasm', ms: null, reason: 'no SIMD here' });
    expect(preferenceOf(timings)).toEqual(['js']);
    expect(
      preferenceOf([
        { backend: 'webgpu', ms: 1 },
        { backend: 'wasm', ms: 2 },
        { backend: 'js', ms: 9 },
      ]),
    ).toEqual(['webgpu', 'wasm', 'js']);
  });

  it('measures once per device, keeps the order in its cache, and runs auto jobs by it', async () => {
    const registry = createStorageRegistry();
    registerCoreStorages(registry);
    const storage = registry.create({ type: 'memory', name: 'choice' });
    const signals = new SignalStore(storage, new MemoryChunkStore());
    await signals.create('s', { datasetId: 'd', name: 'x', chunkLength: 1024 });
    await signals.append(
      's',
      Float32Array.from({ length: 4096 }, (_, i) => i),
    );
    const kernels = createKernelRegistry<WindowKernel>();
    kernels.register({ backend: 'js', create: () => jsWindowKernel });
    kernels.register({
      backend: 'webgpu',
      create: () => ({ ...jsWindowKernel, backend: 'webgpu' }),
    });
    let measured = 0;
    const stored: string[][] = [];
    const pool = new ComputePool({
      size: 1,
      spawn: () => {
        const api = createComputeWorkerApi({ storage, signals }, { windowKernels: kernels });
        return {
          api: {
            ...api,
            measure: () => {
              measured++;
              // As fast as js here: a tie keeps js, so make the "GPU" win on paper.
              return Promise.resolve([
                { backend: 'webgpu', ms: 1 },
                { backend: 'js', ms: 5 },
              ]);
            },
          },
          terminate: () => undefined,
        };
      },
      preferences: { load: () => stored.at(-1) as never, store: (order) => stored.push(order) },
    });
    const job = { id: 'j', algorithm: 'windowed', params: { window: 64 }, signal: 's' };
    expect((await pool.run(job)).backend).toBe('webgpu');
    expect((await pool.run(job)).backend).toBe('webgpu');
    expect(measured).toBe(1);
    expect(stored).toEqual([['webgpu', 'js']]);
    // Named backends bypass the measurement.
    expect((await pool.run({ ...job, backend: 'js' })).backend).toBe('js');
  });
});
