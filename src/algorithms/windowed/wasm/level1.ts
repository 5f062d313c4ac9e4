// The pyramid's level-1 reduction in wasm (windowed.wat, `level1_*`), for the reducer of
// src/shared/signal/pyramid.ts, which takes it by injection (shared code imports nothing from
// here; the lake passes it in). Whole 64-sample buckets are copied into this reducer's own
// memory in batches and folded into accumulators (min, max, sum, count) exactly as the
// reducer's JavaScript loop folds them, so a pyramid's bytes are the same with or without it
// (the property test in server/signals/level1-kernel.test.ts holds that, NaN, ±Infinity and −0
// included). Integer signals are left to the reducer's own loop (`reduceBuckets` says false).
import { bytesOfBase64 } from './base64.ts';
import { WINDOWED_WASM_UNSHARED } from './windowed-wasm.generated.ts';
import { WASM_PAGE, webAssembly } from './webassembly.ts';
import { AlgorithmError } from '../../errors.ts';

/** Samples in a level-1 bucket: the pyramid's LEVEL1_BUCKET_LENGTH (a test checks they agree). */
export const LEVEL1_BUCKET = 64;

/** Buckets per call: 1 MiB of float32 samples, 2 MiB of float64, plus 32 bytes a bucket. */
const BATCH_BUCKETS = 2 ** 12;

export interface WasmLevel1Reducer {
  /**
   * Folds `buckets` whole buckets of `values`, from sample `from`, into `out` (four float64 a
   * bucket: min, max, sum of the finite samples, their count; min > max when the bucket held
   * only NaN). Returns false, writing nothing, for a dtype it does not take (integers).
   */
  reduceBuckets(values: ArrayBufferView, from: number, buckets: number, out: Float64Array): boolean;
}

type Level1 = (src: number, buckets: number, out: number) => void;

export async function createWasmLevel1Reducer(): Promise<WasmLevel1Reducer> {
  const api = webAssembly();
  const bytes = bytesOfBase64(WINDOWED_WASM_UNSHARED);
  if (!api.validate(bytes)) {
    throw new AlgorithmError('unavailable', 'WebAssembly SIMD128 is not supported here');
  }
  const memory = new api.Memory({ initial: 1 });
  const { exports } = await api.instantiate(await api.compile(bytes), { env: { memory } });
  const kernel = (name: string): Level1 => {
    const found = exports[name];
    if (typeof found !== 'function') throw new Error(`windowed wasm module lacks ${name}`);
    return found as Level1;
  };
  const float32 = kernel('level1_f32');
  const float64 = kernel('level1_f64');
  const grownTo = (bytes: number): void => {
    const missing = bytes - memory.buffer.byteLength;
    if (missing > 0) memory.grow(Math.ceil(missing / WASM_PAGE));
  };
  return {
    reduceBuckets(values, from, buckets, out) {
      if (!(values instanceof Float32Array || values instanceof Float64Array)) return false;
      const isFloat32 = values instanceof Float32Array;
      if (from + buckets * LEVEL1_BUCKET > values.length || out.length < 4 * buckets) {
        throw new RangeError(
          `level1: ${buckets} buckets from ${from} exceed ${values.length} samples or ${out.length / 4} outputs`,
        );
      }
      const size = isFloat32 ? 4 : 8;
      const run = isFloat32 ? float32 : float64;
      for (let done = 0; done < buckets; done += BATCH_BUCKETS) {
        const count = Math.min(BATCH_BUCKETS, buckets - done);
        const samples = count * LEVEL1_BUCKET;
        const outAt = samples * size;
        grownTo(outAt + 32 * count);
        const start = from + done * LEVEL1_BUCKET;
        const batch = values.subarray(start, start + samples);
        if (isFloat32) new Float32Array(memory.buffer, 0, samples).set(batch);
        else new Float64Array(memory.buffer, 0, samples).set(batch);
        run(0, count, outAt);
        out.set(new Float64Array(memory.buffer, outAt, 4 * count), 4 * done);
      }
      return true;
    },
  };
}
