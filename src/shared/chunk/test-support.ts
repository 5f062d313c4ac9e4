// Helpers shared by this folder's tests (pure code, so it also type-checks as src/shared).
import { allocate, bytesPerSample, type Dtype, type SignalArray } from './dtype.ts';
import type { ChunkLayout, CompressorCodec } from './layout.ts';
import vectorFile from './fixtures/vectors.json' with { type: 'json' };

/** A sample as fixtures write it: a number, a special float name, or "bits:<hex>". */
export type Token = number | string;

export interface GoldenVector {
  name: string;
  dtype: Dtype;
  chunkLength: number;
  values: Token[];
  fillValue?: Token;
  bytesHex: string;
  sha256: string;
  gzipHex?: string;
  zstdHex?: string;
  zstdChecksumHex?: string;
  zstdNoContentSizeHex?: string;
}

export const goldenVectors: readonly GoldenVector[] = (vectorFile as { vectors: GoldenVector[] })
  .vectors;

export function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The bytes of a typed array's own range (a view, for bitwise comparisons). */
export function bytesOf(values: SignalArray): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

export function tokenNumber(token: Token): number {
  if (typeof token === 'number') return token;
  const special: Record<string, number> = {
    NaN: Number.NaN,
    Infinity: Number.POSITIVE_INFINITY,
    '-Infinity': Number.NEGATIVE_INFINITY,
    '-0': -0,
  };
  const value = special[token];
  if (value === undefined) throw new Error(`no number for token ${token}`);
  return value;
}

/** A typed array holding the tokens exactly (bit patterns written through a DataView). */
export function tokensToArray(dtype: Dtype, tokens: readonly Token[]): SignalArray {
  const array = allocate(dtype, tokens.length);
  const view = new DataView(array.buffer);
  const width = bytesPerSample(dtype);
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  tokens.forEach((token, i) => {
    const at = i * width;
    if (typeof token === 'string' && token.startsWith('bits:')) {
      const bits = BigInt(`0x${token.slice(5)}`);
      if (dtype === 'float32') view.setUint32(at, Number(bits), little);
      else view.setBigUint64(at, bits, little);
      return;
    }
    array[i] = tokenNumber(token);
  });
  return array;
}

export function layoutOf(
  dtype: Dtype,
  chunkLength: number,
  compressor?: CompressorCodec,
  fillValue?: number,
): ChunkLayout {
  return {
    dtype,
    chunkLength,
    ...(fillValue === undefined ? {} : { fillValue }),
    codecs: [
      { name: 'bytes', configuration: { endian: 'little' } },
      ...(compressor === undefined ? [] : [compressor]),
    ],
  };
}

export const GZIP: CompressorCodec = { name: 'gzip', configuration: { level: 5 } };
export const ZSTD: CompressorCodec = { name: 'zstd', configuration: { level: 3, checksum: false } };
export const COMPRESSORS: readonly { label: string; codec: CompressorCodec | undefined }[] = [
  { label: 'none', codec: undefined },
  { label: 'gzip', codec: GZIP },
  { label: 'zstd', codec: ZSTD },
];

/** Settles a promise into its value or its error, for tests that accept either. */
export async function settle<T>(
  promise: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}
