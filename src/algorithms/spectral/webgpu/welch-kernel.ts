/// <reference types="@webgpu/types" />
// Welch's batch step on WebGPU, float32, nfft a power of two: per submission one upload of
// the samples, then a chain of passes with no readback in between — each segment's mean
// (detrend 'constant'), pack ((sample − mean) × window, zero padded to nfft), the batched
// Stockham FFT's log2(nfft) stages (gpu/fft's shader and twiddles, used as they are) and the
// |X_k|² sums over the segments — and one readback of the per-bin sums (per group of
// POWER_GROUP segments, added on the CPU in float64), or of each segment's spectrum for median
// averaging.
//
// Precision: float32 throughout on the GPU (the reference is float64): the window rounded
// once, the FFT's ~log2(nfft)·2^-24 relative error, float32 sums of at most POWER_GROUP terms.
// Measured against scipy the fixtures' cases stay within 1e-5 norm-wise (the case table's
// tolerance). A finite sample so large that |X_k|² overflows float32 (|x| ≳ 1e19) gives
// Infinity where the float64 reference stays finite.
//
// More segments than one binding holds are split into several submissions; a segment larger
// than a binding → unavailable (the registry's next backend takes it).
//
// NaN rule: the reference's — a segment holding NaN or ±Infinity is skipped and reported.
// They are found on the CPU (x − x is NaN for them; WGSL may assume finite values, so none is
// sent): their samples go to the GPU as zeros and the segments' mask words are 0, so the
// power pass leaves them out.
import { AlgorithmError } from '../../errors.ts';
import {
  createBuffer,
  submitAndRead,
  uploadBuffer,
  uploadUniform,
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
import { encodeFftStages, fftFramesPerSubmission, twiddleCache } from '../../gpu/fft/fft.ts';
import { fftStageShader } from '../../gpu/fft/shader.ts';
import { bufferPasses, compilePipeline, perDevice, workgroupCount } from '../../gpu/pipelines.ts';
import { dtypeOf, type FloatDtype } from '../../types.ts';
import type { WelchKernel, WelchLengths } from '../welch-kernels.ts';
import { welchStep, type WelchParams } from '../welch.ts';
import { getWindow } from '../windows.ts';
import {
  meanShader,
  packShader,
  powerShader,
  WELCH_PARAMS_BYTES,
  WELCH_WORKGROUP,
} from './welch-shader.ts';

/** Segments per float32 sum on the GPU: bounds its rounding error to 64·2^-24 ≈ 4e-6. */
export const POWER_GROUP = 64;

export interface WebgpuWelchKernel extends WelchKernel, GpuKernelHandles {}

interface Pipelines {
  mean: GPUComputePipeline;
  pack: GPUComputePipeline;
  stage: GPUComputePipeline;
  power: GPUComputePipeline;
}

function compile(device: GPUDevice, code: string, entryPoint: string): Promise<GPUComputePipeline> {
  return compilePipeline(device, code, entryPoint, `welch ${entryPoint}`);
}

const pipelinesFor = perDevice((device): Promise<Pipelines> =>
  Promise.all([
    compile(device, meanShader, 'mean'),
    compile(device, packShader, 'pack'),
    compile(device, fftStageShader, 'stage'),
    compile(device, powerShader, 'power'),
  ]).then(([mean, pack, stage, power]) => ({ mean, pack, stage, power })),
);

/** Why the GPU kernel does not take these params (the registry's next backend then runs). */
export function webgpuWelchRefusal(dtype: FloatDtype, lengths: WelchLengths): string | undefined {
  const { nfft } = lengths;
  if (dtype !== 'float32') return 'WebGPU has no float64 (WGSL has no f64 type)';
  if ((nfft & (nfft - 1)) !== 0)
    return `nfft ${nfft} is not a power of two (the GPU FFT is radix-2)`;
  return undefined;
}

interface Shape {
  nperseg: number;
  step: number;
  nfft: number;
  bins: number;
  /** Segments per float32 sum: POWER_GROUP, or 1 for per-segment spectra. */
  group: number;
  detrend: boolean;
}

/** Segments per submission under the device's (or the injected) binding limits. */
function segmentsPerSubmission(acquired: AcquiredDevice, shape: Shape): number {
  return fftFramesPerSubmission(
    acquired.limits,
    shape,
    `welch on webgpu: a segment of nfft ${shape.nfft} exceeds one GPU binding here`,
  );
}

/**
 * The segments holding a NaN or ±Infinity sample (mask word 0, others 1) and the samples
 * with those values zeroed (the block itself when none).
 */
function finiteMask(
  block: Float32Array,
  segments: number,
  shape: Shape,
): { mask: Uint32Array; clean: Float32Array; skipped: number[] } {
  const mask = new Uint32Array(segments).fill(1);
  const skipped: number[] = [];
  let clean = block;
  const span = segments === 0 ? 0 : (segments - 1) * shape.step + shape.nperseg;
  for (let j = 0; j < span; j++) {
    const value = block[j] as number;
    // x − x is 0 for finite x and NaN for NaN or ±Infinity.
    if (value - value === 0) continue;
    if (clean === block) clean = Float32Array.from(block.subarray(0, span));
    clean[j] = 0;
    const first = Math.max(0, Math.ceil((j - shape.nperseg + 1) / shape.step));
    const last = Math.min(segments - 1, Math.floor(j / shape.step));
    for (let s = first; s <= last; s++) mask[s] = 0;
  }
  mask.forEach((word, s) => word === 0 && skipped.push(s));
  return { mask, clean, skipped };
}

/**
 * One submission: upload `count` segments' samples and mask, mean, pack, FFT stages, power;
 * read back ⌈count/group⌉ × bins float32 sums.
 */
async function runPiece(
  acquired: AcquiredDevice,
  pipelines: Pipelines,
  samples: Float32Array,
  mask: Uint32Array,
  window: Float32Array,
  twiddles: Float32Array,
  count: number,
  shape: Shape,
): Promise<Float32Array> {
  const { device, limits } = acquired;
  const { nperseg, step, nfft, bins, group } = shape;
  const cap = limits.maxComputeWorkgroupsPerDimension;
  const groupsFor = (total: number, size: number) => workgroupCount(total, size, limits);
  return withErrorScopes(device, 'welch', () =>
    withBuffers(async (track) => {
      const usage = Usage.STORAGE | Usage.COPY_SRC;
      const input = track(uploadBuffer(device, samples, Usage.STORAGE, 'welch samples'));
      const keep = track(uploadBuffer(device, mask, Usage.STORAGE, 'welch mask'));
      const weights = track(uploadBuffer(device, window, Usage.STORAGE, 'welch window'));
      const table = track(uploadBuffer(device, twiddles, Usage.STORAGE, 'welch twiddles'));
      // New buffers are zeroed: without detrend the means stay 0.
      const means = track(createBuffer(device, count * 4, Usage.STORAGE, 'welch means'));
      const ping = track(createBuffer(device, count * nfft * 8, usage, 'welch ping'));
      const pong = track(createBuffer(device, count * nfft * 8, usage, 'welch pong'));
      const sumsCount = Math.ceil(count / group) * bins;
      const sums = track(createBuffer(device, sumsCount * 4, usage, 'welch sums'));
      const encoder = device.createCommandEncoder({ label: 'welch' });
      const dispatch = bufferPasses(device, encoder);
      const words = (total: number, groups: number) => [
        count,
        nfft,
        nperseg,
        step,
        total,
        groups,
        bins,
        group,
      ];

      if (shape.detrend) {
        const groups = Math.max(1, Math.min(count, cap));
        const meanUniform = track(
          uploadUniform(device, words(count, groups), WELCH_PARAMS_BYTES, 'welch mean'),
        );
        dispatch(pipelines.mean, [meanUniform, input, means], groups, 'welch mean');
      }

      const packed = count * nfft;
      const packGroups = groupsFor(packed, WELCH_WORKGROUP);
      const packUniform = track(
        uploadUniform(device, words(packed, packGroups), WELCH_PARAMS_BYTES, 'welch pack'),
      );
      dispatch(
        pipelines.pack,
        [packUniform, input, weights, means, ping],
        packGroups,
        'welch pack',
      );

      const fftSpec = { n: nfft, frames: count, inverse: false, source: ping, target: pong, table };
      const source = encodeFftStages(device, encoder, pipelines.stage, limits, fftSpec, track);

      const powerGroups = groupsFor(sumsCount, WELCH_WORKGROUP);
      const powerUniform = track(
        uploadUniform(device, words(sumsCount, powerGroups), WELCH_PARAMS_BYTES, 'welch power'),
      );
      dispatch(pipelines.power, [powerUniform, source, keep, sums], powerGroups, 'welch power');

      const [data] = await submitAndRead(device, encoder, [{ buffer: sums, bytes: sumsCount * 4 }]);
      return new Float32Array(data as ArrayBuffer);
    }),
  );
}

/**
 * Acquires the device and compiles the shaders now: a backend that cannot run says so when
 * created (the registry then falls through).
 */
export async function createWebgpuWelchKernel(
  gpu: GPU | null | undefined,
  options: GpuContextOptions = {},
): Promise<WebgpuWelchKernel> {
  const { context } = await openKernelContext(gpu, options, pipelinesFor);
  const stats = { submits: 0 };
  const twiddlesOf = twiddleCache();
  const windows = new Map<string, Float32Array>();
  const windowOf = (params: WelchParams, nperseg: number) => {
    const key = `${params.window}:${nperseg}`;
    let window = windows.get(key);
    if (window === undefined) {
      window = Float32Array.from(getWindow(params.window, nperseg));
      if (windows.size >= 8) windows.delete(windows.keys().next().value ?? '');
      windows.set(key, window);
    }
    return window;
  };

  return {
    backend: 'webgpu',
    dtypes: ['float32'],
    context,
    stats,
    device: () => context.acquire(),
    refusal: (_params, dtype, lengths) => webgpuWelchRefusal(dtype, lengths),
    async segments(block, params, lengths, sink) {
      const refusal = webgpuWelchRefusal(dtypeOf(block), lengths);
      if (refusal !== undefined) throw new AlgorithmError('unavailable', `welch: ${refusal}`);
      const median = params.average === 'median';
      const shape: Shape = {
        nperseg: lengths.nperseg,
        step: welchStep(params),
        nfft: lengths.nfft,
        bins: Math.floor(lengths.nfft / 2) + 1,
        group: median ? 1 : POWER_GROUP,
        detrend: params.detrend === 'constant',
      };
      if (sink.sum.length !== shape.bins) {
        throw new AlgorithmError(
          'bad_request',
          `welch: the sum holds ${sink.sum.length} bins, ${shape.bins} needed`,
        );
      }
      const samples = block as Float32Array;
      const segments =
        samples.length < shape.nperseg
          ? 0
          : Math.floor((samples.length - shape.nperseg) / shape.step) + 1;
      if (segments === 0) return { added: 0, skipped: [] };
      const { mask, clean, skipped } = finiteMask(samples, segments, shape);
      const window = windowOf(params, shape.nperseg);
      const twiddles = twiddlesOf(shape.nfft);
      // Everything is read back before any of it is added: an `unavailable` mid-run (a lost
      // device, a segment over a binding) leaves the sink untouched for the next backend.
      const pieces: { first: number; count: number; data: Float32Array }[] = [];
      await context.run(async (acquired) => {
        pieces.length = 0;
        const pipelines = await pipelinesFor(acquired.device);
        const perPiece = segmentsPerSubmission(acquired, shape);
        for (let first = 0; first < segments; first += perPiece) {
          const count = Math.min(perPiece, segments - first);
          const start = first * shape.step;
          const piece = clean.subarray(start, start + (count - 1) * shape.step + shape.nperseg);
          const keep = mask.subarray(first, first + count);
          const data = await runPiece(
            acquired,
            pipelines,
            piece,
            keep,
            window,
            twiddles,
            count,
            shape,
          );
          stats.submits++;
          pieces.push({ first, count, data });
        }
      });
      for (const { first, count, data } of pieces) {
        if (median) {
          for (let s = 0; s < count; s++) {
            if (mask[first + s] === 1) {
              sink.spectra.push(
                Float64Array.from(data.subarray(s * shape.bins, (s + 1) * shape.bins)),
              );
            }
          }
        } else {
          const { sum } = sink;
          for (let g = 0; g < data.length; g++) {
            const k = g % shape.bins;
            sum[k] = (sum[k] as number) + (data[g] as number);
          }
        }
      }
      return { added: segments - skipped.length, skipped };
    },
  };
}
