// Every algorithm of the catalog as a job over a stored signal (read chunk by chunk, in two
// workers' worth of pool) gives what the algorithm gives over the whole array at once (the
// STFT, which runs on pffft or the GPU, has its own test: stft-entry.test.ts).
import { describe, expect, it } from 'vitest';
import type { StreamingAlgorithm } from '../../algorithms/types.ts';
import { MemoryChunkStore } from '../../jio/chunks/memory-chunk-store.ts';
import { createStorageRegistry, registerCoreStorages } from '../../jio/registry.ts';
import { SignalStore } from '../../jio/signals/signal-store.ts';
import { escalatedMax } from '../../algorithms/escalated-max/reference.ts';
import { decimate } from '../../algorithms/resample/decimate.ts';
import { resamplePoly } from '../../algorithms/resample/reference.ts';
import { rollingMeanStd } from '../../algorithms/robust/meanStd.ts';
import { rollingMedianMad } from '../../algorithms/robust/medianMad.ts';
import { robustZScore } from '../../algorithms/robust/zscore.ts';
import { welch } from '../../algorithms/spectral/welch.ts';
import { ComputePool } from './compute-pool.ts';
import { createComputeWorkerApi } from './compute-worker-api.ts';
import { outputsOf } from './reference-entries.ts';

const values = Float32Array.from({ length: 20_000 }, (_, i) =>
  i % 4999 === 7
    ? Number.NaN
    : Math.sin(i / 7) + 0.3 * Math.sin(i / 1.3) + ((i * 7919) % 101) / 500,
);

const cases: [StreamingAlgorithm<unknown, unknown, unknown>, Record<string, unknown>][] = [
  [welch, { fs: 1000, nperseg: 256 }],
  [resamplePoly, { up: 2, down: 3 }],
  [decimate, { q: 4 }],
  [rollingMeanStd, { window: 50 }],
  [rollingMedianMad, { window: 33 }],
  [robustZScore, { window: 33 }],
  [escalatedMax, { channels: 2 }],
];

async function setup() {
  const registry = createStorageRegistry();
  registerCoreStorages(registry);
  const storage = registry.create({ type: 'memory', name: 'entries' });
  const signals = new SignalStore(storage, new MemoryChunkStore());
  await signals.create('s', { datasetId: 'd', name: 'x', chunkLength: 4096 });
  await signals.append('s', values);
  return new ComputePool({
    size: 2,
    spawn: () => ({
      api: createComputeWorkerApi({ storage, signals }),
      terminate: () => undefined,
    }),
  });
}

describe('catalog algorithms as jobs', () => {
  for (const [algorithm, params] of cases) {
    it(`${algorithm.name}: a job over a stored signal equals the algorithm over the array`, async () => {
      const pool = await setup();
      const result = await pool.run({
        id: algorithm.name,
        algorithm: algorithm.name,
        params,
        signal: 's',
      });
      const state = algorithm.init(algorithm.params(params), 'float32');
      const first = outputsOf(algorithm.update(state, values));
      const last = outputsOf(algorithm.finish(state));
      for (const [name, got] of Object.entries(result.outputs)) {
        const expected = [...(first[name] ?? []), ...(last[name] ?? [])];
        expect([...got], name).toEqual(expected);
      }
      expect(Object.keys(result.outputs).sort()).toEqual(
        [...new Set([...Object.keys(first), ...Object.keys(last)])].sort(),
      );
      // Resampling runs its wasm FIR kernel where SIMD runs (here); the others their reference.
      const polyphase = algorithm.name === 'resample_poly' || algorithm.name === 'decimate';
      expect(result.backend).toBe(polyphase ? 'wasm' : 'js');
      await expect(
        pool.run({ id: 'w', algorithm: algorithm.name, params, signal: 's', backend: 'webgpu' }),
      ).rejects.toMatchObject({ code: 'unavailable' });
    });
  }
});
