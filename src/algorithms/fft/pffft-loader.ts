// Loads pffft's SIMD wasm build (@echogarden/pffft-wasm/simd) once per realm. The emscripten
// glue finds its .wasm beside itself: in Node it reads the file (import.meta.url → path), in a
// browser or worker it fetches `new URL('pffft.wasm', import.meta.url)`, which Vite's build
// rewrites to the emitted asset. A bundle that moves the file (or a dev server that pre-bundles
// the glue, losing the relative URL) passes `wasmBinary` or `locateFile` instead. Any failure
// (no SIMD in this engine, no file) is AlgorithmError('unavailable'), so the registry falls
// through to js.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- the package has no types, and an ambient module declaration cannot be imported; the reference brings it into every program that imports this file (pure, worker, tests)
/// <reference path="./pffft-wasm.d.ts" />
import { AlgorithmError } from '../errors.ts';
import type { PffftModule, PffftModuleOptions } from './pffft-types.ts';

let loading: Promise<PffftModule> | undefined;

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The module, instantiated on first call (later calls share it; options of the first win). */
export function loadPffft(options: PffftModuleOptions = {}): Promise<PffftModule> {
  if (typeof (globalThis as { WebAssembly?: unknown }).WebAssembly !== 'object') {
    return Promise.reject(new AlgorithmError('unavailable', 'pffft: no WebAssembly here'));
  }
  loading ??= import('@echogarden/pffft-wasm/simd')
    .then(async (glue) => {
      const module = await glue.default({ ...options });
      if (module._pffft_simd_size() !== 4) throw new Error('not the SIMD build');
      return module;
    })
    .catch((error: unknown) => {
      // Forget the failure, so a later call with other options (a wasmBinary) may succeed.
      loading = undefined;
      throw new AlgorithmError('unavailable', `pffft-wasm did not load: ${reasonOf(error)}`);
    });
  return loading;
}
