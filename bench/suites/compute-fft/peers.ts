// The peers of the FFT rows, each behind one shape: a runner that transforms the case's input
// (already in place: in the module's memory for the wasm peers, in Float64Arrays for fft.js),
// the output in numpy's layout for the one-off check against ours, and `free`.
// pffft and kissfft are their emscripten modules used directly — no wrapper of ours or theirs
// copying data in or out per call — so they are the best a page could get from them.
import FFT from 'fft.js';
import loadKissfft from 'kissfft-wasm/lib/kissfft.js';
import kissfftWasmUrl from 'kissfft-wasm/lib/kissfft.wasm?url';
import { pffftUnsupported } from '../../../src/algorithms/fft/index.ts';
import type { PffftModule } from '../../../src/algorithms/fft/pffft-types.ts';
import type { FftCase, FftPeer } from './protocol.ts';

export interface Runner {
  run(): void;
  /** Bins 0…n/2 (real) or 0…n−1 (complex), interleaved (re, im). */
  output(): Float64Array;
  free(): void;
}

/** What a peer needs to run cases: its module, loaded once. */
export interface LoadedPeers {
  pffft?: PffftModule;
  kissfft?: KissModule;
}

interface KissModule {
  HEAPF32: Float32Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  _kiss_fft_alloc(nfft: number, inverse: number, mem: number, lenmem: number): number;
  _kiss_fft(config: number, input: number, output: number): void;
  _kiss_fftr_alloc(nfft: number, inverse: number, mem: number, lenmem: number): number;
  _kiss_fftr(config: number, input: number, output: number): void;
}

type KissFactory = (options: { locateFile: (file: string) => string }) => Promise<KissModule>;

/** Loads pffft (a second instance, not the one our kernel uses) and kissfft's module. */
export async function loadPeers(): Promise<{
  peers: LoadedPeers;
  failed: Partial<Record<FftPeer, string>>;
}> {
  const peers: LoadedPeers = {};
  const failed: Partial<Record<FftPeer, string>> = {};
  const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));
  try {
    const glue = await import('@echogarden/pffft-wasm/simd');
    peers.pffft = await glue.default();
  } catch (error) {
    failed.pffft = reason(error);
  }
  try {
    // kissfft-wasm's index starts its module on import with no options, so it would fetch
    // kissfft.wasm beside the bundle (absent); its emscripten factory takes locateFile.
    peers.kissfft = await (loadKissfft as unknown as KissFactory)({
      locateFile: () => kissfftWasmUrl,
    });
  } catch (error) {
    failed.kissfft = reason(error);
  }
  return { peers, failed };
}

const bins = (spec: FftCase) => (spec.kind === 'real' ? spec.n / 2 + 1 : spec.n);

function pffftRunner(module: PffftModule, spec: FftCase, input: Float64Array): Runner | string {
  const unsupported = pffftUnsupported(spec.n, spec);
  if (unsupported !== undefined) return unsupported;
  const real = spec.kind === 'real';
  const floats = input.length;
  const setup = module._pffft_new_setup(spec.n, real ? 0 : 1);
  if (setup === 0) return `pffft: no setup for n = ${String(spec.n)}`;
  const [inPtr = 0, outPtr = 0, workPtr = 0] = [0, 1, 2].map(() =>
    module._pffft_aligned_malloc(4 * floats),
  );
  module.HEAPF32.set(input, inPtr >> 2);
  return {
    run: () => {
      module._pffft_transform_ordered(setup, inPtr, outPtr, workPtr, 0);
    },
    output() {
      const z = module.HEAPF32.subarray(outPtr >> 2, (outPtr >> 2) + floats);
      const out = new Float64Array(2 * bins(spec));
      if (!real) {
        out.set(z);
        return out;
      }
      // pffft's ordered real layout: bin N/2's real part in bin 0's imaginary slot.
      out.set(z.subarray(2), 2);
      out[0] = z[0] as number;
      out[spec.n] = z[1] as number;
      return out;
    },
    free() {
      for (const pointer of [inPtr, outPtr, workPtr]) module._pffft_aligned_free(pointer);
      module._pffft_destroy_setup(setup);
    },
  };
}

function kissfftRunner(module: KissModule, spec: FftCase, input: Float64Array): Runner {
  const real = spec.kind === 'real';
  const config = real
    ? module._kiss_fftr_alloc(spec.n, 0, 0, 0)
    : module._kiss_fft_alloc(spec.n, 0, 0, 0);
  const outFloats = 2 * bins(spec);
  const inPtr = module._malloc(4 * input.length);
  const outPtr = module._malloc(4 * outFloats);
  if (config === 0 || inPtr === 0 || outPtr === 0) throw new Error('kissfft: out of memory');
  // Read HEAPF32 after the allocations: the memory may have grown (a new view).
  module.HEAPF32.set(input, inPtr >> 2);
  return {
    run: real
      ? () => {
          module._kiss_fftr(config, inPtr, outPtr);
        }
      : () => {
          module._kiss_fft(config, inPtr, outPtr);
        },
    output: () =>
      Float64Array.from(module.HEAPF32.subarray(outPtr >> 2, (outPtr >> 2) + outFloats)),
    free() {
      for (const pointer of [config, inPtr, outPtr]) module._free(pointer);
    },
  };
}

function fftjsRunner(spec: FftCase, input: Float64Array): Runner | string {
  const { n } = spec;
  if (n < 2 || (n & (n - 1)) !== 0) return 'fft.js takes powers of two only';
  const fft = new FFT(n);
  const data = Float64Array.from(input);
  const out = new Float64Array(2 * n);
  return {
    run:
      spec.kind === 'real'
        ? () => {
            fft.realTransform(out, data);
          }
        : () => {
            fft.transform(out, data);
          },
    output: () => out.slice(0, 2 * bins(spec)),
    free() {},
  };
}

/** The runner of `peer` for this case, or why it does not run it. */
export function peerRunner(
  peer: FftPeer,
  loaded: LoadedPeers,
  spec: FftCase,
  input: Float64Array,
): Runner | string {
  if (peer === 'fftjs') return fftjsRunner(spec, input);
  if (spec.dtype !== 'float32') return `${peer} computes in float32 only`;
  if (peer === 'pffft') {
    return loaded.pffft === undefined
      ? 'pffft-wasm did not load'
      : pffftRunner(loaded.pffft, spec, input);
  }
  return loaded.kissfft === undefined
    ? 'kissfft-wasm did not load'
    : kissfftRunner(loaded.kissfft, spec, input);
}
