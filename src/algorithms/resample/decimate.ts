// Integer decimation with an anti-aliasing FIR, streamed: scipy.signal.decimate(x, q,
// ftype='fir', zero_phase=True) — which in scipy 1.17 is exactly
//   b = firwin(n + 1, 1/q, window='hamming'), n = 20·q unless given,
//   b cast to the input's dtype (float32 taps for float32 input),
//   resample_poly(x, 1, q, window=b)
// so it is the polyphase core with that filter: ⌈len/q⌉ outputs, delay compensated, the NaN
// rule of resample_poly (reference.ts). q = 1 is a copy here; scipy refuses it (firwin's cutoff
// would be 1, i.e. Nyquist).
import { badRequest, positiveInteger } from '../errors.ts';
import type { FloatArray, StreamingAlgorithm } from '../types.ts';
import { firwin, MAX_TAPS } from './firwin.ts';
import {
  finishPolyphase,
  initPolyphase,
  updatePolyphase,
  type PolyphaseState,
} from './polyphase.ts';
import { MAX_FACTOR, tapsInDtype } from './reference.ts';

export interface DecimateParams {
  q: number;
  /** Filter order (taps − 1); scipy's default 20·q. */
  n: number;
}

export function decimateParams(input: unknown): DecimateParams {
  if (typeof input !== 'object' || input === null)
    throw badRequest('decimate: params must be an object');
  const raw = input as Record<string, unknown>;
  const q = positiveInteger('decimate: q', raw.q, MAX_FACTOR);
  const n = raw.n === undefined ? 20 * q : positiveInteger('decimate: n', raw.n, MAX_TAPS - 1);
  return { q, n };
}

export const decimate: StreamingAlgorithm<DecimateParams, PolyphaseState, FloatArray> = {
  name: 'decimate',
  version: 1,
  params: decimateParams,
  init({ q, n }, dtype) {
    if (q === 1) return initPolyphase(dtype, 1, 1, Float64Array.of(1));
    const b = tapsInDtype(firwin(n + 1, 1 / q, { name: 'hamming' }), 1, dtype);
    return initPolyphase(dtype, 1, q, b);
  },
  update: (state, chunk) => updatePolyphase(state, chunk),
  finish: (state) => finishPolyphase(state),
};
