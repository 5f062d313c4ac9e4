/// <reference types="@webgpu/types" />
// The polyphase FIR on WebGPU (an AsyncPolyphaseKernel): float32 output only (WGSL has no f64:
// a float64 `out` rejects with `unavailable`, and the caller runs wasm or js). The taps and
// the samples go up as float32 — exact for a float32 stream, whose samples are float32 values
// and whose designed taps were rounded to float32 (reference.ts's tapsInDtype); a caller FIR in
// float64 is rounded once. Sums: compensated float32 (shader.ts), within the 1e-5 norm-wise
// float32 tolerance of the float64 js sums.
//
// NaN rule (reference.ts, scipy's): a NaN or ±Infinity sample reaches every output whose
// window reads it, zero taps included. WGSL may assume finite values, so such samples go up as
// 0 and the outputs whose window holds one are computed on the CPU by the fallback kernel (js):
// exactly the js kernel's NaN/Infinity footprint. An output the GPU leaves non-finite (a float32
// sum overflowing on the way) is computed there too.
//
// Limits: per submission one upload of a piece of the samples, one pass, one readback; a piece
// holds what one storage binding (and one buffer) may, for its samples and its outputs, and
// keeps the upsampled time within u32. Taps or a phase's window over a binding → `unavailable`.
import { AlgorithmError, badRequest } from '../../errors.ts';
import {
  createBuffer,
  elementsPerBinding,
  submitAndRead,
  uploadBuffer,
  Usage,
  withBuffers,
  withErrorScopes,
} from '../../gpu/buffers.ts';
import {
  openKernelContext,
  type AcquiredDevice,
  type GpuKernelHandles,
  type GpuContextOptions,
} from '../../gpu/device.ts';
import { compilePipeline, encodePass, perDevice, workgroupCount } from '../../gpu/pipelines.ts';
import type { AsyncPolyphaseKernel, PolyphaseKernel } from '../kernels.ts';
import { PARAMS_BYTES, polyphaseShader, WORKGROUP } from './shader.ts';

/** `stats.cpuOutputs`: outputs the fallback computed (non-finite windows or sums). */
export interface WebgpuPolyphaseKernel
  extends AsyncPolyphaseKernel, GpuKernelHandles<{ submits: number; cpuOutputs: number }> {}

const pipelineFor = perDevice((device) =>
  compilePipeline(device, polyphaseShader, 'polyphase', 'polyphase'),
);

/** The largest u32 upsampled time a piece's last output may reach. */
const MAX_TIME = 2 ** 32 - 1;

/** Outputs a piece starting at phase `phase` may hold within `elements` per binding. */
export function outputsPerPiece(
  elements: number,
  perPhase: number,
  up: number,
  down: number,
  phase: number,
): number {
  // Samples read: ⌊(phase + (n − 1)·down)/up⌋ + perPhase ≤ elements.
  const bySamples = Math.floor(((elements - perPhase + 1) * up - 1 - phase) / down) + 1;
  const byTime = Math.floor((MAX_TIME - phase) / down) + 1;
  return Math.max(1, Math.min(elements, bySamples, byTime));
}

interface Job {
  samples: Float32Array;
  taps: Float32Array;
  perPhase: number;
  up: number;
  down: number;
  phase: number;
  count: number;
  out: Float32Array;
}

async function runPieces(
  acquired: AcquiredDevice,
  stats: { submits: number },
  job: Job,
): Promise<void> {
  const { device, limits } = acquired;
  const { samples, taps, perPhase, up, down, count, out } = job;
  const elements = elementsPerBinding(limits, 4);
  if (taps.length > elements || perPhase > elements) {
    throw new AlgorithmError(
      'unavailable',
      `webgpu: ${String(taps.length)} taps (${String(perPhase)} a phase) do not fit the GPU's bindings`,
    );
  }
  const pipeline = await pipelineFor(device);
  await withErrorScopes(device, 'polyphase', () =>
    withBuffers(async (trackOuter) => {
      const tapsBuffer = trackOuter(uploadBuffer(device, taps, Usage.STORAGE, 'polyphase taps'));
      for (let first = 0; first < count;) {
        // Output `first` is at upsampled time phase + first·down (< 2^45: exact in a double).
        const time = job.phase + first * down;
        const from = Math.floor(time / up);
        const phase = time % up;
        const n = Math.min(count - first, outputsPerPiece(elements, perPhase, up, down, phase));
        const reads = Math.floor((phase + (n - 1) * down) / up) + perPhase;
        const groups = workgroupCount(n, WORKGROUP, limits);
        await withBuffers(async (track) => {
          const params = track(
            uploadBuffer(
              device,
              new Uint32Array([perPhase, up, down, phase, n, groups * WORKGROUP, 0, 0]),
              Usage.UNIFORM,
              'polyphase params',
            ),
          );
          const piece = track(
            uploadBuffer(
              device,
              samples.subarray(from, from + reads),
              Usage.STORAGE,
              'polyphase samples',
            ),
          );
          const result = track(
            createBuffer(device, n * 4, Usage.STORAGE | Usage.COPY_SRC, 'polyphase out'),
          );
          const entries = [
            { binding: 0, resource: { buffer: params, size: PARAMS_BYTES } },
            { binding: 1, resource: { buffer: tapsBuffer } },
            { binding: 2, resource: { buffer: piece } },
            { binding: 3, resource: { buffer: result } },
          ];
          const encoder = device.createCommandEncoder();
          encodePass(device, encoder, pipeline, entries, groups, 'polyphase');
          const sources = [{ buffer: result, bytes: n * 4 }];
          const [data] = (await submitAndRead(device, encoder, sources, stats)) as [ArrayBuffer];
          out.set(new Float32Array(data), first);
        });
        first += n;
      }
    }),
  );
}

function wholeNumber(what: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw badRequest(
      `polyphase webgpu: ${what} must be an integer ≥ ${String(min)}, not ${String(value)}`,
    );
  }
  return value;
}

export async function createWebgpuPolyphaseKernel(
  gpu: GPU | null | undefined,
  fallback: PolyphaseKernel,
  options: GpuContextOptions = {},
): Promise<WebgpuPolyphaseKernel> {
  const { context } = await openKernelContext(gpu, options, pipelineFor);
  const stats = { submits: 0, cpuOutputs: 0 };

  return {
    backend: 'webgpu',
    dtypes: ['float32'],
    context,
    stats,
    device: () => context.acquire(),
    async run(work, taps, perPhase, up, down, phase, count, out) {
      if (!(out instanceof Float32Array)) {
        throw new AlgorithmError(
          'unavailable',
          'resample on webgpu writes float32 only: WGSL has no float64 (the wasm or js kernel does)',
        );
      }
      wholeNumber('perPhase', perPhase, 1);
      wholeNumber('up', up, 1);
      wholeNumber('down', down, 1);
      wholeNumber('count', count, 0);
      if (wholeNumber('phase', phase, 0) >= up) throw badRequest('polyphase webgpu: phase ≥ up');
      if (taps.length !== up * perPhase) {
        throw badRequest(
          `polyphase webgpu: ${String(taps.length)} taps, not up·perPhase = ${String(up * perPhase)}`,
        );
      }
      if (out.length < count) throw badRequest('polyphase webgpu: out is shorter than count');
      if (count === 0) return;
      const reads = Math.floor((phase + (count - 1) * down) / up) + perPhase;
      if (reads > work.length) {
        throw badRequest(
          `polyphase webgpu: outputs read ${String(reads)} samples, ${String(work.length)} given`,
        );
      }
      const taps32 = Float32Array.from(taps);
      if (!taps32.every(Number.isFinite)) {
        throw new AlgorithmError('unavailable', 'webgpu: a tap is beyond the float32 range');
      }
      // Non-finite samples (also float64 ones beyond the float32 range) go up as 0; their
      // indices, ascending, mark the outputs the CPU computes.
      const samples = new Float32Array(reads);
      const bad: number[] = [];
      for (let i = 0; i < reads; i++) {
        const x = Math.fround(work[i] as number);
        if (Number.isFinite(x)) samples[i] = x;
        else bad.push(i);
      }
      await context.run((acquired) =>
        runPieces(acquired, stats, {
          samples,
          taps: taps32,
          perPhase,
          up,
          down,
          phase,
          count,
          out,
        }),
      );
      // Outputs whose window [at, at + perPhase) holds a non-finite sample, or that the GPU
      // left non-finite: the fallback's, one by one (the windows move forward, so one sweep).
      const stepSamples = Math.floor(down / up);
      const stepPhase = down % up;
      let at = 0;
      let p = phase;
      let next = 0;
      for (let k = 0; k < count; k++) {
        while (next < bad.length && (bad[next] as number) < at) next++;
        const touches = next < bad.length && (bad[next] as number) < at + perPhase;
        if (touches || !Number.isFinite(out[k])) {
          fallback.run(work.subarray(at), taps, perPhase, up, down, p, 1, out.subarray(k, k + 1));
          stats.cpuOutputs++;
        }
        p += stepPhase;
        at += stepSamples;
        if (p >= up) {
          p -= up;
          at++;
        }
      }
    },
  };
}
