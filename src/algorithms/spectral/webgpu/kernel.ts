/// <reference types="@webgpu/types" />
// The STFT's batch step on WebGPU, float32, nfft a power of two, detrend off: per submission
// one upload of the samples, then a chain of passes with no readback in between — pack
// (window × samples, zero padding to nfft, as complex), the batched Stockham FFT's log2(nfft)
// stages (gpu/fft's shader and twiddles), and for the one-sided spectrum a pass that keeps
// the first nfft/2+1 bins — and one readback. scipy's scale (1/Σw, or 1/√(fs·Σw²)) is folded
// into the window in float64 before it is rounded to float32, as stft.ts folds it: one
// rounding fewer than a separate scaling pass, and no pass at all for two-sided output.
//
// More frames than one binding holds (samples, FFT buffers or output) are split into several
// submissions; a single frame larger than a binding → unavailable (the js kernel takes it).
// Frames holding NaN or ±Infinity are computed by the fallback kernel (WGSL may assume
// finite values, and the FFT's shader is not NaN-safe): their samples go to the GPU as zeros
// and the fallback's frames overwrite those results — stft.ts's NaN rule, exactly.
import { AlgorithmError, badRequest } from '../../errors.ts';
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
import type { FloatDtype } from '../../types.ts';
import type { StftKernel } from '../stft-kernels.ts';
import { stftScaledWindow, type StftParams } from '../stft.ts';
import { binsShader, packShader, STFT_PARAMS_BYTES, STFT_WORKGROUP } from './shader.ts';

export interface WebgpuStftKernel extends StftKernel, GpuKernelHandles {}

interface Pipelines {
  pack: GPUComputePipeline;
  stage: GPUComputePipeline;
  bins: GPUComputePipeline;
}

function compile(device: GPUDevice, code: string, entryPoint: string): Promise<GPUComputePipeline> {
  return compilePipeline(device, code, entryPoint, `stft ${entryPoint}`);
}

const pipelinesFor = perDevice((device): Promise<Pipelines> =>
  Promise.all([
    compile(device, packShader, 'pack'),
    compile(device, fftStageShader, 'stage'),
    compile(device, binsShader, 'bins'),
  ]).then(([pack, stage, bins]) => ({ pack, stage, bins })),
);

/** Why the GPU kernel does not take these params (the registry's caller then runs js). */
export function webgpuStftRefusal(params: StftParams, dtype: FloatDtype): string | undefined {
  const nfft = params.nfft ?? params.nperseg;
  if (dtype !== 'float32') return 'WebGPU has no float64 (WGSL has no f64 type)';
  if ((nfft & (nfft - 1)) !== 0)
    return `nfft ${nfft} is not a power of two (the GPU FFT is radix-2)`;
  if (params.detrend !== false) return 'detrend "constant" is not done on the GPU';
  return undefined;
}

interface Shape {
  nperseg: number;
  step: number;
  nfft: number;
  bins: number;
}

/** One submission: upload `samples`, pack, FFT stages, keep bins, read back `frames` frames. */
async function runPiece(
  acquired: AcquiredDevice,
  pipelines: Pipelines,
  samples: Float32Array,
  window: Float32Array,
  twiddles: Float32Array,
  frames: number,
  shape: Shape,
): Promise<Float32Array> {
  const { device, limits } = acquired;
  const { nperseg, step, nfft, bins } = shape;
  const groupsFor = (total: number, size: number) => workgroupCount(total, size, limits);
  return withErrorScopes(device, 'stft', () =>
    withBuffers(async (track) => {
      const complexBytes = frames * nfft * 8;
      const usage = Usage.STORAGE | Usage.COPY_SRC;
      const input = track(uploadBuffer(device, samples, Usage.STORAGE, 'stft samples'));
      const weights = track(uploadBuffer(device, window, Usage.STORAGE, 'stft window'));
      const table = track(uploadBuffer(device, twiddles, Usage.STORAGE, 'stft twiddles'));
      const ping = track(createBuffer(device, complexBytes, usage, 'stft ping'));
      const pong = track(createBuffer(device, complexBytes, usage, 'stft pong'));
      const encoder = device.createCommandEncoder({ label: 'stft' });
      const dispatch = bufferPasses(device, encoder);

      const packed = frames * nfft;
      const packGroups = groupsFor(packed, STFT_WORKGROUP);
      const packParams = [frames, nfft, nperseg, step, packed, packGroups];
      const packUniform = track(uploadUniform(device, packParams, STFT_PARAMS_BYTES, 'stft pack'));
      dispatch(pipelines.pack, [packUniform, input, weights, ping], packGroups, 'stft pack');

      const fftSpec = { n: nfft, frames, inverse: false, source: ping, target: pong, table };
      const source = encodeFftStages(device, encoder, pipelines.stage, limits, fftSpec, track);

      let result = source;
      if (bins < nfft) {
        const kept = frames * bins;
        const binGroups = groupsFor(kept, STFT_WORKGROUP);
        const binParams = [frames, nfft, bins, step, kept, binGroups];
        const binUniform = track(uploadUniform(device, binParams, STFT_PARAMS_BYTES, 'stft bins'));
        result = track(createBuffer(device, kept * 8, usage, 'stft bins'));
        dispatch(pipelines.bins, [binUniform, source, result], binGroups, 'stft bins');
      }
      const [data] = await submitAndRead(device, encoder, [
        { buffer: result, bytes: frames * bins * 8 },
      ]);
      return new Float32Array(data as ArrayBuffer);
    }),
  );
}

/** Frames per submission under the device's (or the injected) binding limits. */
export function framesPerSubmission(acquired: AcquiredDevice, shape: Shape): number {
  return fftFramesPerSubmission(
    acquired.limits,
    shape,
    `stft on webgpu: a frame of nfft ${shape.nfft} exceeds one GPU binding here`,
  );
}

/**
 * Marks the frames holding a NaN or ±Infinity sample; returns them (empty when none) and the
 * samples with those values zeroed (the block itself when none).
 */
function nonFiniteFrames(
  block: Float32Array,
  frames: number,
  shape: Shape,
): { bad: number[]; clean: Float32Array } {
  let marks: Uint8Array | undefined;
  let clean = block;
  for (let j = 0; j < block.length; j++) {
    const value = block[j] as number;
    // x − x is 0 for finite x and NaN for NaN or ±Infinity.
    if (value - value === 0) continue;
    if (marks === undefined) {
      marks = new Uint8Array(frames);
      clean = Float32Array.from(block);
    }
    clean[j] = 0;
    const first = Math.max(0, Math.ceil((j - shape.nperseg + 1) / shape.step));
    const last = Math.min(frames - 1, Math.floor(j / shape.step));
    for (let f = first; f <= last; f++) marks[f] = 1;
  }
  const bad: number[] = [];
  if (marks !== undefined) marks.forEach((mark, f) => mark === 1 && bad.push(f));
  return { bad, clean };
}

/**
 * `fallback` (the js kernel) computes the frames that hold non-finite samples. Acquires the
 * device and compiles the shaders now: a backend that cannot run says so when created.
 */
export async function createWebgpuStftKernel(
  gpu: GPU | null | undefined,
  fallback: StftKernel,
  options: GpuContextOptions = {},
): Promise<WebgpuStftKernel> {
  const { context } = await openKernelContext(gpu, options, pipelinesFor);
  const stats = { submits: 0 };
  const twiddlesOf = twiddleCache();

  return {
    backend: 'webgpu',
    dtypes: ['float32'],
    context,
    stats,
    device: () => context.acquire(),
    refusal: (params, dtype) => webgpuStftRefusal(params, dtype),
    async frames(block, params, out, at = 0) {
      const refusal = webgpuStftRefusal(
        params,
        block instanceof Float32Array ? 'float32' : 'float64',
      );
      if (refusal !== undefined) throw new AlgorithmError('unavailable', `stft: ${refusal}`);
      const samples = block as Float32Array;
      const nfft = params.nfft ?? params.nperseg;
      const shape: Shape = {
        nperseg: params.nperseg,
        step: params.nperseg - params.noverlap,
        nfft,
        bins: params.onesided ? Math.floor(nfft / 2) + 1 : nfft,
      };
      const frames =
        samples.length < shape.nperseg
          ? 0
          : Math.floor((samples.length - shape.nperseg) / shape.step) + 1;
      const stride = 2 * shape.bins;
      if (!Number.isInteger(at) || at < 0) throw badRequest('stft: at must be an integer ≥ 0');
      if (out.length < (at + frames) * stride) {
        throw badRequest(
          `stft: output holds ${out.length} numbers, ${(at + frames) * stride} needed`,
        );
      }
      if (frames === 0) return 0;
      const { bad, clean } = nonFiniteFrames(samples, frames, shape);
      // float64, rounded once to float32.
      const window = Float32Array.from(stftScaledWindow(params));
      const twiddles = twiddlesOf(nfft);
      await context.run(async (acquired) => {
        const pipelines = await pipelinesFor(acquired.device);
        const perPiece = framesPerSubmission(acquired, shape);
        for (let first = 0; first < frames; first += perPiece) {
          const count = Math.min(perPiece, frames - first);
          const start = first * shape.step;
          const piece = clean.subarray(start, start + (count - 1) * shape.step + shape.nperseg);
          const data = await runPiece(acquired, pipelines, piece, window, twiddles, count, shape);
          stats.submits++;
          out.set(data, (at + first) * stride);
        }
      });
      for (const f of bad) {
        const start = f * shape.step;
        await fallback.frames(samples.subarray(start, start + shape.nperseg), params, out, at + f);
      }
      return frames;
    },
  };
}
