// The STFT job on every backend, over a stored signal read in chunks, against the reference
// over the whole array: js exactly, pffft (float32) and WebGPU (SwiftShader in Node) within
// the case tables' float32 tolerance; a stream the GPU does not take falls through.
import { describe, expect, it } from 'vitest';
import { compareArrays } from '../../algorithms/accuracy.ts';
import { nodeGpu } from '../../algorithms/gpu/test-support/node-gpu.suite.ts';
import { createStftKernels } from '../../algorithms/spectral/stft-kernels.ts';
import { stft, stftParams } from '../../algorithms/spectral/stft.ts';
import type { BackendName } from '../../algorithms/types.ts';
import { MemoryChunkStore } from '../../jio/chunks/memory-chunk-store.ts';
import { createStorageRegistry, registerCoreStorages } from '../../jio/registry.ts';
import { SignalStore } from '../../jio/signals/signal-store.ts';
import { ComputePool } from './compute-pool.ts';
import { createComputeWorkerApi } from './compute-worker-api.ts';

const values = Float32Array.from(
  { length: 50_000 },
  (_, i) => Math.sin(i / 5) + 0.5 * Math.sin(i / 1.7) + ((i * 7919) % 97) / 300,
);

async function poolWithGpu() {
  const registry = createStorageRegistry();
  registerCoreStorages(registry);
  const storage = registry.create({ type: 'memory', name: 'stft-entry' });
  const signals = new SignalStore(storage, new MemoryChunkStore());
  await signals.create('s', { datasetId: 'd', name: 'x', chunkLength: 4096 });
  await signals.append('s', values);
  const { gpu, reason } = await nodeGpu();
  if (gpu === undefined) throw new Error(`no GPU for the test: ${reason ?? ''}`);
  const stftKernels = createStftKernels({ gpu });
  return new ComputePool({
    size: 1,
    spawn: () => ({
      api: createComputeWorkerApi({ storage, signals }, { stftKernels }),
      terminate: () => undefined,
    }),
  });
}

function reference(params: Record<string, unknown>) {
  const state = stft.init(stftParams(params), 'float32');
  const a = stft.update(state, values);
  const b = stft.finish(state);
  return { spectrum: [...a.data, ...b.data], times: [...a.times, ...b.times] };
}

describe('the STFT job', () => {
  const params = { fs: 100, nperseg: 256, noverlap: 128 };
  for (const [backend, tolerance] of [
    ['js', 0],
    ['wasm', 1e-5],
    ['webgpu', 1e-5],
  ] as [BackendName, number][]) {
    it(`runs on ${backend} as the reference over the whole array`, async () => {
      const pool = await poolWithGpu();
      const result = await pool.run({
        id: backend,
        algorithm: 'stft',
        params,
        signal: 's',
        backend,
      });
      expect(result.backend).toBe(backend);
      const expected = reference(params);
      expect([...(result.outputs.times ?? [])]).toEqual(expected.times);
      const comparison = compareArrays(result.outputs.spectrum ?? [], expected.spectrum);
      expect(comparison.lengthMatches).toBe(true);
      expect(comparison.relativeError).toBeLessThanOrEqual(tolerance);
    }, 120_000);
  }

  it('falls through from WebGPU for a stream it does not take (boundary zeros)', async () => {
    const pool = await poolWithGpu();
    const zeros = { ...params, boundary: 'zeros', padded: true };
    const result = await pool.run({
      id: 'z',
      algorithm: 'stft',
      params: zeros,
      signal: 's',
      preferred: ['webgpu', 'wasm', 'js'],
    });
    expect(result.backend).toBe('wasm');
    expect(result.outputs.times?.length).toBe(reference(zeros).times.length);
  });
});
