// The wasm PolyphaseKernel: copies the taps and each batch of samples into the module's own
// (ordinary) memory, runs polyphase.wat there and copies the outputs out. The memory grows to
// the largest batch seen and is reused; the taps are copied again only when another taps array
// comes (a new stream, or a state cloned between workers). Batches cap the samples and the
// outputs in wasm memory, so one long chunk does not hold it twice over.
//
// Results: the js kernel's products bit for bit, summed in another order (polyphase.wat's
// header): a few float64 ulps per output, the same NaN/Infinity footprint.
import { AlgorithmError } from '../../errors.ts';
import { bytesOfBase64 } from '../../windowed/wasm/base64.ts';
import {
  WASM_PAGE,
  webAssembly,
  type WasmMemory,
  type WasmModule,
} from '../../windowed/wasm/webassembly.ts';
import type { PolyphaseKernel } from '../kernels.ts';
import { POLYPHASE_WASM } from './polyphase-wasm.generated.ts';

/** Samples read per batch, and outputs written per batch: 32 MiB each in wasm memory at most. */
export const BATCH_SAMPLES = 2 ** 22;
export const BATCH_OUTPUTS = 2 ** 22;

type Polyphase = (
  taps: number,
  work: number,
  out: number,
  perPhase: number,
  up: number,
  down: number,
  phase: number,
  count: number,
  f32out: number,
) => void;

let compiled: Promise<WasmModule> | undefined;

/** The module, compiled once per realm; `unavailable` where SIMD128 (or wasm) is missing. */
function polyphaseModule(): Promise<WasmModule> {
  compiled ??= (async () => {
    const api = webAssembly();
    const bytes = bytesOfBase64(POLYPHASE_WASM);
    // The module itself is the capability probe: it validates only where SIMD128 exists.
    if (!api.validate(bytes)) {
      throw new AlgorithmError('unavailable', 'WebAssembly SIMD128 is not supported here');
    }
    return api.compile(bytes);
  })();
  return compiled;
}

const align = (bytes: number): number => Math.ceil(bytes / 16) * 16;

function ensureBytes(memory: WasmMemory, bytes: number): void {
  const missing = bytes - memory.buffer.byteLength;
  if (missing > 0) memory.grow(Math.ceil(missing / WASM_PAGE));
}

export interface WasmPolyphaseOptions {
  /** Batch limits; tests make them small to cross batch edges on short inputs. */
  batchSamples?: number;
  batchOutputs?: number;
}

export async function createWasmPolyphaseKernel(
  options: WasmPolyphaseOptions = {},
): Promise<PolyphaseKernel> {
  const { batchSamples = BATCH_SAMPLES, batchOutputs = BATCH_OUTPUTS } = options;
  const instance = await webAssembly().instantiate(await polyphaseModule(), {});
  const memory = instance.exports.memory as WasmMemory;
  const polyphase = instance.exports.polyphase as Polyphase;
  // The taps now at address 0 (compared by identity: a state's taps never change in place).
  let tapsInMemory: Float64Array | undefined;
  return {
    backend: 'wasm',
    run(work, taps, perPhase, up, down, phase, count, out) {
      if (count === 0) return;
      const tapsBytes = align(taps.length * 8);
      if (tapsInMemory !== taps) {
        ensureBytes(memory, tapsBytes);
        new Float64Array(memory.buffer, 0, taps.length).set(taps);
        tapsInMemory = taps;
      }
      const float32 = out instanceof Float32Array;
      const outSize = float32 ? 4 : 8;
      const perBatch = Math.max(1, Math.min(batchOutputs, Math.floor((batchSamples * up) / down)));
      for (let first = 0; first < count; first += perBatch) {
        const outputs = Math.min(perBatch, count - first);
        // Output `first` is at upsampled time phase + first·down from the window's start
        // (< 2^45: count ≤ 2^28 and down ≤ 2^16, exact in a double).
        const time = phase + first * down;
        const from = Math.floor(time / up);
        const batchPhase = time % up;
        const samples = Math.floor((batchPhase + (outputs - 1) * down) / up) + perPhase;
        if (from + samples > work.length) {
          // The streaming core always passes the samples its outputs read; never read stale memory.
          throw new RangeError(
            `polyphase wasm: outputs read ${String(from + samples)} samples, ${String(work.length)} given`,
          );
        }
        const workAt = tapsBytes;
        const outAt = workAt + align(samples * 8);
        ensureBytes(memory, outAt + outputs * outSize);
        const { buffer } = memory;
        new Float64Array(buffer, workAt, samples).set(work.subarray(from, from + samples));
        polyphase(0, workAt, outAt, perPhase, up, down, batchPhase, outputs, float32 ? 1 : 0);
        out.set(
          float32
            ? new Float32Array(buffer, outAt, outputs)
            : new Float64Array(buffer, outAt, outputs),
          first,
        );
      }
    },
  };
}
