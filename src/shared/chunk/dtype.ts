// Sample types of a signal. The names are Zarr v3's `data_type` names.
import { ChunkCodecError } from './errors.ts';

export const DTYPES = ['float32', 'float64', 'int16', 'int32'] as const;

export type Dtype = (typeof DTYPES)[number];

export type TypedArrayOf<D extends Dtype> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int16'
      ? Int16Array
      : Int32Array;

export type SignalArray = Float32Array | Float64Array | Int16Array | Int32Array;

type SignalArrayConstructor =
  Float32ArrayConstructor | Float64ArrayConstructor | Int16ArrayConstructor | Int32ArrayConstructor;

const constructors: Record<Dtype, SignalArrayConstructor> = {
  float32: Float32Array,
  float64: Float64Array,
  int16: Int16Array,
  int32: Int32Array,
};

/** The typed-array tag (`Symbol.toStringTag`) of each dtype: realm-independent, unlike instanceof. */
const dtypeByTag: ReadonlyMap<string, Dtype> = new Map([
  ['Float32Array', 'float32'],
  ['Float64Array', 'float64'],
  ['Int16Array', 'int16'],
  ['Int32Array', 'int32'],
]);

export function isDtype(value: unknown): value is Dtype {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

export function isFloatDtype(dtype: Dtype): dtype is 'float32' | 'float64' {
  return dtype === 'float32' || dtype === 'float64';
}

export function bytesPerSample(dtype: Dtype): number {
  return constructors[dtype].BYTES_PER_ELEMENT;
}

/** A zero-filled typed array of `dtype` (zero is the bit pattern 0, i.e. +0.0 for floats). */
export function allocate<D extends Dtype>(dtype: D, length: number): TypedArrayOf<D> {
  return new constructors[dtype](length) as TypedArrayOf<D>;
}

/** A view of type `dtype` on `buffer` (byteOffset must be a multiple of bytesPerSample). */
export function viewOf<D extends Dtype>(
  dtype: D,
  buffer: ArrayBufferLike,
  byteOffset: number,
  length: number,
): TypedArrayOf<D> {
  // The cast only satisfies the constructor union's overloads; shared buffers work the same.
  return new constructors[dtype](buffer as ArrayBuffer, byteOffset, length) as TypedArrayOf<D>;
}

/** The dtype of a typed array, or a `dtype_mismatch` error for anything else. */
export function dtypeOf(values: unknown): Dtype {
  const tag: unknown = ArrayBuffer.isView(values)
    ? Object.prototype.toString.call(values).slice(8, -1)
    : undefined;
  const dtype = typeof tag === 'string' ? dtypeByTag.get(tag) : undefined;
  if (dtype === undefined) {
    const what = ArrayBuffer.isView(values) ? String(tag) : typeof values;
    throw new ChunkCodecError(
      'dtype_mismatch',
      `values must be a Float32Array, Float64Array, Int16Array or Int32Array, got ${what}`,
    );
  }
  return dtype;
}

/** Whether this host stores multi-byte numbers little-endian (every mainstream one does). */
export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
