// Streams a chunk through windowed statistics on any kernel: the samples that close the open
// window, and those after the last whole window, go through the reference (they are fewer
// than a window); the whole windows between go to the kernel in one call.
import type { FloatArray } from '../types.ts';
import type { WindowKernel } from './kernels.ts';
import { windowed, type WindowedOutput, type WindowedState } from './reference.ts';

export async function updateWithKernel(
  kernel: WindowKernel,
  state: WindowedState,
  chunk: FloatArray,
  nanFree = false,
): Promise<WindowedOutput> {
  const { window } = state.params;
  const head = state.filled === 0 ? 0 : Math.min(chunk.length, window - state.filled);
  const whole = Math.floor((chunk.length - head) / window);
  const first = windowed.update(state, chunk.subarray(0, head));
  const total = first.min.length + whole;
  const Out = state.dtype === 'float32' ? Float32Array : Float64Array;
  const out: WindowedOutput = {
    min: new Out(total),
    max: new Out(total),
    mean: new Out(total),
    count: new Float64Array(total),
  };
  out.min.set(first.min);
  out.max.set(first.max);
  out.mean.set(first.mean);
  out.count.set(first.count);
  const bodyEnd = head + whole * window;
  if (whole > 0) {
    await kernel.reduce(chunk.subarray(head, bodyEnd), window, out, first.min.length, nanFree);
  }
  // Fewer than a window: only fills the open window.
  windowed.update(state, chunk.subarray(bodyEnd));
  return out;
}
