// Layout validation (every bad input is a ChunkCodecError with a message naming the field),
// the encoder's input checks, and the Zarr v3 metadata a layout stands for.
import { describe, expect, it } from 'vitest';
import { decodeChunk, encodeChunk } from './codec.ts';
import { allocate, bytesPerSample, type SignalArray } from './dtype.ts';
import { ChunkCodecError } from './errors.ts';
import {
  DEFAULT_CHUNK_LENGTH,
  defaultLayout,
  validateLayout,
  zarrArrayMetadata,
  type ChunkLayout,
} from './layout.ts';
import { bytesOf, bytesToHex, goldenVectors, hexToBytes, layoutOf } from './test-support.ts';

const BYTES = { name: 'bytes', configuration: { endian: 'little' } };
const good = { dtype: 'float32', chunkLength: 64, codecs: [BYTES] };

function errorOf(run: () => unknown): ChunkCodecError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ChunkCodecError);
    return error as ChunkCodecError;
  }
  throw new Error('expected a ChunkCodecError');
}

describe('validateLayout', () => {
  it.each([
    ['not an object', null, 'bad_layout', /^layout must be an object, got null/],
    ['an array', [], 'bad_layout', /got an array/],
    [
      'unknown dtype',
      { ...good, dtype: 'uint8' },
      'bad_layout',
      /layout.dtype must be one of float32, float64, int16, int32; got "uint8"/,
    ],
    ['missing dtype', { ...good, dtype: undefined }, 'bad_layout', /layout.dtype .* got undefined/],
    [
      'chunkLength not a power of two',
      { ...good, chunkLength: 1000 },
      'bad_layout',
      /layout.chunkLength must be a power of two from 1 to 16777216, got 1000/,
    ],
    ['chunkLength zero', { ...good, chunkLength: 0 }, 'bad_layout', /layout.chunkLength/],
    ['chunkLength fractional', { ...good, chunkLength: 64.5 }, 'bad_layout', /got 64.5/],
    [
      'chunkLength too large',
      { ...good, chunkLength: 2 ** 25 },
      'bad_layout',
      /layout.chunkLength/,
    ],
    ['chunkLength a string', { ...good, chunkLength: '64' }, 'bad_layout', /got "64"/],
    [
      'fillValue a string',
      { ...good, fillValue: 'NaN' },
      'bad_layout',
      /layout.fillValue must be a number, got "NaN"/,
    ],
    [
      'int fillValue NaN',
      { ...good, dtype: 'int16', fillValue: NaN },
      'bad_layout',
      /fillValue of an int16 signal must be an integer from -32768 to 32767, got NaN/,
    ],
    [
      'int fillValue out of range',
      { ...good, dtype: 'int16', fillValue: 40000 },
      'bad_layout',
      /from -32768 to 32767, got 40000/,
    ],
    [
      'int fillValue fractional',
      { ...good, dtype: 'int32', fillValue: 0.5 },
      'bad_layout',
      /int32 signal must be an integer/,
    ],
    [
      'codecs missing',
      { ...good, codecs: undefined },
      'bad_layout',
      /layout.codecs must be a non-empty array/,
    ],
    [
      'codecs empty',
      { ...good, codecs: [] },
      'bad_layout',
      /layout.codecs must be a non-empty array/,
    ],
    [
      'codec not an object',
      { ...good, codecs: ['bytes'] },
      'bad_layout',
      /layout.codecs\[0\] must be an object \{name, configuration\}, got "bytes"/,
    ],
    [
      'codec without a name',
      { ...good, codecs: [{ configuration: {} }] },
      'bad_layout',
      /layout.codecs\[0\].name must be a string/,
    ],
    [
      'unknown codec',
      { ...good, codecs: [BYTES, { name: 'blosc', configuration: {} }] },
      'unsupported_codec',
      /layout.codecs\[1\]: codec "blosc" is not supported/,
    ],
    [
      'unknown codec first',
      { ...good, codecs: [{ name: 'transpose', configuration: { order: [0] } }, BYTES] },
      'unsupported_codec',
      /codec "transpose"/,
    ],
    [
      'big-endian bytes',
      { ...good, codecs: [{ name: 'bytes', configuration: { endian: 'big' } }] },
      'unsupported_codec',
      /endian "big" is not supported/,
    ],
    [
      'bytes without endian',
      { ...good, codecs: [{ name: 'bytes', configuration: {} }] },
      'bad_layout',
      /endian must be "little", got undefined/,
    ],
    [
      'bytes without configuration',
      { ...good, codecs: [{ name: 'bytes' }] },
      'bad_layout',
      /layout.codecs\[0\].configuration must be an object/,
    ],
    [
      'unknown configuration key',
      { ...good, codecs: [{ name: 'bytes', configuration: { endian: 'little', x: 1 } }] },
      'bad_layout',
      /unknown key "x"/,
    ],
    [
      'unknown codec key',
      { ...good, codecs: [{ ...BYTES, must_understand: true }] },
      'bad_layout',
      /unknown key "must_understand"/,
    ],
    [
      'compressor first',
      { ...good, codecs: [{ name: 'gzip', configuration: { level: 5 } }] },
      'bad_layout',
      /must start with the bytes codec, got "gzip" first/,
    ],
    [
      'two compressors',
      {
        ...good,
        codecs: [
          BYTES,
          { name: 'gzip', configuration: { level: 5 } },
          { name: 'gzip', configuration: { level: 5 } },
        ],
      },
      'bad_layout',
      /at most one compressor after bytes, got bytes, gzip, gzip/,
    ],
    ['bytes twice', { ...good, codecs: [BYTES, BYTES] }, 'bad_layout', /at most one compressor/],
    [
      'gzip level too high',
      { ...good, codecs: [BYTES, { name: 'gzip', configuration: { level: 10 } }] },
      'bad_layout',
      /layout.codecs\[1\].configuration.level must be an integer from 0 to 9, got 10/,
    ],
    [
      'zstd without checksum',
      { ...good, codecs: [BYTES, { name: 'zstd', configuration: { level: 3 } }] },
      'bad_layout',
      /checksum must be true or false, got undefined/,
    ],
    [
      'zstd level too high',
      { ...good, codecs: [BYTES, { name: 'zstd', configuration: { level: 23, checksum: false } }] },
      'bad_layout',
      /level must be an integer from -131072 to 22, got 23/,
    ],
  ] as const)('rejects %s', (_what, layout, code, message) => {
    const error = errorOf(() => validateLayout(layout));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.name).toBe('ChunkCodecError');
  });

  it('returns a normalized copy holding only layout keys', () => {
    const header = { ...good, fillValue: -1, length: 10, t0: 0, codecs: [{ ...BYTES }] };
    const layout = validateLayout(header);
    expect(layout).toEqual({ dtype: 'float32', chunkLength: 64, fillValue: -1, codecs: [BYTES] });
    expect(layout.codecs[0]).not.toBe(header.codecs[0]);
  });

  it('accepts every supported chain', () => {
    for (const codecs of [
      [BYTES],
      [BYTES, { name: 'gzip', configuration: { level: 0 } }],
      [BYTES, { name: 'gzip', configuration: { level: 9 } }],
      [BYTES, { name: 'zstd', configuration: { level: -5, checksum: false } }],
      [BYTES, { name: 'zstd', configuration: { level: 22, checksum: true } }],
    ]) {
      expect(validateLayout({ ...good, codecs }).codecs).toEqual(codecs);
    }
  });
});

describe('defaultLayout', () => {
  it('is 2^18-sample float32 chunks with the bytes codec alone', () => {
    expect(defaultLayout()).toEqual({ dtype: 'float32', chunkLength: 2 ** 18, codecs: [BYTES] });
    expect(DEFAULT_CHUNK_LENGTH * bytesPerSample('float32')).toBe(1024 * 1024);
    expect(defaultLayout('int16').dtype).toBe('int16');
    expect(validateLayout(defaultLayout('float64'))).toEqual(defaultLayout('float64'));
  });
});

describe('encodeChunk input checks', () => {
  const layout = layoutOf('float32', 8);

  it.each([
    ['a Float64Array', new Float64Array(4), /values are float64 but the layout's dtype is float32/],
    ['an Int16Array', new Int16Array(4), /values are int16/],
    [
      'a Uint8Array',
      new Uint8Array(4),
      /Float32Array, Float64Array, Int16Array or Int32Array, got Uint8Array/,
    ],
    ['a plain array', [1, 2, 3], /got object/],
  ])('rejects %s for a float32 layout', async (_what, values, message) => {
    const promise = encodeChunk(values as unknown as SignalArray, layout);
    await expect(promise).rejects.toBeInstanceOf(ChunkCodecError);
    await expect(promise).rejects.toMatchObject({
      code: 'dtype_mismatch',
      message: expect.stringMatching(message) as unknown,
    });
  });

  it('rejects more samples than chunkLength', async () => {
    await expect(encodeChunk(allocate('float32', 9), layout)).rejects.toMatchObject({
      code: 'too_long',
      message: '9 samples do not fit in a chunk of 8',
    });
  });

  it('rejects a bad layout before touching the values', async () => {
    const bad = { ...layout, chunkLength: 6 };
    await expect(encodeChunk(allocate('float32', 4), bad)).rejects.toMatchObject({
      code: 'bad_layout',
    });
    await expect(decodeChunk(new Uint8Array(24), bad)).rejects.toMatchObject({
      code: 'bad_layout',
    });
  });

  it('refuses to write zstd with checksum: true, and reads it', async () => {
    const vector = goldenVectors.find((v) => v.zstdChecksumHex !== undefined);
    if (vector?.zstdChecksumHex === undefined)
      throw new Error('fixture lacks a zstd checksum frame');
    const checksum = layoutOf(vector.dtype, vector.chunkLength, {
      name: 'zstd',
      configuration: { level: 19, checksum: true },
    });
    await expect(encodeChunk(allocate(vector.dtype, 1), checksum)).rejects.toMatchObject({
      code: 'unsupported_codec',
      message: expect.stringMatching(/checksum: true can be read but not written/) as unknown,
    });
    const decoded = await decodeChunk(hexToBytes(vector.zstdChecksumHex), checksum);
    expect(bytesToHex(bytesOf(decoded))).toBe(vector.bytesHex);
  });
});

describe('zarrArrayMetadata', () => {
  it('describes a default float32 signal as Zarr v3 does, NaN fill as the string "NaN"', () => {
    expect(zarrArrayMetadata(defaultLayout(), 1_000_000)).toEqual({
      zarr_format: 3,
      node_type: 'array',
      shape: [1_000_000],
      data_type: 'float32',
      chunk_grid: { name: 'regular', configuration: { chunk_shape: [262144] } },
      chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
      fill_value: 'NaN',
      codecs: [{ name: 'bytes', configuration: { endian: 'little' } }],
    });
    expect(JSON.stringify(zarrArrayMetadata(defaultLayout(), 1))).toContain('"fill_value":"NaN"');
  });

  it('writes int fill values as numbers and keeps the compressor', () => {
    const layout: ChunkLayout = {
      dtype: 'int16',
      chunkLength: 1024,
      codecs: [
        { name: 'bytes', configuration: { endian: 'little' } },
        { name: 'zstd', configuration: { level: 5, checksum: false } },
      ],
    };
    expect(zarrArrayMetadata(layout, 0)).toEqual({
      zarr_format: 3,
      node_type: 'array',
      shape: [0],
      data_type: 'int16',
      chunk_grid: { name: 'regular', configuration: { chunk_shape: [1024] } },
      chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
      fill_value: 0,
      codecs: [
        { name: 'bytes', configuration: { endian: 'little' } },
        { name: 'zstd', configuration: { level: 5, checksum: false } },
      ],
    });
    expect(zarrArrayMetadata({ ...layout, fillValue: -7 }, 5).fill_value).toBe(-7);
  });

  it.each([
    ['float64', Infinity, 'Infinity'],
    ['float32', -Infinity, '-Infinity'],
    ['float32', -0, '0x80000000'],
    ['float64', -0, '0x8000000000000000'],
    ['float64', 1.5, 1.5],
    ['int32', 0, 0],
  ] as const)('writes a %s fill value %d as %j', (dtype, fillValue, expected) => {
    const layout: ChunkLayout = { ...layoutOf(dtype, 8), fillValue };
    expect(zarrArrayMetadata(layout, 8).fill_value).toBe(expected);
  });

  it('rejects a bad length or layout', () => {
    for (const length of [-1, 1.5, NaN]) {
      expect(errorOf(() => zarrArrayMetadata(defaultLayout(), length)).message).toMatch(
        /array length must be a non-negative integer/,
      );
    }
    expect(errorOf(() => zarrArrayMetadata({ ...defaultLayout(), chunkLength: 3 }, 8)).code).toBe(
      'bad_layout',
    );
  });
});
