// Every algorithm of the catalog as a job over a stored signal (read chunk by chunk, in two
// workers' worth of pool), on each backend, gives what its reference gives over the whole
// array at once, within the backend's tolerance (the STFT has its own test: stft-entry.test.ts;
// windowed statistics theirs: compute-pool.test.ts). WebGPU runs on Dawn's SwiftShader here.
import { describe, expect, it } from 'vitest';
import { compareArrays } from '../../algorithms/accuracy.ts';
import { nodeGpu } from '../../algorithms/gpu/test-support/node-gpu.suite.ts';
import type { BackendName } from '../../algorithms/types.ts';
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
import { welchOutputs } from './kernel-entries.ts';
import type { ComputeOutputs } from './jobs.ts';

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

/** The reference's outputs by name, as the catalog names them. */
function referenceOutputs(
  algorithm: StreamingAlgorithm<unknown, unknown, unknown>,
  params: unknown,
) {
  const state = algorithm.init(algorithm.params(params), 'float32');
  const parts = [algorithm.update(state, values), algorithm.finish(state)];
  const named: Record<string, number[]> = {};
  for (const part of parts) {
    if (part === null) continue;
    const outputs: ComputeOutputs =
      algorithm.name === welch.name
        ? welchOutputs(part as Parameters<typeof welchOutputs>[0])
        : part instanceof Float32Array || part instanceof Float64Array
          ? { values: part }
          : (part as ComputeOutputs);
    for (const [name, array] of Object.entries(outputs)) (named[name] ??= []).push(...array);
  }
  return named;
}

/** Norm-wise tolerance of a job's float32 outputs against the reference, per backend. */
const TOLERANCE: Record<BackendName, number> = { js: 1e-6, wasm: 1e-6, webgpu: 1e-5 };

async function setup() {
  const registry = createStorageRegistry();
  registerCoreStorages(registry);
  const storage = registry.create({ type: 'memory', name: 'entries' });
  const signals = new SignalStore(storage, new MemoryChunkStore());
  await signals.create('s', { datasetId: 'd', name: 'x', chunkLength: 4096 });
  await signals.append('s', values);
  const { gpu } = await nodeGpu();
  return new ComputePool({
    size: 2,
    spawn: () => ({
      api: createComputeWorkerApi({ storage, signals }, { gpu: gpu ?? null }),
      terminate: () => undefined,
    }),
  });
}

describe('catalog algorithms as jobs, on every backend', () => {
  for (const [algorithm, params] of cases) {
    for (const backend of ['js', 'wasm', 'webgpu'] as const) {
      it(`${algorithm.name} on ${backend}: a job over a stored signal equals the reference over the array`, async () => {
        const pool = await setup();
        const result = await pool.run({
          id: `${algorithm.name}-${backend}`,
          algorithm: algorithm.name,
          params,
          signal: 's',
          backend,
        });
        expect(result.backend).toBe(backend);
        expect(result.fellBack).toBeUndefined();
        const expected = referenceOutputs(algorithm, params);
        expect(Object.keys(result.outputs).sort()).toEqual(Object.keys(expected).sort());
        for (const [name, got] of Object.entries(result.outputs)) {
          const comparison = compareArrays(got, expected[name] ?? []);
          expect(comparison.lengthMatches, `${name} length`).toBe(true);
          expect(comparison.mismatchAt, `${name}: NaN/Infinity pattern`).toBe(-1);
          expect(comparison.relativeError, `${name} ‖x − ref‖/‖ref‖`).toBeLessThanOrEqual(
            TOLERANCE[backend],
          );
        }
      });
    }
  }

  it('runs auto on the CPU backends only (wasm here), never on an unmeasured GPU', async () => {
    const pool = await setup();
    for (const [algorithm, params] of cases) {
      const result = await pool.run({ id: 'auto', algorithm: algorithm.name, params, signal: 's' });
      expect(result.backend, algorithm.name).toBe('wasm');
    }
  });
});
