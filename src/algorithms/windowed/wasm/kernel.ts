// The wasm WindowKernel: copies each run of whole windows into its own (ordinary) memory, runs
// the SIMD kernels there and copies the per-window outputs out. Data already in a wasm memory
// skips the copy through in-memory.ts. The memory grows to the largest batch seen and is
// reused; batches are capped so a long chunk does not double its size in wasm memory.
//
// Results: min, max and count are those of the reference bit for bit (NaN ignored, ±Infinity an
// extreme but not counted, −0 written as 0); the mean sums in float64 over lanes, so it may
// differ from the reference's sequential sum in the last bits (a window cut by a chunk edge is
// summed by the reference through run.ts, so such a mean may differ with the split).
import type { FloatArray, FloatDtype } from '../../types.ts';
import type { WindowKernel } from '../kernels.ts';
import { windowed, type WindowedOutput } from '../reference.ts';
import { bindWindowedWasm, type StatsAddresses, type WindowedWasm } from './in-memory.ts';
import { WASM_PAGE, webAssembly, type WasmMemory } from './webassembly.ts';

/** Samples per batch: 16 MiB of float32, 32 MiB of float64 in wasm memory at most. */
export const BATCH_SAMPLES = 2 ** 22;

export interface WasmWindowKernel extends WindowKernel {
  readonly backend: 'wasm';
  /** The kernels bound to this kernel's own memory, for callers that place data there. */
  readonly wasm: WindowedWasm;
}

const align = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/** Where a batch of `samples` samples in `windows` windows goes in memory, and its size. */
function layout(
  size: number,
  samples: number,
  windows: number,
): { out: StatsAddresses; end: number } {
  const input = align(size * samples);
  const each = align(size * windows);
  const out = { min: input, max: input + each, mean: input + 2 * each, count: input + 3 * each };
  return { out, end: out.count + align(8 * windows) };
}

/** A view of the kernel's memory in the input's dtype. */
function view(float32: boolean, buffer: ArrayBufferLike, at: number, length: number): FloatArray {
  return float32 ? new Float32Array(buffer, at, length) : new Float64Array(buffer, at, length);
}

function ensureBytes(memory: WasmMemory, bytes: number): void {
  const missing = bytes - memory.buffer.byteLength;
  if (missing > 0) memory.grow(Math.ceil(missing / WASM_PAGE));
}

/** Windows beyond a batch go through the reference: one output per millions of samples. */
function reduceByReference(
  values: FloatArray,
  window: number,
  out: WindowedOutput,
  offset: number,
): void {
  const dtype: FloatDtype = values instanceof Float32Array ? 'float32' : 'float64';
  const part = windowed.update(windowed.init({ window, partial: 'drop' }, dtype), values);
  out.min.set(part.min, offset);
  out.max.set(part.max, offset);
  out.mean.set(part.mean, offset);
  out.count.set(part.count, offset);
}

export async function createWasmWindowKernel(): Promise<WasmWindowKernel> {
  const memory = new (webAssembly().Memory)({ initial: 1 });
  const wasm = await bindWindowedWasm(memory);
  return {
    backend: 'wasm',
    dtypes: ['float32', 'float64'],
    wasm,
    // `nanFree` is not needed: the one path is NaN-safe at full speed (windowed.wat's header).
    reduce(values, window, out, offset) {
      if (window > BATCH_SAMPLES) {
        reduceByReference(values, window, out, offset);
        return;
      }
      const float32 = values instanceof Float32Array;
      const dtype: FloatDtype = float32 ? 'float32' : 'float64';
      const size = float32 ? 4 : 8;
      const perBatch = Math.floor(BATCH_SAMPLES / window) * window;
      for (let from = 0; from < values.length; from += perBatch) {
        const batch = values.subarray(from, from + perBatch);
        const windows = batch.length / window;
        const { out: at, end } = layout(size, batch.length, windows);
        ensureBytes(memory, end);
        const { buffer } = memory;
        view(float32, buffer, 0, batch.length).set(batch);
        wasm.reduceInMemory(dtype, 0, batch.length, window, at);
        const first = offset + from / window;
        out.min.set(view(float32, buffer, at.min, windows), first);
        out.max.set(view(float32, buffer, at.max, windows), first);
        out.mean.set(view(float32, buffer, at.mean, windows), first);
        out.count.set(new Float64Array(buffer, at.count, windows), first);
      }
    },
  };
}
