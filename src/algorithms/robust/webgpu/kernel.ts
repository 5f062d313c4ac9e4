/// <reference types="@webgpu/types" />
// The robust statistics' WebGPU kernel (kernels.ts's RobustKernel): rolling mean/std and
// rolling median/MAD over every full window of a block, float32 only (WGSL has no f64). The
// shaders (shader.ts) read the samples' u32 bit patterns, so the reference's NaN rule holds
// exactly: NaN is a gap, ±∞ are observations (mean ±∞ or NaN, std NaN; an infinite median
// gives MAD NaN), minPeriods decides; the CPU finishes each record in float64 (× 2^E for the
// mean/std, the mean of two order statistics and the scale for the median/MAD) and rounds once.
//
// Cost (shader.ts): mean/std reads each window three times, O(n·w) for a block of n samples,
// one invocation per window (w ≤ 256 or ≥ 2048 windows) or one 64-invocation workgroup per
// window; median/MAD ≈ 67 reads of the window per output (radix selection), O(n·w) too.
// Every window is computed alone, so any chunking of a stream gives the same bytes.
//
// Limits: a pass holds what one storage binding (and buffer) may: its samples (outputs +
// window − 1) and its records (16 bytes per output); longer blocks are split into several
// submissions at output boundaries, and every window is computed alone, so a split gives the
// same bytes. Dispatches beyond maxComputeWorkgroupsPerDimension loop inside the shader. A
// window longer than one binding's samples, and a median window over MAX_GPU_MEDIAN_WINDOW,
// are `unsupported` (the registry falls through to wasm/js).
import { AlgorithmError } from '../../errors.ts';
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
  type GpuLimits,
} from '../../gpu/device.ts';
import { compilePipeline, encodePass, perDevice } from '../../gpu/pipelines.ts';
import type { FloatArray, FloatDtype } from '../../types.ts';
import type { RobustKernel, RobustStatistic } from '../kernels.ts';
import { windowsIn } from '../windows-in.ts';
import type { MeanStdParams } from '../meanStd.ts';
import type { MedianMadParams } from '../medianMad.ts';
import {
  PARAMS_BYTES,
  paramsWords,
  RECORD_BYTES,
  robustShader,
  usePerThread,
  WORKGROUP,
  type RobustEntry,
} from './shader.ts';

/**
 * The longest median/MAD window on the GPU. The radix selection costs about 67 reads of the
 * window per output on one invocation (no workgroup memory, so memory sets no limit); at 4096
 * that is ~270k reads per output, where the wasm/js sorted window needs O(log w) compares and a
 * memmove: longer windows are left to them.
 */
export const MAX_GPU_MEDIAN_WINDOW = 4096;

/**
 * Finite samples at or above this magnitude could make |x − median| overflow float32 in the
 * shader (WGSL may assume it never does): such blocks are refused as `unavailable` at run
 * time, and the job hands them to the js kernel.
 */
export const MEDIAN_MAGNITUDE_LIMIT = 2 ** 126;

export interface RobustGpuStats {
  /** Submissions so far (one per pass-sized piece); shows the splits in tests. */
  submits: number;
}

export interface WebgpuRobustKernel extends RobustKernel, GpuKernelHandles<RobustGpuStats> {}

const ENTRIES: readonly RobustEntry[] = ['meanStdPerThread', 'meanStdPerGroup', 'medianMad'];

/** Per device, pipelines compiled once. */
const pipelineFor = perDevice(
  (device, entry: RobustEntry) =>
    compilePipeline(
      device,
      robustShader(entry),
      entry,
      `robust ${entry}`,
      `robust shader (${entry})`,
    ),
  (entry) => entry,
);

/** Samples one binding holds: a window longer than this cannot run on the GPU. */
export function samplesPerBinding(limits: GpuLimits): number {
  return elementsPerBinding(limits, 4);
}

/** Outputs one pass takes for `window`: its samples and its records each fit one binding. */
export function outputsPerPass(limits: GpuLimits, window: number): number {
  return Math.max(
    1,
    Math.min(samplesPerBinding(limits) - window + 1, elementsPerBinding(limits, RECORD_BYTES)),
  );
}

/** Why the GPU kernel does not take this statistic, params and dtype under `limits`. */
export function unsupportedOn(
  limits: GpuLimits,
  statistic: RobustStatistic,
  params: MeanStdParams | MedianMadParams,
  dtype: FloatDtype,
): string | undefined {
  if (dtype !== 'float32') return 'WebGPU has no float64 (WGSL has no f64 type)';
  const binding = samplesPerBinding(limits);
  if (params.window > binding) {
    return `a window of ${String(params.window)} samples exceeds one GPU storage binding (${String(binding)} samples)`;
  }
  if (statistic === 'medianMad' && params.window > MAX_GPU_MEDIAN_WINDOW) {
    return `median/MAD windows over ${String(MAX_GPU_MEDIAN_WINDOW)} samples are left to wasm/js (the GPU's selection costs O(window) per output)`;
  }
  return undefined;
}

interface Pass {
  entry: RobustEntry;
  window: number;
  minPeriods: number;
  ddof: number;
}

/** The records (four u32 words per output) of every full window of `samples`. */
async function runPasses(
  acquired: AcquiredDevice,
  stats: RobustGpuStats,
  samples: Float32Array,
  pass: Pass,
): Promise<Uint32Array> {
  const { device, limits } = acquired;
  const { window, entry } = pass;
  const outputs = windowsIn(samples.length, window);
  const records = new Uint32Array(outputs * 4);
  const perPass = outputsPerPass(limits, window);
  const pipeline = await pipelineFor(device, entry);
  for (let at = 0; at < outputs; at += perPass) {
    const count = Math.min(perPass, outputs - at);
    const piece = samples.subarray(at, at + count + window - 1);
    const data = await withErrorScopes(device, 'robust', () =>
      withBuffers(async (track) => {
        // Bit patterns, not floats: the shader classifies NaN/±∞ from the bits.
        const bits = new Uint32Array(piece.buffer, piece.byteOffset, piece.length);
        const input = track(uploadBuffer(device, bits, Usage.STORAGE, 'robust samples'));
        const perGroup = entry === 'meanStdPerGroup';
        // Grid-stride loops in the shader cover what the dispatch limit leaves over.
        const groups = Math.min(
          perGroup ? count : Math.ceil(count / WORKGROUP),
          limits.maxComputeWorkgroupsPerDimension,
        );
        const params = track(
          uploadBuffer(
            device,
            paramsWords(window, count, groups, pass.minPeriods, pass.ddof),
            Usage.UNIFORM,
            'robust params',
          ),
        );
        const output = track(
          createBuffer(
            device,
            count * RECORD_BYTES,
            Usage.STORAGE | Usage.COPY_SRC,
            'robust records',
          ),
        );
        const entries = [
          { binding: 0, resource: { buffer: params, size: PARAMS_BYTES } },
          { binding: 1, resource: { buffer: input } },
          { binding: 2, resource: { buffer: output } },
        ];
        const encoder = device.createCommandEncoder();
        encodePass(device, encoder, pipeline, entries, groups, `robust ${entry}`);
        const sources = [{ buffer: output, bytes: count * RECORD_BYTES }];
        const [bytes] = await submitAndRead(device, encoder, sources, stats);
        return new Uint32Array(bytes as ArrayBuffer);
      }),
    );
    records.set(data, at * 4);
  }
  return records;
}

function unavailable(reason: string): AlgorithmError {
  return new AlgorithmError('unavailable', `webgpu robust: ${reason}`);
}

export async function createWebgpuRobustKernel(
  gpu: GPU | null | undefined,
  options: GpuContextOptions = {},
): Promise<WebgpuRobustKernel> {
  const { context, acquired } = await openKernelContext(gpu, options, (device) =>
    Promise.all(ENTRIES.map((entry) => pipelineFor(device, entry))),
  );
  const stats: RobustGpuStats = { submits: 0 };
  // A device acquired after a loss has the same adapter's limits.
  const limits = acquired.limits;

  const float32Block = (
    statistic: RobustStatistic,
    block: FloatArray,
    params: MeanStdParams | MedianMadParams,
  ): Float32Array => {
    const reason = unsupportedOn(
      limits,
      statistic,
      params,
      block instanceof Float32Array ? 'float32' : 'float64',
    );
    if (reason !== undefined) throw unavailable(reason);
    return block as Float32Array;
  };

  return {
    backend: 'webgpu',
    context,
    stats,
    device: () => context.acquire(),
    unsupported: (statistic, params, dtype) => unsupportedOn(limits, statistic, params, dtype),
    async meanStd(block, params, out) {
      const samples = float32Block('meanStd', block, params);
      const outputs = windowsIn(samples.length, params.window);
      if (outputs === 0) return;
      const entry = usePerThread(params.window, outputs) ? 'meanStdPerThread' : 'meanStdPerGroup';
      const records = await context.run((device) =>
        runPasses(device, stats, samples, {
          entry,
          window: params.window,
          minPeriods: params.minPeriods,
          ddof: params.ddof,
        }),
      );
      const floats = new Float32Array(records.buffer);
      const exponents = new Int32Array(records.buffer);
      for (let i = 0; i < outputs; i++) {
        // The scaled mean and std times 2^E, exact in float64; one rounding to the output.
        const scale = 2 ** (exponents[4 * i + 2] as number);
        out.mean[i] = (floats[4 * i] as number) * scale;
        out.std[i] = (floats[4 * i + 1] as number) * scale;
      }
    },
    async medianMad(block, params, out) {
      const samples = float32Block('medianMad', block, params);
      const outputs = windowsIn(samples.length, params.window);
      if (outputs === 0) return;
      for (const value of samples) {
        if (Math.abs(value) >= MEDIAN_MAGNITUDE_LIMIT && Number.isFinite(value)) {
          throw unavailable(
            `samples of magnitude ≥ 2^126 (${String(value)}) could overflow the GPU's float32 deviations`,
          );
        }
      }
      const records = await context.run((device) =>
        runPasses(device, stats, samples, {
          entry: 'medianMad',
          window: params.window,
          minPeriods: params.minPeriods,
          ddof: 0,
        }),
      );
      const floats = new Float32Array(records.buffer);
      for (let i = 0; i < outputs; i++) {
        // numpy's mean of the middle two (the same value twice for an odd count), in float64.
        const lower = floats[4 * i] as number;
        const upper = floats[4 * i + 1] as number;
        const deviation = ((floats[4 * i + 2] as number) + (floats[4 * i + 3] as number)) / 2;
        out.median[i] = (lower + upper) / 2;
        out.mad[i] = params.scale * deviation;
      }
    },
  };
}
