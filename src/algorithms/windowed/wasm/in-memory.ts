// Windowed statistics over samples already in a WebAssembly memory — the worker pool's and the
// benchmark's entry: no copy, the caller places input and outputs and passes byte addresses.
// A shared memory (workers reducing parts of one signal) gets the module compiled for shared
// memory, an ordinary one the other build of the same code (build.mjs).
//
// NaN: one path for every input, NaN-safe by construction (windowed.wat's header: pmin/pmax
// with the accumulator first ignore NaN exactly as the reference does), so a manifest's
// `nanFree` changes nothing here and costs nothing when absent.
import { AlgorithmError, badRequest, positiveInteger } from '../../errors.ts';
import type { FloatDtype } from '../../types.ts';
import { MAX_WINDOW } from '../reference.ts';
import { bytesOfBase64 } from './base64.ts';
import { WINDOWED_WASM_SHARED, WINDOWED_WASM_UNSHARED } from './windowed-wasm.generated.ts';
import { isShared, webAssembly, type WasmMemory, type WasmModule } from './webassembly.ts';

/** Byte addresses of per-window outputs: min/max/mean in the input's dtype, count float64. */
export interface MinMaxAddresses {
  min: number;
  max: number;
}
export interface StatsAddresses extends MinMaxAddresses {
  mean: number;
  count: number;
}

export interface WindowedWasm {
  readonly memory: WasmMemory;
  /**
   * Min and max of each window of `window` samples among the `length` at byte `ptr`
   * (`length` a multiple of `window`), written at `out.min`/`out.max`, one entry per window.
   * Outputs must not overlap the input; addresses need no alignment. Throws bad_request
   * on regions outside the memory (never a wasm trap half-way).
   */
  minMaxInMemory(
    dtype: FloatDtype,
    ptr: number,
    length: number,
    window: number,
    out: MinMaxAddresses,
  ): void;
  /** As `minMaxInMemory`, with the mean of the finite samples and their count. */
  reduceInMemory(
    dtype: FloatDtype,
    ptr: number,
    length: number,
    window: number,
    out: StatsAddresses,
  ): void;
}

type Kernel = (src: number, windows: number, window: number, ...out: number[]) => void;

interface Modules {
  shared: WasmModule;
  unshared: WasmModule;
}

let compiled: Promise<Modules> | undefined;

/** Both builds, compiled once per realm; `unavailable` where SIMD128 (or wasm) is missing. */
export function windowedModules(): Promise<Modules> {
  compiled ??= (async () => {
    const api = webAssembly();
    const unshared = bytesOfBase64(WINDOWED_WASM_UNSHARED);
    // The module itself is the capability probe: it validates only where SIMD128 exists.
    if (!api.validate(unshared)) {
      throw new AlgorithmError('unavailable', 'WebAssembly SIMD128 is not supported here');
    }
    const [sharedModule, unsharedModule] = await Promise.all([
      api.compile(bytesOfBase64(WINDOWED_WASM_SHARED)),
      api.compile(unshared),
    ]);
    return { shared: sharedModule, unshared: unsharedModule };
  })();
  return compiled;
}

/** Input bytes per kernel call (see `sliced`). */
const SLICE_BYTES = 2 ** 24;

const sizeOf = (dtype: FloatDtype): number => (dtype === 'float32' ? 4 : 8);

function exported(exports: Record<string, unknown>, name: string): Kernel {
  const kernel = exports[name];
  if (typeof kernel !== 'function') throw new Error(`windowed wasm module lacks ${name}`);
  return kernel as Kernel;
}

/** Instantiates the kernels on `memory` (an instance is bound to one memory). */
export async function bindWindowedWasm(memory: WasmMemory): Promise<WindowedWasm> {
  const modules = await windowedModules();
  const module = isShared(memory) ? modules.shared : modules.unshared;
  const { exports } = await webAssembly().instantiate(module, { env: { memory } });
  const kernels = {
    minmax: { float32: exported(exports, 'minmax_f32'), float64: exported(exports, 'minmax_f64') },
    stats: { float32: exported(exports, 'stats_f32'), float64: exported(exports, 'stats_f64') },
  };

  /** The number of windows, once every region is checked to lie inside the memory. */
  function windowsOf(
    size: number,
    ptr: number,
    length: number,
    window: number,
    outputs: number[],
  ): number {
    positiveInteger('windowed wasm: window', window, MAX_WINDOW);
    if (!Number.isInteger(length) || length < 0 || length % window !== 0) {
      throw badRequest(
        `windowed wasm: length ${String(length)} is not a whole number of ${String(window)}-sample windows`,
      );
    }
    // The module's window arithmetic is u32: a window of 4 GiB would wrap to nothing.
    if (window * size >= 2 ** 32) throw badRequest('windowed wasm: a window must be under 4 GiB');
    const windows = length / window;
    // Read per call: the memory may have grown since the last one.
    const limit = memory.buffer.byteLength;
    const regions: [number, number][] = [[ptr, size * length]];
    // min, max and mean in the dtype; the fourth output, count, is float64.
    outputs.forEach((at, i) => regions.push([at, (i < 3 ? size : 8) * windows]));
    for (const [at, bytes] of regions) {
      if (!Number.isInteger(at) || at < 0 || at + bytes > limit) {
        throw badRequest(
          `windowed wasm: bytes ${String(at)} to ${String(at + bytes)} are outside the memory (${String(limit)} bytes)`,
        );
      }
    }
    return windows;
  }

  /**
   * Runs `kernel` over `windows` windows in calls of about SLICE_BYTES of input each. Why: a
   * wasm function starts on V8's baseline tier (Liftoff), and a call in progress is never
   * moved to the optimised code that arrives meanwhile; one call over 1 GiB ran at ~2 GB/s
   * where the same code optimised runs at ~10 (measured in Node 20). Slices let the later
   * ones take the optimised code; a call per 16 MiB costs nothing measurable.
   */
  function sliced(
    kernel: Kernel,
    size: number,
    ptr: number,
    windows: number,
    window: number,
    out: number[],
  ): void {
    const step = Math.max(1, Math.floor(SLICE_BYTES / (window * size)));
    for (let done = 0; done < windows; done += step) {
      const n = Math.min(step, windows - done);
      const at = out.map((address, i) => address + done * (i < 3 ? size : 8));
      kernel(ptr + done * window * size, n, window, ...at);
    }
  }

  return {
    memory,
    minMaxInMemory(dtype, ptr, length, window, out) {
      const outputs = [out.min, out.max];
      const windows = windowsOf(sizeOf(dtype), ptr, length, window, outputs);
      sliced(kernels.minmax[dtype], sizeOf(dtype), ptr, windows, window, outputs);
    },
    reduceInMemory(dtype, ptr, length, window, out) {
      const outputs = [out.min, out.max, out.mean, out.count];
      const windows = windowsOf(sizeOf(dtype), ptr, length, window, outputs);
      sliced(kernels.stats[dtype], sizeOf(dtype), ptr, windows, window, outputs);
    },
  };
}
