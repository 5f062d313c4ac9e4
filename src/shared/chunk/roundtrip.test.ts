// Property: every chunk decodes to exactly the bits it was encoded from, for every dtype ×
// compressor × length ≤ chunkLength, floats included with NaN payloads, ±Infinity and -0.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillPattern } from './bytes-codec.ts';
import { decodeChunk, encodeChunk } from './codec.ts';
import { DTYPES, bytesPerSample, viewOf, type Dtype, type SignalArray } from './dtype.ts';
import { resolvedFillValue } from './layout.ts';
import { sha256Hex } from './sha256.ts';
import { COMPRESSORS, bytesOf, bytesToHex, layoutOf } from './test-support.ts';

const SPECIAL_FLOATS = [
  Number.NaN,
  Infinity,
  -Infinity,
  -0,
  0,
  Number.MIN_VALUE,
  -Number.MAX_VALUE,
];

/** Arbitrary values of `dtype` with up to `maxLength` samples: random bit patterns (every NaN
 *  payload, denormals, ±Infinity, -0 included) or mixes of special and ordinary numbers. */
function valuesOf(dtype: Dtype, maxLength: number): fc.Arbitrary<SignalArray> {
  const width = bytesPerSample(dtype);
  const fromBits = fc
    .integer({ min: 0, max: maxLength })
    .chain((length) => fc.uint8Array({ minLength: length * width, maxLength: length * width }))
    .map((bytes) => viewOf(dtype, bytes.buffer, 0, bytes.length / width));
  const number =
    dtype === 'float32'
      ? fc.oneof(fc.constantFrom(...SPECIAL_FLOATS), fc.float())
      : dtype === 'float64'
        ? fc.oneof(fc.constantFrom(...SPECIAL_FLOATS), fc.double())
        : fc.integer({
            min: dtype === 'int16' ? -32768 : -(2 ** 31),
            max: dtype === 'int16' ? 32767 : 2 ** 31 - 1,
          });
  const fromNumbers = fc.array(number, { maxLength }).map((numbers) => {
    const array = viewOf(dtype, new ArrayBuffer(numbers.length * width), 0, numbers.length);
    array.set(numbers);
    return array;
  });
  return fc.oneof(fromBits, fromNumbers);
}

const CHUNK_LENGTHS = [1, 64, 1024];

describe.each(
  DTYPES.flatMap((dtype) => COMPRESSORS.map((c) => [dtype, c.label, c.codec] as const)),
)('round trip %s, compressor %s', (dtype, _label, compressor) => {
  it('decodes to the same bits, padded with the fill value', async () => {
    const arbitrary = fc
      .constantFrom(...CHUNK_LENGTHS)
      .chain((chunkLength) => fc.tuple(fc.constant(chunkLength), valuesOf(dtype, chunkLength)));
    await fc.assert(
      fc.asyncProperty(arbitrary, async ([chunkLength, values]) => {
        const layout = layoutOf(dtype, chunkLength, compressor);
        const copy = bytesOf(values).slice();
        const encoded = await encodeChunk(values, layout);
        expect(encoded.validCount).toBe(values.length);
        expect(encoded.sha256).toBe(await sha256Hex(encoded.bytes));
        if (compressor === undefined) {
          expect(encoded.bytes.length).toBe(chunkLength * bytesPerSample(dtype));
        }

        const decoded = await decodeChunk(encoded.bytes, layout, {
          sha256: encoded.sha256,
          validCount: values.length,
        });
        expect(decoded.length).toBe(values.length);
        expect(bytesToHex(bytesOf(decoded))).toBe(bytesToHex(copy));

        const whole = await decodeChunk(encoded.bytes, layout);
        expect(whole.length).toBe(chunkLength);
        const padding = bytesOf(whole).subarray(copy.length);
        const pattern = bytesToHex(fillPattern(dtype, resolvedFillValue(layout)));
        expect(bytesToHex(padding)).toBe(pattern.repeat(chunkLength - values.length));
      }),
      { numRuns: 60 },
    );
  });
});

describe('fill values', () => {
  it.each([
    ['float32', -0],
    ['float32', 1.5],
    ['float64', Infinity],
    ['int16', -1],
    ['int32', 2 ** 31 - 1],
  ] as const)('%s pads with %d', async (dtype, fillValue) => {
    const layout = layoutOf(dtype, 8, undefined, fillValue);
    const encoded = await encodeChunk(viewOf(dtype, new ArrayBuffer(0), 0, 0), layout);
    const decoded = await decodeChunk(encoded.bytes, layout);
    expect(Array.from(decoded)).toEqual(new Array<number>(8).fill(fillValue));
    expect(Object.is(decoded[0], fillValue)).toBe(true);
  });
});

describe('copies and views', () => {
  const layout = layoutOf('float32', 4);

  it('encodes a full chunk that owns its buffer without copying', async () => {
    const values = new Float32Array([1, 2, 3, 4]);
    const encoded = await encodeChunk(values, layout);
    expect(encoded.bytes.buffer).toBe(values.buffer);
  });

  it('copies a full chunk that is a view into a larger buffer, to exactly its bytes', async () => {
    const signal = new Float32Array([9, 1, 2, 3, 4, 9]);
    const encoded = await encodeChunk(signal.subarray(1, 5), layout);
    expect(encoded.bytes.buffer.byteLength).toBe(16);
    expect(Array.from(await decodeChunk(encoded.bytes, layout))).toEqual([1, 2, 3, 4]);
  });

  it('encodes values on shared memory (copied: WebCrypto refuses shared views)', async () => {
    const values = new Float32Array(new SharedArrayBuffer(16));
    values.set([1, 2, 3, 4]);
    const encoded = await encodeChunk(values, layout);
    expect(encoded.sha256).toBe((await encodeChunk(new Float32Array([1, 2, 3, 4]), layout)).sha256);
  });

  it('decodes uncompressed bytes to a view on them, and unaligned bytes to a copy', async () => {
    const { bytes } = await encodeChunk(new Float32Array([1, 2, 3]), layout);
    const view = await decodeChunk(bytes, layout, { validCount: 3 });
    expect(view.buffer).toBe(bytes.buffer);
    const unaligned = new Uint8Array(bytes.length + 1);
    unaligned.set(bytes, 1);
    const copy = await decodeChunk(unaligned.subarray(1), layout, { validCount: 3 });
    expect(copy.buffer).not.toBe(unaligned.buffer);
    expect(Array.from(copy)).toEqual([1, 2, 3]);
  });

  it('returns the typed array of the layout dtype', async () => {
    const int16 = layoutOf('int16', 4);
    const { bytes } = await encodeChunk(new Int16Array([1, -2]), int16);
    const decoded = await decodeChunk(bytes, { ...int16, dtype: 'int16' as const });
    expect(decoded).toBeInstanceOf(Int16Array);
    expect(Array.from(decoded)).toEqual([1, -2, 0, 0]);
  });
});
