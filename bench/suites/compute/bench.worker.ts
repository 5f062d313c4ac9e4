// A compute-benchmark worker: holds a view of the shared memory and runs one part of a pass
// (samples [from, to)) in the mode asked, timing itself so comlink's round trip is not counted.
import * as Comlink from 'comlink';
import { jsWindowKernel } from '../../../src/algorithms/windowed/kernels.ts';
import type { WindowedOutput } from '../../../src/algorithms/windowed/reference.ts';
import {
  bindWindowedWasm,
  type WindowedWasm,
} from '../../../src/algorithms/windowed/wasm/in-memory.ts';
import type { BenchWorkerApi, MinmaxMode } from './protocol.ts';

const COPY_BLOCK = 1 << 18; // 1 MiB of float32 per copy into wasm memory

let wasm: WindowedWasm | undefined;
let samples = new Float32Array(0);
/** Byte address of the scratch region after the samples: outputs, then the copy-in block. */
let scratch = 0;
/** An ordinary (not wasm) copy of the samples for `wasm-copyin`, made on first use. */
let outside: Float32Array | undefined;
let lastChecksum = 0;

function bound(): WindowedWasm {
  if (wasm === undefined) throw new Error('init() first');
  return wasm;
}

function jsLoop(x: Float32Array, window: number, mins: Float32Array, maxs: Float32Array): void {
  for (let k = 0, at = 0; at < x.length; k++, at += window) {
    let mn = Infinity;
    let mx = -Infinity;
    for (let j = at; j < at + window; j++) {
      const v = x[j] as number;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    mins[k] = mn;
    maxs[k] = mx;
  }
}

const api: BenchWorkerApi = {
  async init(memory, count) {
    wasm = await bindWindowedWasm(memory);
    samples = new Float32Array(memory.buffer, 0, count);
    scratch = count * 4;
  },
  fill(seed, from, to) {
    let s = seed | 1;
    for (let i = from; i < to; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      samples[i] = (s >>> 0) / 2147483648 - 1;
    }
  },
  sprinkleNaN(every, from, to) {
    for (let i = Math.ceil(from / every) * every; i < to; i += every) samples[i] = Number.NaN;
    outside = undefined;
  },
  minmax(mode: MinmaxMode, window, from, to) {
    const windows = (to - from) / window;
    // Outputs of this worker's part: after the samples, at the part's own offset.
    const minAt = scratch + (from / window) * 8;
    const maxAt = minAt + windows * 4;
    const memory = bound().memory.buffer;
    const mins = new Float32Array(memory, minAt, windows);
    const maxs = new Float32Array(memory, maxAt, windows);
    let began: number;
    if (mode === 'wasm') {
      began = performance.now();
      bound().minMaxInMemory('float32', from * 4, to - from, window, { min: minAt, max: maxAt });
    } else if (mode === 'wasm-copyin') {
      outside ??= samples.slice(from, to);
      const blockAt = scratch + (samples.length / window) * 8;
      const block = new Float32Array(memory, blockAt, COPY_BLOCK);
      began = performance.now();
      for (let at = 0; at < outside.length; at += COPY_BLOCK) {
        const part = outside.subarray(at, at + COPY_BLOCK);
        block.set(part);
        const k = at / window;
        bound().minMaxInMemory('float32', blockAt, part.length, window, {
          min: minAt + k * 4,
          max: maxAt + k * 4,
        });
      }
    } else if (mode === 'js') {
      const out: WindowedOutput = {
        min: mins,
        max: maxs,
        mean: new Float32Array(windows),
        count: new Float64Array(windows),
      };
      began = performance.now();
      void jsWindowKernel.reduce(samples.subarray(from, to), window, out, 0, false);
    } else {
      began = performance.now();
      jsLoop(samples.subarray(from, to), window, mins, maxs);
    }
    const ms = performance.now() - began;
    lastChecksum = 0;
    for (let k = 0; k < windows; k += 997)
      lastChecksum += (mins[k] as number) + (maxs[k] as number);
    return ms;
  },
  checksum: () => lastChecksum,
};

Comlink.expose(api);
