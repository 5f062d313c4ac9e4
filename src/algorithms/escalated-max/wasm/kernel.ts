// The wasm kernel of the escalated maximum: whole frames go through escalated-max.wat in the
// kernel's own memory (copied in and out in batches); samples of a frame cut by a chunk edge go
// through the reference's loop, so the state stays the reference's and chunks may end
// anywhere. SIMD pays where the channels fill whole vectors (4 float32 / 2 float64); other
// channel counts run the module's scalar loop, as fast as the js kernel at best.
import { AlgorithmError } from '../../errors.ts';
import type { FloatArray } from '../../types.ts';
import { bytesOfBase64 } from '../../windowed/wasm/base64.ts';
import { WASM_PAGE, webAssembly, type WasmModule } from '../../windowed/wasm/webassembly.ts';
import type { EscalatedMaxKernel } from '../kernels.ts';
import { escalate } from '../reference.ts';
import { ESCALATED_MAX_WASM_UNSHARED } from './escalated-max-wasm.generated.ts';

/** Input bytes per kernel call: 16 MiB in, 16 MiB out in wasm memory at most. */
const BATCH_BYTES = 2 ** 24;

type Escalate = (src: number, dst: number, frames: number, channels: number, m: number) => void;

let compiled: Promise<WasmModule> | undefined;

function escalatedMaxModule(): Promise<WasmModule> {
  compiled ??= (async () => {
    const api = webAssembly();
    const bytes = bytesOfBase64(ESCALATED_MAX_WASM_UNSHARED);
    if (!api.validate(bytes)) {
      throw new AlgorithmError('unavailable', 'WebAssembly SIMD128 is not supported here');
    }
    return api.compile(bytes);
  })();
  return compiled;
}

const align = (bytes: number): number => Math.ceil(bytes / 16) * 16;

function view(float32: boolean, buffer: ArrayBufferLike, at: number, length: number): FloatArray {
  return float32 ? new Float32Array(buffer, at, length) : new Float64Array(buffer, at, length);
}

export async function createWasmEscalatedMaxKernel(): Promise<EscalatedMaxKernel> {
  const api = webAssembly();
  const module = await escalatedMaxModule();
  const memory = new api.Memory({ initial: 1 });
  const { exports } = await api.instantiate(module, { env: { memory } });
  const kernels = { f32: exports.escalate_f32 as Escalate, f64: exports.escalate_f64 as Escalate };

  return {
    backend: 'wasm',
    dtypes: ['float32', 'float64'],
    run(values, out, max, next) {
      const channels = max.length;
      const float32 = values instanceof Float32Array;
      const size = float32 ? 4 : 8;
      // The rest of a frame cut by the previous chunk's edge.
      const head = next === 0 ? 0 : Math.min(values.length, channels - next);
      let channel = escalate(values.subarray(0, head), out.subarray(0, head), max, next);
      const frameBytes = channels * size;
      const perBatch = Math.max(1, Math.floor(BATCH_BYTES / frameBytes));
      const frames = Math.floor((values.length - head) / channels);
      if (frames > 0) {
        const batchFrames = Math.min(perBatch, frames);
        const src = align(channels * size);
        const dst = src + align(batchFrames * frameBytes);
        const end = dst + batchFrames * frameBytes;
        const missing = end - memory.buffer.byteLength;
        if (missing > 0) memory.grow(Math.ceil(missing / WASM_PAGE));
        const { buffer } = memory;
        const running = view(float32, buffer, 0, channels);
        running.set(max);
        for (let done = 0; done < frames; done += perBatch) {
          const n = Math.min(perBatch, frames - done);
          const from = head + done * channels;
          view(float32, buffer, src, n * channels).set(values.subarray(from, from + n * channels));
          (float32 ? kernels.f32 : kernels.f64)(src, dst, n, channels, 0);
          out.set(view(float32, buffer, dst, n * channels), from);
        }
        for (let c = 0; c < channels; c++) max[c] = running[c] as number;
      }
      // Samples of a frame the next chunk completes.
      const tail = head + frames * channels;
      channel = escalate(values.subarray(tail), out.subarray(tail), max, channel);
      return channel;
    },
  };
}
