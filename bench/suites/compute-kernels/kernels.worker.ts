// The compute-kernels benchmark's worker: one pass of a row per call, over float32 samples
// made chunk by chunk here (compute-fft's stftSample, the hash scipy_kernels.py computes in
// numpy), each chunk through the algorithm's streaming path on one backend. Only the
// algorithm's calls are timed (performance.now around each); generating the chunk and probing
// its outputs are not. Outputs are consumed (probed) and dropped, never kept.
import * as Comlink from 'comlink';
import { createEscalatedMaxKernels } from '../../../src/algorithms/escalated-max/kernels.ts';
import { escalatedMax } from '../../../src/algorithms/escalated-max/reference.ts';
import { createPolyphaseKernels, resamplePoly } from '../../../src/algorithms/resample/index.ts';
import { finishPolyphase, updatePolyphase } from '../../../src/algorithms/resample/polyphase.ts';
import {
  createRobustKernels,
  meanStdParams,
  medianMadParams,
  runRobustBlock,
} from '../../../src/algorithms/robust/index.ts';
import { welchParams } from '../../../src/algorithms/spectral/index.ts';
import {
  createWelchKernels,
  createWelchRunner,
} from '../../../src/algorithms/spectral/welch-kernels.ts';
import { stftSample } from '../compute-fft/protocol.ts';
import { StridedProbe } from './probe.ts';
import {
  ESCALATED_MAX_CHANNELS,
  MEAN_STD_WINDOW,
  MEDIAN_MAD_WINDOW,
  RESAMPLE_DOWN,
  RESAMPLE_UP,
  WELCH_NOVERLAP,
  WELCH_NPERSEG,
  type KernelBackend,
  type KernelPass,
  type KernelsWorkerApi,
} from './protocol.ts';

// One registry per algorithm for the worker's life: each backend's kernel is made once (its
// wasm compiled, pffft loaded) and reused by every pass, as the app's worker does.
const robust = createRobustKernels({ gpu: null });
const welchKernels = createWelchKernels({ gpu: null });
const polyphase = createPolyphaseKernels();
const escalated = createEscalatedMaxKernels({ gpu: null });

/** Calls `each(chunk)` for the chunks of the first `samples` samples; sums what it returns. */
async function overChunks(
  samples: number,
  chunk: number,
  each: (part: Float32Array) => Promise<number>,
): Promise<number> {
  const buffer = new Float32Array(chunk);
  let ms = 0;
  for (let at = 0; at < samples; at += chunk) {
    const part = buffer.subarray(0, Math.min(chunk, samples - at));
    for (let i = 0; i < part.length; i++) part[i] = stftSample(at + i);
    ms += await each(part);
  }
  return ms;
}

async function robustPass(
  statistic: 'meanStd' | 'medianMad',
  backend: KernelBackend,
  samples: number,
  chunk: number,
  stride: number,
): Promise<KernelPass> {
  const kernel = await robust.get(backend);
  const probes = [new StridedProbe(stride), new StridedProbe(stride)] as const;
  const meanStd = meanStdParams({ window: MEAN_STD_WINDOW });
  const medianMad = medianMadParams({ window: MEDIAN_MAD_WINDOW });
  let tail: Float32Array = new Float32Array(0);
  const ms = await overChunks(samples, chunk, async (part) => {
    const began = performance.now();
    let first: ArrayLike<number>;
    let second: ArrayLike<number>;
    if (statistic === 'meanStd') {
      const run = await runRobustBlock(kernel, 'meanStd', meanStd, tail, part);
      ({ mean: first, std: second } = run.outputs);
      tail = run.tail as Float32Array;
    } else {
      const run = await runRobustBlock(kernel, 'medianMad', medianMad, tail, part);
      ({ median: first, mad: second } = run.outputs);
      tail = run.tail as Float32Array;
    }
    const elapsed = performance.now() - began;
    probes[0].add(first);
    probes[1].add(second);
    return elapsed;
  });
  return {
    ms,
    count: probes[0].count,
    probes: probes.map((probe) => probe.values),
    backend: kernel.backend,
  };
}

async function welchPass(
  backend: KernelBackend,
  samples: number,
  chunk: number,
): Promise<KernelPass> {
  const runner = createWelchRunner(welchKernels, [backend]);
  const params = welchParams({ window: 'hann', nperseg: WELCH_NPERSEG, noverlap: WELCH_NOVERLAP });
  const state = runner.init(params, 'float32');
  let ms = await overChunks(samples, chunk, async (part) => {
    const began = performance.now();
    await runner.update(state, part);
    return performance.now() - began;
  });
  const began = performance.now();
  const result = await runner.finish(state);
  ms += performance.now() - began;
  return { ms, count: result.segments, probes: [Array.from(result.psd)], backend: usedOf(runner) };
}

function usedOf(runner: { used: ReadonlySet<string> }): string {
  const used = [...runner.used];
  if (used.length !== 1) throw new Error(`welch ran on ${used.join(', ') || 'no backend'}`);
  return used[0] as string;
}

async function resamplePass(
  backend: KernelBackend,
  samples: number,
  chunk: number,
  stride: number,
): Promise<KernelPass> {
  const kernel = await polyphase.get(backend);
  const state = resamplePoly.init(
    resamplePoly.params({ up: RESAMPLE_UP, down: RESAMPLE_DOWN }),
    'float32',
  );
  const probe = new StridedProbe(stride);
  let ms = await overChunks(samples, chunk, (part) => {
    const began = performance.now();
    const out = updatePolyphase(state, part, kernel);
    const elapsed = performance.now() - began;
    probe.add(out);
    return Promise.resolve(elapsed);
  });
  const began = performance.now();
  const out = finishPolyphase(state, kernel);
  ms += performance.now() - began;
  probe.add(out);
  return { ms, count: probe.count, probes: [probe.values], backend: kernel.backend };
}

async function escalatedMaxPass(
  backend: KernelBackend,
  samples: number,
  chunk: number,
  stride: number,
): Promise<KernelPass> {
  const kernel = await escalated.get(backend);
  const state = escalatedMax.init(
    escalatedMax.params({ channels: ESCALATED_MAX_CHANNELS }),
    'float32',
  );
  const probe = new StridedProbe(stride);
  // One output array for every chunk, as numpy's allocator reuses its blocks: a fresh 1 MiB
  // array per chunk costs ~1–3 ms of first-touch page faults on this VM, more than the scan
  // itself (a job's outputs are fresh arrays, transferred to the page: that path is slower).
  const out = new Float32Array(chunk);
  const ms = await overChunks(samples, chunk, async (part) => {
    const began = performance.now();
    const view = out.subarray(0, part.length);
    state.next = await kernel.run(part, view, state.max, state.next);
    const elapsed = performance.now() - began;
    probe.add(out.subarray(0, part.length));
    return elapsed;
  });
  if (state.next !== 0) throw new Error('escalated-max: the stream ended mid-frame');
  return { ms, count: probe.count, probes: [probe.values], backend: kernel.backend };
}

const api: KernelsWorkerApi = {
  run(row, backend, samples, chunk, stride) {
    if (chunk % ESCALATED_MAX_CHANNELS !== 0 || !(chunk > 0))
      return Promise.reject(new Error(`chunk ${String(chunk)} is not a positive multiple of 4`));
    switch (row) {
      case 'mean-std':
        return robustPass('meanStd', backend, samples, chunk, stride);
      case 'median-mad':
        return robustPass('medianMad', backend, samples, chunk, stride);
      case 'welch':
        return welchPass(backend, samples, chunk);
      case 'resample':
        return resamplePass(backend, samples, chunk, stride);
      case 'escalated-max':
        return escalatedMaxPass(backend, samples, chunk, stride);
    }
  },
};

Comlink.expose(api);
