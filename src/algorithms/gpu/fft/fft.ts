/// <reference types="@webgpu/types" />
// Batched complex FFT on WebGPU, float32, power-of-two sizes: `frames` transforms of size n
// in one upload, log2(n) Stockham passes and one readback (the STFT's use). numpy's
// conventions: forward X_k = Σ x_j e^(−2πijk/n); inverse with the 1/n factor.
//
// Bad input: n not a power of two, a length that is not whole frames, or a non-finite sample
// → bad_request (WGSL may assume no NaN or infinity, so none is sent). A frame larger than one
// binding → payload_too_large; more frames than a binding holds are split into submissions.
import { AlgorithmError, badRequest } from '../../errors.ts';
import {
  createBuffer,
  elementsPerBinding,
  submitAndRead,
  uploadBuffer,
  Usage,
  withBuffers,
  withErrorScopes,
} from '../buffers.ts';
import {
  openKernelContext,
  type AcquiredDevice,
  type GpuContext,
  type GpuContextOptions,
  type GpuLimits,
} from '../device.ts';
import {
  bufferBindings,
  compilePipeline,
  encodePass,
  perDevice,
  workgroupCount,
} from '../pipelines.ts';
import { FFT_PARAMS_BYTES, FFT_WORKGROUP, fftStageShader } from './shader.ts';

export interface GpuFft {
  readonly context: GpuContext;
  /** Submissions so far (one per batch of frames that fits a binding). */
  readonly stats: Readonly<{ submits: number }>;
  /**
   * Transforms consecutive frames of `n` complex samples, interleaved (re, im), returning a
   * new array of the same layout.
   */
  fft(input: Float32Array, n: number, options?: { inverse?: boolean }): Promise<Float32Array>;
}

/** W_n^m = e^(−2πim/n) for m < n/2, float64 then rounded once to float32. */
export function twiddleTable(n: number): Float32Array {
  const table = new Float32Array(Math.max(2, n));
  for (let m = 0; m < n / 2; m++) {
    // Angles reduced to the first octant's accuracy by the float64 evaluation: the rounding
    // to float32 dominates (≤ 2^-24 relative).
    const angle = (2 * Math.PI * m) / n;
    table[2 * m] = Math.cos(angle);
    table[2 * m + 1] = -Math.sin(angle);
  }
  return table;
}

/** `twiddleTable` kept per n (a kernel's own cache: the tables of the sizes it has seen). */
export function twiddleCache(): (n: number) => Float32Array {
  const tables = new Map<number, Float32Array>();
  return (n) => {
    let table = tables.get(n);
    if (table === undefined) {
      table = twiddleTable(n);
      tables.set(n, table);
    }
    return table;
  };
}

/**
 * Frames of `nperseg` samples, `step` apart, each an FFT of `nfft` (a short-time transform's
 * batch) that one submission holds: their samples and their complex work each fit one
 * binding. A single frame over a binding → unavailable, saying `tooLarge`.
 */
export function fftFramesPerSubmission(
  limits: GpuLimits,
  shape: { readonly nperseg: number; readonly step: number; readonly nfft: number },
  tooLarge: string,
): number {
  const complex = elementsPerBinding(limits, 8);
  const samples = elementsPerBinding(limits, 4);
  if (shape.nfft > complex || shape.nperseg > samples) {
    throw new AlgorithmError('unavailable', tooLarge);
  }
  return Math.min(
    Math.floor(complex / shape.nfft),
    Math.floor((samples - shape.nperseg) / shape.step) + 1,
  );
}

function checkInput(input: Float32Array, n: number): number {
  if (!Number.isInteger(n) || n < 1 || (n & (n - 1)) !== 0 || n > 2 ** 30) {
    throw badRequest(`gpu fft: n must be a power of two from 1 to 2^30, not ${String(n)}`);
  }
  if (input.length % (2 * n) !== 0) {
    throw badRequest(
      `gpu fft: ${input.length} floats are not whole frames of ${n} complex samples`,
    );
  }
  for (let i = 0; i < input.length; i++) {
    if (!Number.isFinite(input[i])) {
      throw badRequest(`gpu fft: sample ${Math.floor(i / 2)} is not finite (fill gaps first)`);
    }
  }
  return input.length / (2 * n);
}

/** What `encodeFftStages` needs: buffers of `frames · n` complex samples (vec2<f32>). */
export interface FftStagesSpec {
  readonly n: number;
  readonly frames: number;
  readonly inverse: boolean;
  /** Holds the input; the stages alternate between it and `target` (both are overwritten). */
  readonly source: GPUBuffer;
  readonly target: GPUBuffer;
  /** `twiddleTable(n)` on the device. */
  readonly table: GPUBuffer;
  /** Extra factor on the last stage's output (1 when absent); the inverse's 1/n is included. */
  readonly scale?: number;
}

/**
 * Encodes the log2(n) Stockham stages of `frames` transforms into `encoder` (no submit, no
 * readback), for chains of passes; returns the buffer that holds the result (`source` when
 * n = 1 or the stage count is even). The uniform buffers made are passed to `track` for the
 * caller to destroy after the submission.
 */
export function encodeFftStages(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  pipeline: GPUComputePipeline,
  limits: AcquiredDevice['limits'],
  spec: FftStagesSpec,
  track: (buffer: GPUBuffer) => void,
): GPUBuffer {
  const { n, frames, inverse, table } = spec;
  const total = (frames * n) / 2;
  const groups = workgroupCount(total, FFT_WORKGROUP, limits);
  const extra = spec.scale ?? 1;
  let [source, target] = [spec.source, spec.target];
  for (let ns = 1; ns < n; ns *= 2) {
    const last = ns * 2 === n;
    const words = new ArrayBuffer(FFT_PARAMS_BYTES);
    new Uint32Array(words, 0, 5).set([n, ns, n / (2 * ns), total, groups]);
    const scale = last ? (inverse ? 1 / n : 1) * extra : 1;
    new Float32Array(words, 20, 2).set([inverse ? -1 : 1, scale]);
    const params = uploadBuffer(device, new Uint8Array(words), Usage.UNIFORM, 'fft params');
    track(params);
    const entries = bufferBindings([params, source, target, table]);
    encodePass(device, encoder, pipeline, entries, groups, `fft stage ${String(ns)}`);
    [source, target] = [target, source];
  }
  return source;
}

/** The stage pipeline of `device` (compiled once per device). */
export const fftStagePipeline: (device: GPUDevice) => Promise<GPUComputePipeline> = perDevice(
  (device) => compilePipeline(device, fftStageShader, 'stage', 'fft stage', 'fft shader'),
);

async function runFrames(
  acquired: AcquiredDevice,
  frames: Float32Array,
  n: number,
  inverse: boolean,
  twiddles: Float32Array,
): Promise<Float32Array> {
  const { device, limits } = acquired;
  const pipeline = await fftStagePipeline(device);
  return withErrorScopes(device, 'fft', () =>
    withBuffers(async (track) => {
      const usage = Usage.STORAGE | Usage.COPY_SRC | Usage.COPY_DST;
      const ping = track(uploadBuffer(device, frames, usage, 'fft ping'));
      const pong = track(createBuffer(device, frames.byteLength, usage, 'fft pong'));
      const table = track(uploadBuffer(device, twiddles, Usage.STORAGE, 'fft twiddles'));
      const encoder = device.createCommandEncoder();
      const spec = {
        n,
        frames: frames.length / (2 * n),
        inverse,
        source: ping,
        target: pong,
        table,
      };
      const result = encodeFftStages(device, encoder, pipeline, limits, spec, track);
      const [data] = await submitAndRead(device, encoder, [
        { buffer: result, bytes: frames.byteLength },
      ]);
      return new Float32Array(data as ArrayBuffer);
    }),
  );
}

export async function createGpuFft(
  gpu: GPU | null | undefined,
  options: GpuContextOptions = {},
): Promise<GpuFft> {
  const { context } = await openKernelContext(gpu, options, fftStagePipeline);
  const stats = { submits: 0 };
  const twiddlesOf = twiddleCache();
  return {
    context,
    stats,
    async fft(input, n, { inverse = false } = {}) {
      const count = checkInput(input, n);
      const output = new Float32Array(input.length);
      if (n === 1 || count === 0) {
        output.set(input);
        return output;
      }
      const table = twiddlesOf(n);
      await context.run(async (acquired) => {
        const perPass = Math.floor(elementsPerBinding(acquired.limits, 8) / n);
        if (perPass < 1 || n / 2 > elementsPerBinding(acquired.limits, 8)) {
          throw new AlgorithmError(
            'payload_too_large',
            `gpu fft: a frame of ${n} complex samples exceeds one GPU binding here`,
          );
        }
        for (let frame = 0; frame < count; frame += perPass) {
          const slice = input.subarray(2 * n * frame, 2 * n * Math.min(count, frame + perPass));
          output.set(await runFrames(acquired, slice, n, inverse, table), 2 * n * frame);
          stats.submits++;
        }
      });
      return output;
    },
  };
}
