// What a compute job is on the wire between the page and a compute worker: a stored signal, a
// sample range, an algorithm with its parameters, and the backend wanted. Everything here is
// structured-cloneable; output arrays travel back transferred, never copied.
import type { BackendName, FloatArray } from '../../algorithms/types.ts';

export interface ComputeJob {
  /** Chosen by the caller; `cancel(jobId)` names it. */
  id: string;
  algorithm: string;
  params: unknown;
  /** A signal of the local storage (read chunk by chunk from the chunk store). */
  signal: string;
  /** Sample range [start, end); the whole signal when absent. */
  start?: number;
  end?: number;
  /** A backend, or `auto` (default): the measured choice for this device, falling through. */
  backend?: BackendName | 'auto';
  /** For `auto`: this device's measured order (backend-choice.ts); CPU backends when absent. */
  preferred?: BackendName[];
}

export interface ComputeProgress {
  jobId: string;
  /** Samples read so far, of `total`. */
  done: number;
  total: number;
}

/** Named output arrays of a run, in the order the algorithm produced them. */
export type ComputeOutputs = Record<string, FloatArray>;

export interface ComputeResult {
  jobId: string;
  algorithm: string;
  /** The algorithm's version: a derived result records it, a changed version recomputes. */
  version: number;
  /**
   * Parameters as the job gave them: with `version`, they determine the output (the
   * algorithm's normalised form may hold typed arrays, e.g. resampling's filter taps).
   */
  params: unknown;
  backend: BackendName;
  /** Why the backend first chosen failed mid-job, when the reference finished the job. */
  fellBack?: string;
  signal: string;
  start: number;
  end: number;
  /** SHA-256 of every input chunk read, in order: what the result was computed from. */
  inputChunks: string[];
  outputs: ComputeOutputs;
  /** Wall time inside the worker, reading included. */
  seconds: number;
  /** The `derived` document the result was saved as, when the caller asked to save it. */
  savedAs?: string;
}

/** A job's output larger than this is refused rather than exhausting the tab's memory. */
export const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;
