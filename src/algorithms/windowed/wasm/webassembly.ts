// The WebAssembly global, typed narrowly. tsconfig.pure.json has only the ES2023 lib, which
// does not declare `WebAssembly`; declaring it globally here would clash with the DOM and Node
// types where tests compile, so it is read off `globalThis` (as src/shared/chunk/web-globals.ts
// does for its globals). Browsers, workers and Node 20 all have it.
import { AlgorithmError } from '../../errors.ts';

/** A WebAssembly.Memory: `buffer` is a SharedArrayBuffer when it was created `shared`. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(deltaPages: number): number;
}

/** A compiled WebAssembly.Module; opaque here. */
export interface WasmModule {
  readonly __wasmModule?: never;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export interface WebAssemblyApi {
  validate(bytes: Uint8Array<ArrayBuffer>): boolean;
  compile(bytes: Uint8Array<ArrayBuffer>): Promise<WasmModule>;
  instantiate(
    module: WasmModule,
    imports: Record<string, Record<string, unknown>>,
  ): Promise<WasmInstance>;
  readonly Memory: new (descriptor: {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }) => WasmMemory;
}

export const WASM_PAGE = 65536;

/** The runtime's WebAssembly, or `unavailable` (a runtime with WebAssembly switched off). */
export function webAssembly(): WebAssemblyApi {
  const api = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (api === undefined) throw new AlgorithmError('unavailable', 'this runtime has no WebAssembly');
  return api;
}

/** Whether `memory` is shared (its buffer a SharedArrayBuffer, which may be absent here). */
export function isShared(memory: WasmMemory): boolean {
  const Shared = (globalThis as unknown as { SharedArrayBuffer?: typeof SharedArrayBuffer })
    .SharedArrayBuffer;
  return Shared !== undefined && memory.buffer instanceof Shared;
}
