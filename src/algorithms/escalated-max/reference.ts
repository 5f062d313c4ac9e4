// Escalated (running) maximum — Wendelin's `doEscalatedMax`: every sample replaced by the
// largest value its channel has shown so far, carried across chunks. Input and output are
// interleaved frames of `channels` samples (sample i belongs to channel i mod channels).
//
// NaN rule: NaN is a gap and never becomes the maximum; until a channel's first non-NaN sample
// its output is NaN (nothing has been seen yet). ±Infinity are real values (+Infinity stays the
// maximum once seen). This is numpy's `np.fmax.accumulate` per channel. −0 is written as 0, as
// in windowed statistics, so outputs do not depend on which zero came first.
//
// Streaming: the state is the running maximum per channel (NaN for none yet) and the channel
// of the next sample, so a chunk may end mid-frame and any split gives the same output bit for
// bit; `finish` refuses an input that ended mid-frame (a lost sample would shift every channel).
import { badRequest, positiveInteger } from '../errors.ts';
import { arrayOf, type FloatArray, type FloatDtype, type StreamingAlgorithm } from '../types.ts';

export interface EscalatedMaxParams {
  /** Interleaved channels per frame. */
  channels: number;
}

export interface EscalatedMaxState {
  params: EscalatedMaxParams;
  dtype: FloatDtype;
  /** Running maximum per channel; NaN until the channel's first non-NaN sample. */
  max: number[];
  /** The channel of the next sample (0 between whole frames). */
  next: number;
}

/** Far beyond any sensor frame; it bounds the state, which holds one number per channel. */
export const MAX_CHANNELS = 65536;

export function escalatedMaxParams(input: unknown): EscalatedMaxParams {
  if (typeof input !== 'object' || input === null) {
    throw badRequest('escalated-max: params must be an object');
  }
  const { channels = 1 } = input as Record<string, unknown>;
  return { channels: positiveInteger('escalated-max: channels', channels, MAX_CHANNELS) };
}

/**
 * Writes the running maximum of `chunk` into `out` (same length), starting at channel `next`
 * with the per-channel maxima `max`, which it updates; returns the channel after the last.
 * The one loop of the algorithm, shared by the reference and the js kernel.
 */
export function escalate(
  chunk: FloatArray,
  out: FloatArray,
  max: number[] | Float64Array,
  next: number,
): number {
  const channels = max.length;
  let channel = next;
  for (let i = 0; i < chunk.length; i++) {
    const value = chunk[i] as number;
    let m = max[channel] as number;
    // A NaN value compares false; a NaN maximum (none yet) takes whatever comes, NaN included.
    if (value > m || m !== m) {
      m = value;
      max[channel] = m;
    }
    out[i] = m + 0;
    if (++channel === channels) channel = 0;
  }
  return channel;
}

export const escalatedMax: StreamingAlgorithm<EscalatedMaxParams, EscalatedMaxState, FloatArray> = {
  name: 'escalated-max',
  version: 1,
  params: escalatedMaxParams,
  init(params, dtype) {
    return { params, dtype, max: new Array<number>(params.channels).fill(Number.NaN), next: 0 };
  },
  update(state, chunk) {
    const out = arrayOf(state.dtype, chunk.length);
    state.next = escalate(chunk, out, state.max, state.next);
    return out;
  },
  finish(state) {
    if (state.next !== 0) {
      throw badRequest(
        `escalated-max: the input ended mid-frame (${String(state.next)} of ${String(state.params.channels)} channels); its length must be a multiple of channels`,
      );
    }
    return arrayOf(state.dtype, 0);
  },
};
