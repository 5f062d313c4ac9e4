// Encoding and decoding one chunk: the signal's Zarr v3 codec chain (bytes, then at most one
// compressor), and the SHA-256 of the encoded bytes that addresses the chunk everywhere.
import { decodeBytes, encodeBytes } from './bytes-codec.ts';
import {
  bytesPerSample,
  dtypeOf,
  type Dtype,
  type SignalArray,
  type TypedArrayOf,
} from './dtype.ts';
import { ChunkCodecError } from './errors.ts';
import { gzipDecode, gzipEncode } from './gzip.ts';
import { resolvedFillValue, validateLayout, type ChunkLayout } from './layout.ts';
import { isSha256Hex, sha256Hex } from './sha256.ts';
import { zstdDecode, zstdEncode } from './zstd.ts';

export interface EncodedChunk {
  /** The chunk exactly as stored (IndexedDB, wire, Zarr store). */
  bytes: Uint8Array;
  /** SHA-256 of `bytes`, 64 lowercase hex digits: the chunk's address. */
  sha256: string;
  /** How many leading samples are real data; the rest is fill value padding. */
  validCount: number;
}

export interface DecodeExpectations {
  /** When given, the bytes must hash to it (else `hash_mismatch`), checked before decoding. */
  sha256?: string;
  /** How many leading samples to return (the manifest's sample count); default chunkLength. */
  validCount?: number;
}

/**
 * Encodes up to `layout.chunkLength` samples as one chunk. Fewer samples make the last chunk
 * of a signal: it is padded to full length with the fill value and `validCount` says how many
 * are real. With the bytes codec alone on a little-endian host, a full chunk whose typed array
 * is the whole of its ArrayBuffer is not copied: `bytes` then shares memory with `values`, so
 * do not modify `values` afterwards (and never while the promise is pending).
 */
export async function encodeChunk(values: SignalArray, layout: ChunkLayout): Promise<EncodedChunk> {
  const valid = validateLayout(layout);
  const dtype = dtypeOf(values);
  if (dtype !== valid.dtype) {
    throw new ChunkCodecError(
      'dtype_mismatch',
      `values are ${dtype} but the layout's dtype is ${valid.dtype}`,
    );
  }
  if (values.length > valid.chunkLength) {
    throw new ChunkCodecError(
      'too_long',
      `${values.length} samples do not fit in a chunk of ${valid.chunkLength}`,
    );
  }
  const raw = encodeBytes(values, dtype, valid.chunkLength, resolvedFillValue(valid));
  const compressor = valid.codecs[1];
  let bytes: Uint8Array = raw;
  if (compressor?.name === 'gzip') {
    bytes = await gzipEncode(raw);
  } else if (compressor?.name === 'zstd') {
    if (compressor.configuration.checksum) {
      throw new ChunkCodecError(
        'unsupported_codec',
        'zstd with checksum: true can be read but not written (write checksum: false; the SHA-256 already covers every byte)',
      );
    }
    bytes = await zstdEncode(raw, compressor.configuration.level);
  }
  return { bytes, sha256: await sha256Hex(bytes), validCount: values.length };
}

/**
 * Decodes one chunk stored with `layout`. Checks, in order: the SHA-256 when `expect.sha256`
 * is given (`hash_mismatch`), that the data decodes (`corrupt`) to exactly chunkLength samples
 * (`length_mismatch`). Returns the first `expect.validCount` samples (default: all). With the
 * bytes codec alone on a little-endian host the result is a view on `bytes`, not a copy
 * (copied only when `bytes` is not aligned to the sample size).
 */
export async function decodeChunk<D extends Dtype>(
  bytes: Uint8Array,
  layout: ChunkLayout<D>,
  expect: DecodeExpectations = {},
): Promise<TypedArrayOf<D>> {
  const valid = validateLayout(layout);
  const validCount = expect.validCount ?? valid.chunkLength;
  if (!Number.isInteger(validCount) || validCount < 0 || validCount > valid.chunkLength) {
    throw new ChunkCodecError(
      'length_mismatch',
      `validCount must be an integer from 0 to ${valid.chunkLength}, got ${String(validCount)}`,
    );
  }
  if (Object.prototype.toString.call(bytes) !== '[object Uint8Array]') {
    throw new ChunkCodecError('corrupt', 'chunk bytes must be a Uint8Array');
  }
  if (expect.sha256 !== undefined) {
    const wanted = expect.sha256.toLowerCase();
    if (!isSha256Hex(wanted)) {
      throw new ChunkCodecError(
        'hash_mismatch',
        `expected SHA-256 must be 64 hex digits, got ${JSON.stringify(expect.sha256)}`,
      );
    }
    const actual = await sha256Hex(bytes);
    if (actual !== wanted) {
      throw new ChunkCodecError(
        'hash_mismatch',
        `chunk bytes hash to ${actual}, expected ${wanted}`,
      );
    }
  }
  const size = valid.chunkLength * bytesPerSample(valid.dtype);
  const compressor = valid.codecs[1];
  let raw = bytes;
  if (compressor?.name === 'gzip') raw = await gzipDecode(bytes, size);
  else if (compressor?.name === 'zstd') raw = await zstdDecode(bytes, size);
  else if (bytes.length !== size) {
    throw new ChunkCodecError(
      'length_mismatch',
      `chunk has ${bytes.length} bytes, a ${valid.chunkLength}-sample ${valid.dtype} chunk has ${size}`,
    );
  }
  const samples = decodeBytes(raw, valid.dtype);
  const result = validCount === samples.length ? samples : samples.subarray(0, validCount);
  return result as TypedArrayOf<D>;
}
