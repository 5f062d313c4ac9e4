// The hot loop of polyphase resampling, per backend: a run of outputs over samples already in
// one contiguous float64 array. The streaming core (polyphase.ts) keeps the history, the
// position and the trailing zeros, so a kernel never carries state.
import { createKernelRegistry, type KernelRegistry } from '../registry.ts';
import type { BackendName, FloatArray } from '../types.ts';
import { createWasmPolyphaseKernel } from './wasm/kernel.ts';

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

export function createPolyphaseKernels(): KernelRegistry<PolyphaseKernel> {
  const registry = createKernelRegistry<PolyphaseKernel>();
  registry.register({ backend: 'wasm', create: () => createWasmPolyphaseKernel() });
  registry.register({ backend: 'js', create: () => jsPolyphaseKernel });
  return registry;
}
