// What every algorithm shares: the arrays it takes, the backends that run its kernels, and the
// streaming shape (init → update(chunk)… → finish) that lets any signal flow through in bounded
// memory, one stored chunk at a time.

export type FloatArray = Float32Array | Float64Array;
export type FloatDtype = 'float32' | 'float64';

/** Backends in the order they are preferred when the measurement has not said otherwise. */
export const BACKENDS = ['webgpu', 'wasm', 'js'] as const;
export type BackendName = (typeof BACKENDS)[number];

/**
 * A streaming algorithm. `State` is plain data the caller holds (so a job can be split across
 * calls); `update` returns the output that the chunk completed, `finish` what is left. Running
 * the whole input as one chunk and as any split of it gives the same output.
 */
export interface StreamingAlgorithm<Params, State, Output> {
  /** Stable name, as stored in derived results (`algorithm` field). */
  readonly name: string;
  /** Bumped whenever the output for the same input can change; stored with derived results. */
  readonly version: number;
  /** Checks and normalises parameters: throws AlgorithmError('bad_request') with the reason. */
  params(input: unknown): Params;
  init(params: Params, dtype: FloatDtype): State;
  update(state: State, chunk: FloatArray): Output;
  finish(state: State): Output;
}

export function arrayOf(dtype: FloatDtype, length: number): FloatArray {
  return dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
}

export function dtypeOf(values: FloatArray): FloatDtype {
  return values instanceof Float32Array ? 'float32' : 'float64';
}

/** Concatenates arrays of one dtype. */
export function concatArrays(dtype: FloatDtype, parts: readonly FloatArray[]): FloatArray {
  const out = arrayOf(
    dtype,
    parts.reduce((sum, part) => sum + part.length, 0),
  );
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
