// The lake's level-1 pyramid kernel: the wasm fold of src/algorithms/windowed (same bytes as
// the reducer's own loop, ~3× faster; bench `ingest/pyramid-*`), created once when the module
// loads so that signal writers, which build pyramids synchronously, can take it. Where wasm
// SIMD is missing the writers use the reducer's own loop (undefined here).
import {
  createWasmLevel1Reducer,
  type WasmLevel1Reducer,
} from '../../src/algorithms/windowed/wasm/level1.ts';

export const level1Reducer: WasmLevel1Reducer | undefined = await createWasmLevel1Reducer().catch(
  () => undefined,
);
