// Streams a chunk of the escalated maximum through any kernel, keeping the reference's state.
import type { FloatArray } from '../types.ts';
import type { EscalatedMaxKernel } from './kernels.ts';
import type { EscalatedMaxState } from './reference.ts';
import { arrayOf } from '../types.ts';

export async function escalateWithKernel(
  kernel: EscalatedMaxKernel,
  state: EscalatedMaxState,
  chunk: FloatArray,
): Promise<FloatArray> {
  const out = arrayOf(state.dtype, chunk.length);
  state.next = await kernel.run(chunk, out, state.max, state.next);
  return out;
}
