// pffft (SIMD wasm) behind the FFT plan interface: float32 only, n = 2^a·3^b·5^c with n a
// multiple of 32 (real) or 16 (complex) — pffft's own limits (SIMD_SZ = 4; its setup asserts
// them). Each plan owns a pffft setup and three 16-byte aligned buffers in the module's memory;
// `dispose` (of a plan or of the whole kernel) frees them. pffft's ordered real layout packs
// bin N/2 into bin 0's imaginary slot; the plan moves it to numpy's N/2+1 bins and scales the
// inverse by 1/n (pffft is unscaled both ways), so results match the js plans' conventions.
import { AlgorithmError } from '../errors.ts';
import type { FftPlan, FftPlanOptions } from './plan.ts';
import { checkArrays, checkPlanOptions } from './plan.ts';
import type { PffftModule } from './pffft-types.ts';
import { smoothFactors } from './stockham.ts';

const REAL = 0;
const COMPLEX = 1;
const FORWARD = 0;
const BACKWARD = 1;

/** Why pffft cannot run this plan, or undefined when it can. */
export function pffftUnsupported(n: number, options: FftPlanOptions): string | undefined {
  if (options.dtype !== 'float32') return 'pffft computes in float32 only';
  const multiple = options.kind === 'real' ? 32 : 16;
  if (n % multiple !== 0)
    return `pffft needs a multiple of ${multiple} for ${options.kind} transforms`;
  if (smoothFactors(n) === undefined) return 'pffft needs n = 2^a·3^b·5^c';
  return undefined;
}

interface Allocation {
  setup: number;
  buffers: number[];
}

export interface PffftPlans {
  plan(n: number, options: FftPlanOptions): FftPlan;
  dispose(): void;
}

export function createPffftPlans(module: PffftModule): PffftPlans {
  const live = new Map<string, FftPlan>();

  function free(allocation: Allocation): void {
    for (const pointer of allocation.buffers) module._pffft_aligned_free(pointer);
    if (allocation.setup !== 0) module._pffft_destroy_setup(allocation.setup);
    allocation.buffers = [];
    allocation.setup = 0;
  }

  function build(n: number, options: FftPlanOptions, key: string): FftPlan {
    const real = options.kind === 'real';
    const floats = real ? n : 2 * n;
    const allocation: Allocation = {
      setup: module._pffft_new_setup(n, real ? REAL : COMPLEX),
      buffers: [],
    };
    if (allocation.setup === 0)
      throw new AlgorithmError('unavailable', `pffft: no setup for n = ${n}`);
    for (let i = 0; i < 3; i++) {
      const pointer = module._pffft_aligned_malloc(4 * floats);
      if (pointer === 0) {
        free(allocation);
        throw new AlgorithmError('payload_too_large', `pffft: no wasm memory for n = ${n}`);
      }
      allocation.buffers.push(pointer);
    }
    const [inPtr = 0, outPtr = 0, workPtr = 0] = allocation.buffers;
    const bins = real ? 2 * (n / 2 + 1) : 2 * n;
    const at = inPtr >> 2;
    const outAt = outPtr >> 2;
    const scale = 1 / n;

    function transform(direction: number): Float32Array {
      module._pffft_transform_ordered(allocation.setup, inPtr, outPtr, workPtr, direction);
      // Read the heap after the call: the memory may have grown (new buffer, new view).
      return module.HEAPF32.subarray(outAt, outAt + floats);
    }
    function alive(): void {
      if (allocation.setup === 0) throw new AlgorithmError('bad_request', 'fft: plan was disposed');
    }

    const plan: FftPlan = {
      n,
      kind: options.kind,
      dtype: 'float32',
      backend: 'wasm',
      timeLength: real ? n : 2 * n,
      frequencyLength: bins,
      forward(input, output) {
        alive();
        const out = checkArrays('forward', 'float32', input, plan.timeLength, output, bins);
        module.HEAPF32.set(input, at);
        const z = transform(FORWARD);
        if (!real) {
          out.set(z);
          return out;
        }
        out.set(z.subarray(2), 2);
        out[0] = z[0] as number;
        out[1] = 0;
        out[n] = z[1] as number;
        out[n + 1] = 0;
        return out;
      },
      inverse(input, output) {
        alive();
        const out = checkArrays('inverse', 'float32', input, bins, output, plan.timeLength);
        const heap = module.HEAPF32;
        if (real) {
          heap.set(input.subarray(2, n), at + 2);
          heap[at] = input[0] as number;
          heap[at + 1] = input[n] as number;
        } else {
          heap.set(input, at);
        }
        const z = transform(BACKWARD);
        for (let i = 0; i < floats; i++) out[i] = (z[i] as number) * scale;
        return out;
      },
      dispose() {
        free(allocation);
        live.delete(key);
      },
    };
    return plan;
  }

  return {
    plan(n, options) {
      const checked = checkPlanOptions(n, options);
      const reason = pffftUnsupported(checked.n, checked);
      if (reason !== undefined) throw new AlgorithmError('unavailable', reason);
      const key = `${checked.kind}:${String(checked.n)}`;
      let plan = live.get(key);
      if (plan === undefined) {
        plan = build(checked.n, checked, key);
        live.set(key, plan);
      }
      return plan;
    },
    dispose() {
      for (const plan of [...live.values()]) plan.dispose();
    },
  };
}
