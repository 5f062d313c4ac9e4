// The Zarr v3 `bytes` codec with endian "little": a chunk's samples as little-endian bytes.
// On a little-endian host (every mainstream one) a typed array's memory already is that, so
// encoding is a byte view or one memcpy and decoding is a view: no per-sample work. A
// big-endian host swaps bytes, never reinterpreting floats, so NaN payloads survive.
import { isShared } from './buffers.ts';
import {
  LITTLE_ENDIAN_HOST,
  bytesPerSample,
  viewOf,
  type Dtype,
  type SignalArray,
} from './dtype.ts';

/** One sample of `value` as little-endian bytes; NaN is the canonical quiet NaN numpy writes. */
export function fillPattern(dtype: Dtype, value: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytesPerSample(dtype));
  const view = new DataView(out.buffer);
  switch (dtype) {
    case 'float32':
      if (Number.isNaN(value)) view.setUint32(0, 0x7fc00000, true);
      else view.setFloat32(0, value, true);
      break;
    case 'float64':
      if (Number.isNaN(value)) view.setUint32(4, 0x7ff80000, true);
      else view.setFloat64(0, value, true);
      break;
    case 'int16':
      view.setInt16(0, value, true);
      break;
    case 'int32':
      view.setInt32(0, value, true);
      break;
  }
  return out;
}

/** Fills `out[start…]` with repeats of `pattern` by doubling copies (no per-sample loop). */
function fillFrom(out: Uint8Array, start: number, pattern: Uint8Array): void {
  const total = out.length - start;
  if (total <= 0 || pattern.every((byte) => byte === 0)) return; // new buffers are zeroed
  out.set(pattern, start);
  let filled = pattern.length;
  while (filled < total) {
    const n = Math.min(filled, total - filled);
    out.copyWithin(start + filled, start, start + n);
    filled += n;
  }
}

/** Reverses the bytes of every `width`-byte sample of `src` into `dst`. */
function swapInto(dst: Uint8Array, src: Uint8Array, width: number): void {
  for (let at = 0; at < src.length; at += width) {
    for (let j = 0; j < width; j++) dst[at + j] = src[at + width - 1 - j] ?? 0;
  }
}

/**
 * Encodes `values` (at most `chunkLength` of them, of `dtype`) as the bytes codec does,
 * padded to `chunkLength` samples with `fillValue`. A full chunk that is the whole of its own
 * (non-shared) ArrayBuffer comes back as a view of it, no copy; anything else is copied once,
 * so the result never drags a larger buffer along into IndexedDB or a postMessage.
 */
export function encodeBytes(
  values: SignalArray,
  dtype: Dtype,
  chunkLength: number,
  fillValue: number,
  littleEndianHost: boolean = LITTLE_ENDIAN_HOST,
): Uint8Array<ArrayBuffer> {
  const width = bytesPerSample(dtype);
  const buffer = values.buffer;
  if (
    littleEndianHost &&
    values.length === chunkLength &&
    values.byteOffset === 0 &&
    values.byteLength === buffer.byteLength &&
    !isShared(buffer)
  ) {
    return new Uint8Array(buffer as ArrayBuffer, 0, values.byteLength);
  }
  const src = new Uint8Array(buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(chunkLength * width);
  if (littleEndianHost) out.set(src);
  else swapInto(out, src, width);
  fillFrom(out, src.length, fillPattern(dtype, fillValue));
  return out;
}

/**
 * Decodes little-endian bytes (a whole number of samples) into a typed array: a view on
 * `bytes` when the host is little-endian and the view is aligned, else one copy.
 */
export function decodeBytes(
  bytes: Uint8Array,
  dtype: Dtype,
  littleEndianHost: boolean = LITTLE_ENDIAN_HOST,
): SignalArray {
  const width = bytesPerSample(dtype);
  const length = bytes.length / width;
  if (littleEndianHost) {
    if (bytes.byteOffset % width === 0)
      return viewOf(dtype, bytes.buffer, bytes.byteOffset, length);
    return viewOf(dtype, bytes.slice().buffer, 0, length);
  }
  const out = new Uint8Array(bytes.length);
  swapInto(out, bytes, width);
  return viewOf(dtype, out.buffer, 0, length);
}
