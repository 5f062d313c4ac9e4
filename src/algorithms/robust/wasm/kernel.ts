// The wasm kernel of the robust statistics (the RobustKernel contract of ../kernels.ts):
// robust.wat runs meanStd.ts's double-double mean/std and sortedWindow.ts's sorted-window
// median/MAD with the same float64 operations in the same order, so a block gives the js
// kernel's bytes. The block goes through the kernel's own memory in batches: each batch is
// copied in as float64 (float32 blocks are widened exactly on the copy) together with the
// `window` samples before it (the leaving sample, the window a rescan reads), and its outputs,
// float64, are copied out into the caller's arrays, rounded once where those are float32. The
// running state (sums, shift, sorted window) stays in wasm memory between the batches and
// slices of one block; each block starts afresh (the contract is stateless over a block).
//
// NaN rule: the references' (NaN a gap, ±∞ observations, minPeriods decides); robust.wat.
import { AlgorithmError } from '../../errors.ts';
import type { FloatArray } from '../../types.ts';
import { bytesOfBase64 } from '../../windowed/wasm/base64.ts';
import {
  WASM_PAGE,
  webAssembly,
  type WasmMemory,
  type WasmModule,
} from '../../windowed/wasm/webassembly.ts';
import type { RobustKernel } from '../kernels.ts';
import { meanStdParams, type MeanStdParams } from '../meanStd.ts';
import { medianMadParams, type MedianMadParams } from '../medianMad.ts';
import { ROBUST_WASM_UNSHARED } from './robust-wasm.generated.ts';

type MeanStdCall = (
  st: number,
  x: number,
  r0: number,
  r1: number,
  g0: number,
  window: number,
  minPeriods: number,
  ddof: number,
  mean: number,
  std: number,
) => void;

type MedianMadCall = (
  st: number,
  x: number,
  r0: number,
  r1: number,
  g0: number,
  window: number,
  minPeriods: number,
  scale: number,
  sorted: number,
  median: number,
  mad: number,
) => void;

/** New samples per batch (at least a window, so the samples copied twice stay ≤ half). */
const BATCH = 2 ** 16;

/**
 * Work per wasm call, in sample·window steps for the median (each sample may move a window of
 * values) and samples for the mean. Why slices: V8 starts a wasm function on its baseline tier
 * and never moves a running call to the optimised code, so one long call runs slow throughout
 * (windowed/wasm/in-memory.ts measured it); later slices take the optimised code.
 */
const SLICE_WORK = 2 ** 16;

/** The state at byte 0 (robust.wat's layout), the sorted window after it. */
const STATE_BYTES = 64;

/** Block indices are i32 in the module. */
const MAX_BLOCK = 2 ** 31 - 1;

let compiled: Promise<WasmModule> | undefined;

function robustModule(): Promise<WasmModule> {
  compiled ??= (async () => {
    const api = webAssembly();
    const bytes = bytesOfBase64(ROBUST_WASM_UNSHARED);
    // Every module of the algorithms is validated with SIMD on: it is the capability probe.
    if (!api.validate(bytes)) {
      throw new AlgorithmError('unavailable', 'WebAssembly SIMD128 is not supported here');
    }
    return api.compile(bytes);
  })();
  return compiled;
}

const align = (bytes: number): number => Math.ceil(bytes / 16) * 16;

function exported(exports: Record<string, unknown>, name: string): unknown {
  const call = exports[name];
  if (typeof call !== 'function') throw new Error(`robust wasm module lacks ${name}`);
  return call;
}

interface Layout {
  /** Sorted window (median only). */
  sorted: number;
  /** The region of samples: up to window + batch float64. */
  x: number;
  batch: number;
  /** Two outputs of `batch` float64 each. */
  first: number;
  second: number;
}

export async function createWasmRobustKernel(): Promise<RobustKernel> {
  const api = webAssembly();
  const module = await robustModule();
  const memory: WasmMemory = new api.Memory({ initial: 1 });
  const { exports } = await api.instantiate(module, { env: { memory } });
  const meanStdCall = exported(exports, 'mean_std') as MeanStdCall;
  const medianMadCall = exported(exports, 'median_mad') as MedianMadCall;

  /** Places state, sorted window, region and outputs; grows the memory to hold them. */
  function layout(window: number, sortedWindow: boolean): Layout {
    const batch = Math.max(BATCH, window);
    const sorted = STATE_BYTES;
    const x = align(sorted + (sortedWindow ? 8 * window : 0));
    const first = align(x + 8 * (window + batch));
    const second = first + 8 * batch;
    const end = second + 8 * batch;
    const missing = end - memory.buffer.byteLength;
    if (missing > 0) {
      try {
        memory.grow(Math.ceil(missing / WASM_PAGE));
      } catch (error) {
        // The js kernel needs a fraction of this; the registry falls through to it.
        throw new AlgorithmError(
          'unavailable',
          `robust wasm: cannot grow the memory to ${String(end)} bytes (${String(error)})`,
        );
      }
    }
    // A fresh stream: zero sums, shift and counts, an empty sorted window.
    new Uint8Array(memory.buffer, 0, STATE_BYTES).fill(0);
    return { sorted, x, batch, first, second };
  }

  /**
   * Streams `block` through `call` batch by batch and slice by slice, copying each batch's
   * outputs into `outputs` (window-aligned: output k is the window ending at sample k + w − 1).
   */
  function run(
    block: FloatArray,
    window: number,
    at: Layout,
    stepWork: number,
    call: (r0: number, r1: number, g0: number, first: number, second: number) => void,
    outputs: [FloatArray, FloatArray],
  ): void {
    const n = block.length;
    const slice = Math.max(1, Math.floor(SLICE_WORK / stepWork));
    for (let g0 = 0; g0 < n; g0 += at.batch) {
      const g1 = Math.min(n, g0 + at.batch);
      // The region starts a window back: the leaving sample and the window a rescan reads.
      const start = Math.max(0, g0 - window);
      new Float64Array(memory.buffer, at.x, g1 - start).set(block.subarray(start, g1));
      const emitFrom = Math.max(g0, window - 1);
      for (let g = g0; g < g1; g += slice) {
        const end = Math.min(g1, g + slice);
        const before = Math.max(0, g - emitFrom);
        call(g - start, end - start, g, at.first + 8 * before, at.second + 8 * before);
      }
      if (emitFrom < g1) {
        const count = g1 - emitFrom;
        const { buffer } = memory;
        outputs[0].set(new Float64Array(buffer, at.first, count), emitFrom - window + 1);
        outputs[1].set(new Float64Array(buffer, at.second, count), emitFrom - window + 1);
      }
    }
  }

  function checkBlock(name: string, block: FloatArray, window: number, outputs: FloatArray[]) {
    if (block.length > MAX_BLOCK) {
      throw new AlgorithmError(
        'payload_too_large',
        `${name}: a block of ${String(block.length)} samples is over ${String(MAX_BLOCK)}`,
      );
    }
    const count = Math.max(0, block.length - window + 1);
    for (const out of outputs) {
      if (out.length < count) {
        throw new AlgorithmError(
          'bad_request',
          `${name}: an output of ${String(out.length)} values for ${String(count)} windows`,
        );
      }
    }
    return count;
  }

  return {
    backend: 'wasm',
    unsupported: () => undefined,
    meanStd(block, params, out) {
      // The reference's checks (bad_request beyond MAX_MEAN_STD_WINDOW, minPeriods, ddof).
      const { window, minPeriods, ddof }: MeanStdParams = meanStdParams(params);
      if (checkBlock('rollingMeanStd wasm', block, window, [out.mean, out.std]) === 0) return;
      const at = layout(window, false);
      run(
        block,
        window,
        at,
        1,
        (r0, r1, g0, mean, std) => {
          meanStdCall(0, at.x, r0, r1, g0, window, minPeriods, ddof, mean, std);
        },
        [out.mean, out.std],
      );
    },
    medianMad(block, params, out) {
      const { window, minPeriods, scale }: MedianMadParams = medianMadParams(params);
      if (checkBlock('rollingMedianMad wasm', block, window, [out.median, out.mad]) === 0) return;
      const at = layout(window, true);
      run(
        block,
        window,
        at,
        window,
        (r0, r1, g0, median, mad) => {
          medianMadCall(0, at.x, r0, r1, g0, window, minPeriods, scale, at.sorted, median, mad);
        },
        [out.median, out.mad],
      );
    },
  };
}
