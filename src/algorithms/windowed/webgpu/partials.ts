// Window records on the CPU: what the GPU reads back (min key, max key, sum, finite count per
// segment), merged further when a window spans several passes or a pyramid level is deeper
// than one pass holds, and finally turned into the reference's output.
import type { FloatArray } from '../../types.ts';
import { windowed, type WindowedOutput } from '../reference.ts';
import { RECORD_BYTES } from './shader.ts';

export interface Partials {
  /** Order-preserving keys of the float32 bits (see shader.ts); min > max: only NaN. */
  minKey: Uint32Array;
  maxKey: Uint32Array;
  /** Finite sum, float64 (the GPU's sum + compensation, then CPU sums of those). */
  sum: Float64Array;
  count: Float64Array;
}

export function emptyPartials(length = 0): Partials {
  return {
    minKey: new Uint32Array(length).fill(0xffffffff),
    maxKey: new Uint32Array(length),
    sum: new Float64Array(length),
    count: new Float64Array(length),
  };
}

/** Records as the shader writes them (5 words each) into partials. */
export function decodeRecords(bytes: ArrayBuffer, length: number): Partials {
  const words = new Uint32Array(bytes, 0, (length * RECORD_BYTES) / 4);
  const floats = new Float32Array(bytes, 0, words.length);
  const out = emptyPartials(length);
  for (let i = 0; i < length; i++) {
    const at = i * 5;
    out.minKey[i] = words[at] as number;
    out.maxKey[i] = words[at + 1] as number;
    out.sum[i] = (floats[at + 2] as number) + (floats[at + 3] as number);
    out.count[i] = words[at + 4] as number;
  }
  return out;
}

export function concatPartials(parts: readonly Partials[]): Partials {
  const out = emptyPartials(parts.reduce((total, part) => total + part.sum.length, 0));
  let at = 0;
  for (const part of parts) {
    out.minKey.set(part.minKey, at);
    out.maxKey.set(part.maxKey, at);
    out.sum.set(part.sum, at);
    out.count.set(part.count, at);
    at += part.sum.length;
  }
  return out;
}

/** Groups of `group` consecutive records into one each; a last, incomplete group is dropped. */
export function mergePartials(parts: Partials, group: number): Partials {
  const out = emptyPartials(Math.floor(parts.sum.length / group));
  for (let i = 0; i < out.sum.length; i++) {
    let minKey = 0xffffffff;
    let maxKey = 0;
    let sum = 0;
    let count = 0;
    for (let j = i * group; j < (i + 1) * group; j++) {
      minKey = Math.min(minKey, parts.minKey[j] as number);
      maxKey = Math.max(maxKey, parts.maxKey[j] as number);
      sum += parts.sum[j] as number;
      count += parts.count[j] as number;
    }
    out.minKey[i] = minKey;
    out.maxKey[i] = maxKey;
    out.sum[i] = sum;
    out.count[i] = count;
  }
  return out;
}

const word = new Uint32Array(1);
const float = new Float32Array(word.buffer);

/** The float32 whose order key is `key` (the inverse of the shader's orderKey). */
function fromKey(key: number): number {
  word[0] = key >= 0x80000000 ? key - 0x80000000 : ~key >>> 0;
  // `+ 0`: −0 and 0 are one value, as in the reference.
  return (float[0] as number) + 0;
}

/**
 * Writes `parts` (windows of `window` samples of `values`) at `out[offset…]`. A window whose
 * float32 GPU sum overflowed (finite samples, sum not finite) is recomputed by the reference
 * from `values`: the reference sums in float64, and a silent Infinity mean would be wrong.
 */
export function finishPartials(
  parts: Partials,
  window: number,
  values: FloatArray,
  out: WindowedOutput,
  offset: number,
): void {
  for (let i = 0; i < parts.sum.length; i++) {
    const count = parts.count[i] as number;
    const sum = parts.sum[i] as number;
    if (count > 0 && !Number.isFinite(sum)) {
      const state = windowed.init({ window, partial: 'drop' }, 'float32');
      const exact = windowed.update(state, values.subarray(i * window, (i + 1) * window));
      out.min[offset + i] = exact.min[0] as number;
      out.max[offset + i] = exact.max[0] as number;
      out.mean[offset + i] = exact.mean[0] as number;
      out.count[offset + i] = exact.count[0] as number;
      continue;
    }
    const minKey = parts.minKey[i] as number;
    const maxKey = parts.maxKey[i] as number;
    const empty = minKey > maxKey;
    out.min[offset + i] = empty ? Number.NaN : fromKey(minKey);
    out.max[offset + i] = empty ? Number.NaN : fromKey(maxKey);
    out.mean[offset + i] = count > 0 ? sum / count + 0 : Number.NaN;
    out.count[offset + i] = count;
  }
}
