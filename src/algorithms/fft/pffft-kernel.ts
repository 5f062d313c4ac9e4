// pffft (SIMD wasm) behind the FFT plan interface: float32 only, n = 2^a·3^b·5^c with n a
// multiple of 32 (real) or 16 (complex) — pffft's own limits (SIMD_SZ = 4; its setup asserts
// them). Each plan owns a pffft setup and three 16-byte aligned buffers in the module's memory;
// `dispose` (of a plan or of the whole kernel) frees them. pffft's ordered real layout packs
// bin N/2 into bin 0's imaginary slot; the plan moves it to numpy's N/2+1 bins and scales the
// inverse by 1/n (pffft is unscaled both ways), so results match the js plans' conventions.
//
// Per call cost is what the transform needs and no more (at N = 1024 pffft itself takes about
// a microsecond, so views made per call showed): the typed-array views of the plan's buffers
// are made once and again only when the memory grows (its ArrayBuffer changes, detaching the
// old views); a call is one `set` in, the transform, one `set` out. The input and output
// buffers hold n + 2 floats for real plans, so bin N/2 is moved inside wasm memory with three
// stores and the spectrum leaves in numpy's layout in one copy (and the inverse's input comes
// in in one copy, then bin N/2 goes back to slot 1). `wasmBuffers` hands those views to
// batched callers, who then skip both copies; `forward` also skips a copy when it is given
// them.
import { AlgorithmError } from '../errors.ts';
import type { FftPlan, FftPlanOptions, FftWasmBuffers } from './plan.ts';
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

function staleBuffers(): AlgorithmError {
  return new AlgorithmError(
    'bad_request',
    'fft: wasmBuffers read before the wasm memory grew (its views are detached); read plan.wasmBuffers again',
  );
}

const disposedBuffers: FftWasmBuffers = {
  input: new Float32Array(0),
  output: new Float32Array(0),
  run() {
    throw new AlgorithmError('bad_request', 'fft: plan was disposed');
  },
};

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
    const bins = real ? 2 * (n / 2 + 1) : 2 * n;
    const allocation: Allocation = {
      setup: module._pffft_new_setup(n, real ? REAL : COMPLEX),
      buffers: [],
    };
    if (allocation.setup === 0)
      throw new AlgorithmError('unavailable', `pffft: no setup for n = ${n}`);
    // In and out hold `bins` floats (n + 2 for real plans; +4 keeps 16-byte multiples).
    for (const size of [floats + 4, floats + 4, floats]) {
      const pointer = module._pffft_aligned_malloc(4 * size);
      if (pointer === 0) {
        free(allocation);
        throw new AlgorithmError('payload_too_large', `pffft: no wasm memory for n = ${n}`);
      }
      allocation.buffers.push(pointer);
    }
    const [inPtr = 0, outPtr = 0, workPtr = 0] = allocation.buffers;
    const scale = 1 / n;

    interface Views {
      /** The input buffer: `floats` (time-domain) and `bins` (frequency-domain) floats. */
      time: Float32Array;
      spectrum: Float32Array;
      /** The output buffer, likewise. */
      out: Float32Array;
      outTime: Float32Array;
      io: FftWasmBuffers;
    }
    let views: Views | undefined;

    function alive(): void {
      if (allocation.setup === 0) throw new AlgorithmError('bad_request', 'fft: plan was disposed');
    }
    /** The plan's views of the memory as it is now (made again after a growth). */
    function current(): Views {
      alive();
      // A growth replaces the memory's ArrayBuffer and detaches the old one (its views read
      // length 0): one length check, no lookup on the emscripten module per call.
      if (views === undefined || views.time.length === 0) views = makeViews(module.HEAPF32.buffer);
      return views;
    }
    function makeViews(buffer: ArrayBufferLike): Views {
      const time = new Float32Array(buffer, inPtr, floats);
      const out = new Float32Array(buffer, outPtr, bins);
      const made: Views = {
        time,
        spectrum: new Float32Array(buffer, inPtr, bins),
        out,
        outTime: new Float32Array(buffer, outPtr, floats),
        io: {
          input: time,
          output: out,
          run() {
            // Views read before a growth are detached (length 0): writes to them were lost.
            if (current() !== made) throw staleBuffers();
            forward(made);
          },
        },
      };
      return made;
    }
    /** Forward transform of the input buffer into the output buffer, in numpy's layout. */
    function forward(at: Views): void {
      module._pffft_transform_ordered(allocation.setup, inPtr, outPtr, workPtr, FORWARD);
      if (real) {
        const z = at.out;
        const dc = z[0] as number;
        const nyquist = z[1] as number;
        z[n] = nyquist;
        // Bins 0 and n/2 of a real transform have no imaginary part; written as v − v (0 for a
        // finite bin, NaN otherwise) so that a frame holding NaN or ±Infinity is non-finite in
        // every number, as numpy's (pocketfft's) spectrum and the js plans' are.
        z[1] = dc - dc;
        z[n + 1] = nyquist - nyquist;
      }
    }

    const plan: FftPlan = {
      n,
      kind: options.kind,
      dtype: 'float32',
      backend: 'wasm',
      timeLength: floats,
      frequencyLength: bins,
      // A getter that never throws (inspectors and spreads read it): a disposed plan's buffers
      // are empty and refuse `run()`.
      get wasmBuffers(): FftWasmBuffers {
        return allocation.setup === 0 ? disposedBuffers : current().io;
      },
      forward(input, output) {
        const at = current();
        const out = checkArrays('forward', 'float32', input, floats, output, bins);
        if (input !== at.time) at.time.set(input);
        forward(at);
        if (out !== at.out) out.set(at.out);
        return out;
      },
      inverse(input, output) {
        const at = current();
        const out = checkArrays('inverse', 'float32', input, bins, output, floats);
        // Real: numpy's n + 2 floats in, then Re X[N/2] into slot 1, where pffft reads it (the
        // imaginary parts of bins 0 and N/2 are ignored, as numpy's irfft does).
        at.spectrum.set(input);
        if (real) at.spectrum[1] = at.spectrum[n] as number;
        module._pffft_transform_ordered(allocation.setup, inPtr, outPtr, workPtr, BACKWARD);
        const z = at.outTime;
        for (let i = 0; i < floats; i++) out[i] = (z[i] as number) * scale;
        return out;
      },
      dispose() {
        free(allocation);
        views = undefined;
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
