// The hot loop of polyphase resampling, per backend: a run of outputs over samples already in
// one contiguous float64 array. The streaming core (polyphase.ts) keeps the history, the
// position and the trailing zeros, so a kernel never carries state.
//
// js and wasm run synchronously (`PolyphaseKernel`), so the sync streaming API takes them; the
// WebGPU kernel resolves later (`AsyncPolyphaseKernel`) and runs through polyphase.ts's
// `updatePolyphaseAsync`/`finishPolyphaseAsync`, which take either kind.
import { navigatorGpu, type GpuContextOptions, type WebGpu } from '../gpu/device.ts';
import { createKernelRegistry, type KernelRegistry } from '../registry.ts';
import type { BackendName, FloatArray, FloatDtype } from '../types.ts';
import { createWasmPolyphaseKernel } from './wasm/kernel.ts';
import { createWebgpuPolyphaseKernel } from './webgpu/kernel.ts';

export interface PolyphaseKernel {
  readonly backend: BackendName;
  /**
   * Writes `count` outputs to `out`. Output 0 reads `work[0 … perPhase − 1]` with the taps of
   * phase `phase` (`taps[phase·perPhase …]`, flipped so both run forward); each next output
   * moves the phase by `down` and the window by one sample per `up` of phase.
   */
  run(
    work: Float64Array,
    taps: Float64Array,
    perPhase: number,
    up: number,
    down: number,
    phase: number,
    count: number,
    out: FloatArray,
  ): void;
}

export const jsPolyphaseKernel: PolyphaseKernel = {
  backend: 'js',
  run(work, taps, perPhase, up, down, phase, count, out) {
    const stepSamples = Math.floor(down / up);
    const stepPhase = down % up;
    let at = 0;
    let p = phase;
    for (let k = 0; k < count; k++) {
      const base = p * perPhase;
      let sum = 0;
      for (let b = 0; b < perPhase; b++)
        sum += (taps[base + b] as number) * (work[at + b] as number);
      out[k] = sum;
      p += stepPhase;
      at += stepSamples;
      if (p >= up) {
        p -= up;
        at++;
      }
    }
  },
};

/** A kernel whose run resolves later (WebGPU): the same contract as `PolyphaseKernel.run`. */
export interface AsyncPolyphaseKernel {
  readonly backend: BackendName;
  /** The output dtypes it writes; another one makes `run` reject with `unavailable`. */
  readonly dtypes: readonly FloatDtype[];
  run(...args: Parameters<PolyphaseKernel['run']>): Promise<void>;
}

export type AnyPolyphaseKernel = PolyphaseKernel | AsyncPolyphaseKernel;

export interface PolyphaseKernelsOptions {
  /** The WebGPU entry point: navigator.gpu when absent; Node tests inject the webgpu package's. */
  readonly gpu?: WebGpu | null;
  /** Lower GPU limits (tests force the split paths with them). */
  readonly gpuOptions?: GpuContextOptions;
}

/**
 * A registry of the polyphase kernels; one per app or test, never global. Without options:
 * wasm and js, the synchronous kernels `updatePolyphase` takes. With options: webgpu first
 * (float32 only; a float64 stream makes it reject with `unavailable`), for
 * `updatePolyphaseAsync`.
 */
export function createPolyphaseKernels(): KernelRegistry<PolyphaseKernel>;
export function createPolyphaseKernels(
  options: PolyphaseKernelsOptions,
): KernelRegistry<AnyPolyphaseKernel>;
export function createPolyphaseKernels(
  options?: PolyphaseKernelsOptions,
): KernelRegistry<AnyPolyphaseKernel> {
  const registry = createKernelRegistry<AnyPolyphaseKernel>();
  if (options !== undefined) {
    registry.register({
      backend: 'webgpu',
      create: () =>
        createWebgpuPolyphaseKernel(
          options.gpu === undefined ? navigatorGpu() : options.gpu,
          jsPolyphaseKernel,
          options.gpuOptions,
        ),
    });
  }
  registry.register({ backend: 'wasm', create: () => createWasmPolyphaseKernel() });
  registry.register({ backend: 'js', create: () => jsPolyphaseKernel });
  return registry;
}
