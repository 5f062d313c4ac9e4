/// <reference types="@webgpu/types" />
// The FFT on WebGPU, float32, any length n, real and complex, forward and inverse, in numpy's
// conventions and the js plans' layouts (plan.ts): complex frames of 2n numbers (re, im…); rfft
// frames of n samples → 2·(⌊n/2⌋+1) numbers; irfft frames of 2·(⌊n/2⌋+1) → n samples, the
// imaginary parts of bin 0 and (even n) bin n/2 ignored; inverses scaled by 1/n. Many frames of
// one n go in one call, and each submission is one upload, a chain of passes and one readback:
//
//   real forward:  pack (x + 0i) → complex FFT of n → keep the first ⌊n/2⌋+1 bins
//   real inverse:  expand the half-spectrum to the Hermitian full one → complex inverse → re
//   complex FFT of n: a power of two → gpu/fft's radix-2 Stockham stages directly; any other n
//     → Bluestein on the GPU: chirp multiply and zero padding to m = 2^⌈log2(2n−1)⌉, FFT of m,
//     pointwise product with the spectrum of the chirp filter, inverse FFT of m, chirp multiply.
//
// The twiddles (gpu/fft's table) and the chirp are computed in float64 and rounded once to
// float32; the chirp's angle is π·(j² mod 2n)/n with j² mod 2n kept exact in integers, so large
// n lose nothing to the angle. The filter's spectrum is computed on the CPU by the float64 js
// plan, rounded once, uploaded once per (n, direction) and kept on the device (a few sizes).
//
// NaN rule (plan.ts's: a non-finite input makes every bin non-finite): a frame holding a NaN
// or ±Infinity in a number the transform reads comes back with every number NaN; its numbers
// go to the GPU as zeros (WGSL may assume finite values). plan.ts's rule is "every bin NaN", and so are its bins as complex numbers,
// but not always both parts: on its radix sizes bin 0 is a plain sum, so a NaN only in real
// parts leaves bin 0's imaginary part finite (and vice versa) — an artefact of its
// factorisation (its Bluestein sizes give all NaN), not reproduced here. Numbers irfft ignores
// (imaginary parts of bin 0 and, even n, bin n/2) are ignored here too, NaN or not. For a frame
// holding ±Infinity the js plan gives a position-dependent mix of ±Infinity and NaN (plan.ts:
// "Infinity or NaN"); this kernel gives NaN throughout, which the rule allows.
//
// Other errors: float64 input → unavailable (WGSL has no f64; the registry falls through to
// js). A frame whose work buffer (n, or m for Bluestein, complex samples) exceeds one GPU
// binding → unavailable (js takes it); more frames than a binding holds are split into several
// submissions, each frame computed alone, so a split changes no byte. Bad n, kind or lengths →
// bad_request.
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
  type GpuContext,
  type GpuContextOptions,
} from '../../gpu/device.ts';
import { encodeFftStages, fftStagePipeline, twiddleTable } from '../../gpu/fft/fft.ts';
import type { FloatArray, FloatDtype } from '../../types.ts';
import { checkPlanOptions, fftPlan, type FftKind, type FftPlanOptions } from '../plan.ts';
import {
  bufferBindings,
  compilePipeline,
  encodePass,
  perDevice,
  workgroupCount,
} from '../../gpu/pipelines.ts';
import { rootOfUnity } from '../twiddle.ts';
import {
  chirpPadShader,
  chirpUnpadShader,
  expandHermitianShader,
  keepBinsShader,
  multiplyShader,
  packRealShader,
  PASS_PARAMS_BYTES,
  PASS_WORKGROUP,
  realPartShader,
} from './shader.ts';

export interface FftTransformOptions {
  readonly kind: FftKind;
  /** numpy's ifft / irfft (scaled by 1/n); forward when absent. */
  readonly inverse?: boolean;
}

/**
 * A batched, asynchronous FFT kernel: `transform` takes consecutive frames of one size (the
 * layouts of `FftPlan.forward`/`inverse`, one after another) and resolves to their transforms
 * in one new array. Beside the synchronous `FftKernel` because a GPU cannot answer at once.
 */
export interface BatchFftKernel {
  readonly backend: 'webgpu' | 'js';
  /** Why this kernel does not take this size, kind and dtype (undefined when it does). */
  unsupported(n: number, options: FftPlanOptions): string | undefined;
  transform(input: FloatArray, n: number, options: FftTransformOptions): Promise<FloatArray>;
  dispose(): void;
}

export interface GpuFftKernel extends BatchFftKernel {
  readonly backend: 'webgpu';
  readonly context: GpuContext;
  /** Submissions so far (one per piece of frames that fits the bindings); shows the splits. */
  readonly stats: Readonly<{ submits: number }>;
  /** float32 only: a Float64Array → AlgorithmError('unavailable'). */
  transform(input: FloatArray, n: number, options: FftTransformOptions): Promise<Float32Array>;
}

/** Checks n, kind and inverse of a `transform` call (bad_request), as the plans check theirs. */
export function checkTransformOptions(
  n: unknown,
  options: unknown,
  dtype: FloatDtype,
): { n: number; kind: FftKind; inverse: boolean } {
  if (typeof options !== 'object' || options === null) {
    throw badRequest('fft transform: options must be an object');
  }
  const { kind, inverse = false } = options as Record<string, unknown>;
  const checked = checkPlanOptions(n, { kind, dtype });
  if (typeof inverse !== 'boolean') {
    throw badRequest(`fft transform: inverse must be a boolean, not ${String(inverse)}`);
  }
  return { n: checked.n, kind: checked.kind, inverse };
}

/** Numbers per frame going in and coming out. */
export function frameLengths(
  n: number,
  kind: FftKind,
  inverse: boolean,
): { input: number; output: number } {
  const bins = 2 * (Math.floor(n / 2) + 1);
  if (kind === 'complex') return { input: 2 * n, output: 2 * n };
  return inverse ? { input: bins, output: n } : { input: n, output: bins };
}

const isPowerOfTwo = (n: number) => (n & (n - 1)) === 0;

/** The Bluestein length: the smallest power of two ≥ 2n − 1. */
export function bluesteinLength(n: number): number {
  let m = 1;
  while (m < 2 * n - 1) m *= 2;
  return m;
}

/** Complex samples of one frame's largest work buffer (n, or m for Bluestein). */
function workLength(n: number): number {
  return isPowerOfTwo(n) ? n : bluesteinLength(n);
}

/**
 * The chirp d_j = e^{∓iπ j²/n} (− forward, + inverse) for j < n, interleaved, in float64. The
 * angle is π·r/n with r = j² mod 2n kept exact in integers (j² itself passes 2^53 for
 * n > 9.5·10^7), then reduced to an octant by `rootOfUnity`.
 */
export function bluesteinChirp(n: number, inverse: boolean): Float64Array {
  const chirp = new Float64Array(2 * n);
  // r advances by (j+1)² − j² = 2j + 1, below 4n: exact for every n ≤ 2^27.
  let r = 0;
  for (let j = 0; j < n; j++) {
    rootOfUnity(r, 2 * n, chirp, 2 * j); // e^{+iπ r/n}
    if (!inverse) chirp[2 * j + 1] = -(chirp[2 * j + 1] as number);
    r = (r + 2 * j + 1) % (2 * n);
  }
  return chirp;
}

/**
 * The chirp rounded once to float32, and the spectrum (FFT of m, by the float64 js plan, then
 * rounded once) of the filter conj(d) laid out circularly (at j and m − j).
 */
export function bluesteinTables(
  n: number,
  inverse: boolean,
): { chirp: Float32Array; spectrum: Float32Array; m: number } {
  const m = bluesteinLength(n);
  const chirp = bluesteinChirp(n, inverse);
  const filter = new Float64Array(2 * m);
  for (let j = 0; j < n; j++) {
    const re = chirp[2 * j] as number;
    const im = -(chirp[2 * j + 1] as number);
    filter[2 * j] = re;
    filter[2 * j + 1] = im;
    if (j > 0) {
      filter[2 * (m - j)] = re;
      filter[2 * (m - j) + 1] = im;
    }
  }
  const plan = fftPlan(m, { kind: 'complex', dtype: 'float64' });
  const spectrum = Float32Array.from(plan.forward(filter));
  // Drop the float64 plan from the js cache: a large m holds megabytes we need only once.
  plan.dispose();
  return { chirp: Float32Array.from(chirp), spectrum, m };
}

interface Pipelines {
  stage: GPUComputePipeline;
  pack: GPUComputePipeline;
  expand: GPUComputePipeline;
  bins: GPUComputePipeline;
  real: GPUComputePipeline;
  chirpPad: GPUComputePipeline;
  multiply: GPUComputePipeline;
  chirpUnpad: GPUComputePipeline;
}

function compile(device: GPUDevice, code: string, label: string): Promise<GPUComputePipeline> {
  return compilePipeline(device, code, 'main', `fft ${label}`);
}

const pipelinesFor = perDevice((device): Promise<Pipelines> =>
  Promise.all([
    fftStagePipeline(device),
    compile(device, packRealShader, 'pack'),
    compile(device, expandHermitianShader, 'expand'),
    compile(device, keepBinsShader, 'bins'),
    compile(device, realPartShader, 'real'),
    compile(device, chirpPadShader, 'chirp pad'),
    compile(device, multiplyShader, 'multiply'),
    compile(device, chirpUnpadShader, 'chirp unpad'),
  ]).then(([stage, pack, expand, bins, real, chirpPad, multiply, chirpUnpad]) => ({
    stage,
    pack,
    expand,
    bins,
    real,
    chirpPad,
    multiply,
    chirpUnpad,
  })),
);

/** Tables kept on one device: twiddles per power of two, Bluestein per (n, direction). */
interface DeviceTables {
  device: GPUDevice;
  twiddles: Map<number, GPUBuffer>;
  bluestein: Map<string, { chirp: GPUBuffer; spectrum: GPUBuffer; m: number }>;
}

/** Sizes whose tables stay on the device (least recently used dropped first). */
const TABLES_KEPT = 8;

function touch<V>(map: Map<string | number, V>, key: string | number, value: V): void {
  map.delete(key);
  map.set(key, value);
}

function destroyTables(tables: DeviceTables): void {
  for (const buffer of tables.twiddles.values()) buffer.destroy();
  for (const entry of tables.bluestein.values()) {
    entry.chirp.destroy();
    entry.spectrum.destroy();
  }
  tables.twiddles.clear();
  tables.bluestein.clear();
}

function twiddlesOn(tables: DeviceTables, n: number): GPUBuffer {
  let buffer = tables.twiddles.get(n);
  if (buffer === undefined) {
    buffer = uploadBuffer(tables.device, twiddleTable(n), Usage.STORAGE, `fft twiddles ${n}`);
    if (tables.twiddles.size >= TABLES_KEPT) {
      const [oldest] = tables.twiddles.entries();
      if (oldest !== undefined) {
        oldest[1].destroy();
        tables.twiddles.delete(oldest[0]);
      }
    }
  }
  touch(tables.twiddles, n, buffer);
  return buffer;
}

function bluesteinOn(
  tables: DeviceTables,
  n: number,
  inverse: boolean,
): { chirp: GPUBuffer; spectrum: GPUBuffer; m: number } {
  const key = `${String(n)}:${inverse ? 'inverse' : 'forward'}`;
  let entry = tables.bluestein.get(key);
  if (entry === undefined) {
    const { chirp, spectrum, m } = bluesteinTables(n, inverse);
    entry = {
      chirp: uploadBuffer(tables.device, chirp, Usage.STORAGE, `fft chirp ${key}`),
      spectrum: uploadBuffer(tables.device, spectrum, Usage.STORAGE, `fft filter ${key}`),
      m,
    };
    if (tables.bluestein.size >= TABLES_KEPT) {
      const [oldest] = tables.bluestein.entries();
      if (oldest !== undefined) {
        oldest[1].chirp.destroy();
        oldest[1].spectrum.destroy();
        tables.bluestein.delete(oldest[0]);
      }
    }
  }
  touch(tables.bluestein, key, entry);
  return entry;
}

interface Job {
  n: number;
  kind: FftKind;
  inverse: boolean;
  frames: number;
}

/** One submission: upload `data` (job.frames frames), the chain of passes, one readback. */
async function runPiece(
  acquired: AcquiredDevice,
  pipelines: Pipelines,
  tables: DeviceTables,
  data: Float32Array,
  job: Job,
): Promise<Float32Array> {
  const { device, limits } = acquired;
  const { n, kind, inverse, frames } = job;
  const bins = Math.floor(n / 2) + 1;
  return withErrorScopes(device, 'fft', () =>
    withBuffers(async (track) => {
      const usage = Usage.STORAGE | Usage.COPY_SRC;
      const complexFrames = (length: number, label: string) =>
        track(createBuffer(device, frames * length * 8, usage, label));
      const encoder = device.createCommandEncoder({ label: 'fft' });
      const dispatch = (
        pipeline: GPUComputePipeline,
        resources: GPUBuffer[],
        shape: { n: number; m: number; total: number; scale?: number },
        label: string,
      ) => {
        const groups = workgroupCount(shape.total, PASS_WORKGROUP, limits);
        const words = new ArrayBuffer(PASS_PARAMS_BYTES);
        new Uint32Array(words, 0, 4).set([shape.n, shape.m, shape.total, groups]);
        new Float32Array(words, 16, 1).set([shape.scale ?? 1]);
        const params = track(uploadBuffer(device, new Uint8Array(words), Usage.UNIFORM, label));
        encodePass(
          device,
          encoder,
          pipeline,
          bufferBindings([params, ...resources]),
          groups,
          label,
        );
      };
      const stages = (
        size: number,
        backwards: boolean,
        source: GPUBuffer,
        target: GPUBuffer,
      ): GPUBuffer =>
        encodeFftStages(
          device,
          encoder,
          pipelines.stage,
          limits,
          { n: size, frames, inverse: backwards, source, target, table: twiddlesOn(tables, size) },
          track,
        );

      const input = track(uploadBuffer(device, data, usage, 'fft input'));
      // The frames as n complex samples each.
      let signal = input;
      if (kind === 'real') {
        signal = complexFrames(n, 'fft complex');
        if (inverse) {
          const shape = { n, m: bins, total: frames * n };
          dispatch(pipelines.expand, [input, signal], shape, 'fft expand');
        } else {
          dispatch(pipelines.pack, [input, signal], { n, m: n, total: frames * n }, 'fft pack');
        }
      }
      // Their transforms, n complex samples each.
      let spectrum: GPUBuffer;
      if (isPowerOfTwo(n)) {
        spectrum = stages(n, inverse, signal, complexFrames(n, 'fft pong'));
      } else {
        const { chirp, spectrum: filter, m } = bluesteinOn(tables, n, inverse);
        const ping = complexFrames(m, 'fft bluestein ping');
        const pong = complexFrames(m, 'fft bluestein pong');
        dispatch(pipelines.chirpPad, [signal, chirp, ping], { n, m, total: frames * m }, 'pad');
        const forward = stages(m, false, ping, pong);
        dispatch(pipelines.multiply, [forward, filter], { n, m, total: frames * m }, 'multiply');
        const convolved = stages(m, true, forward, forward === ping ? pong : ping);
        // `signal` is read by nothing after the chirp pass: it takes the result.
        const shape = { n, m, total: frames * n, scale: inverse ? 1 / n : 1 };
        dispatch(pipelines.chirpUnpad, [convolved, chirp, signal], shape, 'unpad');
        spectrum = signal;
      }
      let result = spectrum;
      let bytes = frames * n * 8;
      if (kind === 'real') {
        if (inverse) {
          bytes = frames * n * 4;
          result = track(createBuffer(device, bytes, usage, 'fft real'));
          dispatch(pipelines.real, [spectrum, result], { n, m: n, total: frames * n }, 'real');
        } else {
          bytes = frames * bins * 8;
          result = complexFrames(bins, 'fft bins');
          dispatch(
            pipelines.bins,
            [spectrum, result],
            { n, m: bins, total: frames * bins },
            'bins',
          );
        }
      }
      const [out] = await submitAndRead(device, encoder, [{ buffer: result, bytes }]);
      return new Float32Array(out as ArrayBuffer);
    }),
  );
}

/** Frames per submission under the device's (or the injected) binding limits. */
export function framesPerSubmission(limits: AcquiredDevice['limits'], n: number): number {
  const perBinding = elementsPerBinding(limits, 8);
  const work = workLength(n);
  if (work > perBinding) {
    throw new AlgorithmError(
      'unavailable',
      `webgpu fft: a frame of n ${String(n)} needs ${String(work)} complex work samples, over one GPU binding here (${String(perBinding * 8)} bytes)`,
    );
  }
  return Math.floor(perBinding / work);
}

/** Why the GPU kernel does not take this plan (dtype only: sizes depend on the device). */
export function webgpuFftUnsupported(_n: number, options: FftPlanOptions): string | undefined {
  if (options.dtype !== 'float32') return 'webgpu: no float64 (WGSL has no f64 type)';
  return undefined;
}

/**
 * Frames that hold a NaN or ±Infinity in a number the transform reads, as a mask per frame (1:
 * such a frame); undefined when every number is finite.
 */
function nonFiniteFrames(
  input: Float32Array,
  frameLength: number,
  job: Job,
): Uint8Array | undefined {
  let marks: Uint8Array | undefined;
  // irfft ignores the imaginary parts of bin 0 and, for even n, of bin n/2.
  const ignoredA = job.kind === 'real' && job.inverse ? 1 : -1;
  const ignoredB = job.kind === 'real' && job.inverse && job.n % 2 === 0 ? job.n + 1 : -1;
  for (let i = 0; i < input.length; i++) {
    const value = input[i] as number;
    // x − x is 0 for finite x and NaN for NaN or ±Infinity.
    if (value - value === 0) continue;
    const at = i % frameLength;
    if (at === ignoredA || at === ignoredB) continue;
    marks ??= new Uint8Array(input.length / frameLength);
    marks[Math.floor(i / frameLength)] = 1;
  }
  return marks;
}

/**
 * The WebGPU FFT kernel. Acquires the device and compiles the shaders now, so a runtime
 * without a GPU (null adapter, no navigator.gpu) says so here with `unavailable`.
 */
export async function createWebgpuFftKernel(
  gpu: GPU | null | undefined,
  options: GpuContextOptions = {},
): Promise<GpuFftKernel> {
  const { context } = await openKernelContext(gpu, options, pipelinesFor);
  const stats = { submits: 0 };
  let tables: DeviceTables | undefined;
  const tablesOn = (device: GPUDevice): DeviceTables => {
    if (tables?.device !== device) {
      // A new device (the last one was lost): the old tables went with it.
      if (tables !== undefined) destroyTables(tables);
      tables = { device, twiddles: new Map(), bluestein: new Map() };
    }
    return tables;
  };

  return {
    backend: 'webgpu',
    context,
    stats,
    unsupported: webgpuFftUnsupported,
    async transform(input, n, transformOptions) {
      if (input instanceof Float64Array) {
        throw new AlgorithmError('unavailable', 'webgpu: no float64 (WGSL has no f64 type)');
      }
      if (!(input instanceof Float32Array)) {
        throw badRequest('webgpu fft: input must be a Float32Array');
      }
      const { kind, inverse } = checkTransformOptions(n, transformOptions, 'float32');
      const lengths = frameLengths(n, kind, inverse);
      if (input.length % lengths.input !== 0) {
        throw badRequest(
          `webgpu fft: ${String(input.length)} numbers are not whole frames of ${String(lengths.input)}`,
        );
      }
      const frames = input.length / lengths.input;
      const output = new Float32Array(frames * lengths.output);
      if (frames === 0) return output;
      const job: Job = { n, kind, inverse, frames };
      const marks = nonFiniteFrames(input, lengths.input, job);
      let clean = input;
      if (marks !== undefined) {
        clean = Float32Array.from(input);
        marks.forEach((mark, f) => {
          if (mark === 1) clean.fill(0, f * lengths.input, (f + 1) * lengths.input);
        });
      }
      await context.run(async (acquired) => {
        const pipelines = await pipelinesFor(acquired.device);
        const perPiece = framesPerSubmission(acquired.limits, n);
        const deviceTables = tablesOn(acquired.device);
        for (let first = 0; first < frames; first += perPiece) {
          const count = Math.min(perPiece, frames - first);
          const piece = clean.subarray(first * lengths.input, (first + count) * lengths.input);
          const data = await runPiece(acquired, pipelines, deviceTables, piece, {
            ...job,
            frames: count,
          });
          stats.submits++;
          output.set(data, first * lengths.output);
        }
      });
      // The js plan's IEEE propagation: one NaN or infinity makes every output of its frame
      // non-finite; NaN here.
      marks?.forEach((mark, f) => {
        if (mark === 1) output.fill(NaN, f * lengths.output, (f + 1) * lengths.output);
      });
      return output;
    },
    dispose() {
      if (tables !== undefined) destroyTables(tables);
      tables = undefined;
      context.close();
    },
  };
}
