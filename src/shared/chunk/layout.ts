// How a signal's samples are cut into chunks and encoded: the Zarr v3 metadata of a 1-D array,
// in the JSON form Zarr itself uses for codecs, so the lake's Zarr store can be read by any
// Zarr v3 reader and a chunk's bytes are the same everywhere.
import { DTYPES, isDtype, isFloatDtype, type Dtype } from './dtype.ts';
import { ChunkCodecError } from './errors.ts';

/** Zarr v3 `bytes` codec (array → bytes). Fieldlake always writes little-endian. */
export interface BytesCodec {
  name: 'bytes';
  configuration: { endian: 'little' };
}

/** Zarr v3 `gzip` codec (bytes → bytes): RFC 1952 gzip. */
export interface GzipCodec {
  name: 'gzip';
  configuration: { level: number };
}

/** Zarr v3 `zstd` codec (bytes → bytes): one Zstandard frame. */
export interface ZstdCodec {
  name: 'zstd';
  configuration: { level: number; checksum: boolean };
}

export type CompressorCodec = GzipCodec | ZstdCodec;
export type ZarrCodec = BytesCodec | CompressorCodec;

/**
 * The chunk layout of a signal: what its header document carries so that any chunk can be
 * encoded and decoded. `codecs` is the Zarr v3 codec chain: `bytes`, then at most one
 * compressor. `fillValue` pads the last chunk; it defaults to NaN for floats and 0 for ints.
 */
export interface ChunkLayout<D extends Dtype = Dtype> {
  dtype: D;
  /** Samples per chunk: a power of two, 1 … {@link MAX_CHUNK_LENGTH}. */
  chunkLength: number;
  fillValue?: number;
  codecs: ZarrCodec[];
}

/** 2^18 samples: 1 MiB of float32, the size at which IndexedDB writes run near their best. */
export const DEFAULT_CHUNK_LENGTH = 2 ** 18;

/** 2^24 samples (128 MiB of float64): a guard against absurd layouts from untrusted documents. */
export const MAX_CHUNK_LENGTH = 2 ** 24;

/** Zarr v3 lets zstd levels run from -131072 (fastest) to 22 (smallest). */
export const ZSTD_MIN_LEVEL = -131072;
export const ZSTD_MAX_LEVEL = 22;

const INT_RANGES: Readonly<Record<'int16' | 'int32', readonly [number, number]>> = {
  int16: [-(2 ** 15), 2 ** 15 - 1],
  int32: [-(2 ** 31), 2 ** 31 - 1],
};

const SUPPORTED = 'bytes (endian "little"), then optionally gzip or zstd';

/**
 * The default layout: 2^18-sample chunks and the `bytes` codec alone, no compressor. Sensor
 * float data (noisy mantissas) compresses poorly, often by less than 10 %, and uncompressed
 * chunks decode to a view on the stored bytes (zero-copy) and hash without a compression
 * pass. Choose gzip or zstd per signal where the data is smooth or integer.
 */
export function defaultLayout<D extends Dtype = 'float32'>(dtype?: D): ChunkLayout<D> {
  return {
    dtype: dtype ?? ('float32' as D),
    chunkLength: DEFAULT_CHUNK_LENGTH,
    codecs: [{ name: 'bytes', configuration: { endian: 'little' } }],
  };
}

/** The fill value the layout pads with: its `fillValue`, else NaN for floats and 0 for ints. */
export function resolvedFillValue(layout: Pick<ChunkLayout, 'dtype' | 'fillValue'>): number {
  return layout.fillValue ?? (isFloatDtype(layout.dtype) ? Number.NaN : 0);
}

function bad(message: string): ChunkCodecError {
  return new ChunkCodecError('bad_layout', message);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  return typeof value;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKeys(
  object: Readonly<Record<string, unknown>>,
  allowed: readonly string[],
  where: string,
): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      throw bad(`${where} has an unknown key "${key}" (allowed: ${allowed.join(', ')})`);
    }
  }
}

function integerIn(value: unknown, min: number, max: number, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw bad(`${where} must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

function validateCodec(codec: unknown, index: number): ZarrCodec {
  const where = `layout.codecs[${index}]`;
  if (!isRecord(codec))
    throw bad(`${where} must be an object {name, configuration}, got ${describe(codec)}`);
  const name = codec.name;
  if (typeof name !== 'string') throw bad(`${where}.name must be a string, got ${describe(name)}`);
  onlyKeys(codec, ['name', 'configuration'], where);
  if (name !== 'bytes' && name !== 'gzip' && name !== 'zstd') {
    throw new ChunkCodecError(
      'unsupported_codec',
      `${where}: codec "${name}" is not supported (supported: ${SUPPORTED})`,
    );
  }
  const configuration = codec.configuration;
  if (!isRecord(configuration)) {
    throw bad(`${where}.configuration must be an object, got ${describe(configuration)}`);
  }
  const at = `${where}.configuration`;
  switch (name) {
    case 'bytes': {
      onlyKeys(configuration, ['endian'], at);
      const endian = configuration.endian;
      if (endian === 'big') {
        throw new ChunkCodecError(
          'unsupported_codec',
          `${at}.endian "big" is not supported: Fieldlake chunks are little-endian`,
        );
      }
      if (endian !== 'little') throw bad(`${at}.endian must be "little", got ${describe(endian)}`);
      return { name, configuration: { endian } };
    }
    case 'gzip': {
      onlyKeys(configuration, ['level'], at);
      return {
        name,
        configuration: { level: integerIn(configuration.level, 0, 9, `${at}.level`) },
      };
    }
    case 'zstd': {
      onlyKeys(configuration, ['level', 'checksum'], at);
      const level = integerIn(configuration.level, ZSTD_MIN_LEVEL, ZSTD_MAX_LEVEL, `${at}.level`);
      const checksum = configuration.checksum;
      if (typeof checksum !== 'boolean') {
        throw bad(`${at}.checksum must be true or false, got ${describe(checksum)}`);
      }
      return { name, configuration: { level, checksum } };
    }
  }
}

/**
 * Checks that `layout` is a usable chunk layout and returns a fresh, normalized copy holding
 * only the layout's own keys (so a signal header with more fields may be passed as it is).
 * Throws ChunkCodecError `bad_layout` (or `unsupported_codec` for a valid Zarr codec this
 * codec cannot run) with a message that names the offending field.
 */
export function validateLayout(layout: unknown): ChunkLayout {
  if (!isRecord(layout)) throw bad(`layout must be an object, got ${describe(layout)}`);

  const dtype = layout.dtype;
  if (!isDtype(dtype)) {
    throw bad(`layout.dtype must be one of ${DTYPES.join(', ')}; got ${describe(dtype)}`);
  }

  const chunkLength = layout.chunkLength;
  if (
    typeof chunkLength !== 'number' ||
    !Number.isInteger(chunkLength) ||
    chunkLength < 1 ||
    chunkLength > MAX_CHUNK_LENGTH ||
    (chunkLength & (chunkLength - 1)) !== 0
  ) {
    throw bad(
      `layout.chunkLength must be a power of two from 1 to ${MAX_CHUNK_LENGTH}, got ${describe(chunkLength)}`,
    );
  }

  const fillValue = layout.fillValue;
  if (fillValue !== undefined) {
    if (typeof fillValue !== 'number') {
      throw bad(`layout.fillValue must be a number, got ${describe(fillValue)}`);
    }
    if (!isFloatDtype(dtype)) {
      const [min, max] = INT_RANGES[dtype];
      integerIn(fillValue, min, max, `layout.fillValue of an ${dtype} signal`);
    }
  }

  const codecs = layout.codecs;
  if (!Array.isArray(codecs) || codecs.length === 0) {
    throw bad(`layout.codecs must be a non-empty array (${SUPPORTED}), got ${describe(codecs)}`);
  }
  const validated = (codecs as readonly unknown[]).map(validateCodec);
  const [first, ...compressors] = validated;
  if (first?.name !== 'bytes') {
    throw bad(`layout.codecs must start with the bytes codec, got "${String(first?.name)}" first`);
  }
  if (compressors.length > 1 || compressors.some((codec) => codec.name === 'bytes')) {
    throw bad(
      `layout.codecs may hold at most one compressor after bytes, got ${validated.map((c) => c.name).join(', ')}`,
    );
  }

  return fillValue === undefined
    ? { dtype, chunkLength, codecs: validated }
    : { dtype, chunkLength, fillValue, codecs: validated };
}

/** A Zarr v3 fill value as JSON: a number, or one of the strings the spec uses for floats. */
export type ZarrFillValue = number | 'NaN' | 'Infinity' | '-Infinity' | `0x${string}`;

/** The `zarr.json` of a 1-D Zarr v3 array. */
export interface ZarrArrayMetadata {
  zarr_format: 3;
  node_type: 'array';
  shape: [number];
  data_type: Dtype;
  chunk_grid: { name: 'regular'; configuration: { chunk_shape: [number] } };
  chunk_key_encoding: { name: 'default'; configuration: { separator: '/' } };
  fill_value: ZarrFillValue;
  codecs: ZarrCodec[];
}

function zarrFillValue(dtype: Dtype, value: number): ZarrFillValue {
  if (!isFloatDtype(dtype)) return value;
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  // JSON has no -0: the spec's hex form keeps the sign bit.
  if (Object.is(value, -0)) return dtype === 'float32' ? '0x80000000' : '0x8000000000000000';
  return value;
}

/**
 * The Zarr v3 `zarr.json` object of a 1-D array of `length` samples stored with `layout`.
 * Chunk `i` lives at key `c/<i>` beside it (default chunk key encoding, separator "/").
 */
export function zarrArrayMetadata(layout: ChunkLayout, length: number): ZarrArrayMetadata {
  const valid = validateLayout(layout);
  if (!Number.isSafeInteger(length) || length < 0) {
    throw bad(`array length must be a non-negative integer, got ${describe(length)}`);
  }
  return {
    zarr_format: 3,
    node_type: 'array',
    shape: [length],
    data_type: valid.dtype,
    chunk_grid: { name: 'regular', configuration: { chunk_shape: [valid.chunkLength] } },
    chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
    fill_value: zarrFillValue(valid.dtype, resolvedFillValue(valid)),
    codecs: valid.codecs,
  };
}
