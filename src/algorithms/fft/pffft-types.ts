// The part of pffft's emscripten module the wasm FFT kernel uses. Pointers are byte offsets
// into the module's memory; HEAPF32 is replaced when the memory grows, so read it after
// every allocation.

export interface PffftModuleOptions {
  /** The .wasm bytes, when the caller has them (skips the module's own fetch or file read). */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Where the .wasm is, given its file name (for bundles that move it). */
  locateFile?: (path: string, prefix: string) => string;
}

export interface PffftModule {
  HEAPF32: Float32Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  _pffft_aligned_malloc(bytes: number): number;
  _pffft_aligned_free(pointer: number): void;
  /** transform: 0 real, 1 complex; returns 0 when n is not supported. */
  _pffft_new_setup(n: number, transform: number): number;
  _pffft_destroy_setup(setup: number): void;
  /** direction: 0 forward, 1 backward; unscaled both ways. */
  _pffft_transform_ordered(
    setup: number,
    input: number,
    output: number,
    work: number,
    direction: number,
  ): void;
  _pffft_simd_size(): number;
}

export type PffftFactory = (options?: PffftModuleOptions) => Promise<PffftModule>;
