// Property: damage is detected. A byte flipped anywhere fails the SHA-256 check; without a
// hash, compressed data either still decodes or fails with a ChunkCodecError, never another
// error type; wrong lengths fail with length_mismatch.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeChunk, encodeChunk } from './codec.ts';
import { DTYPES, allocate } from './dtype.ts';
import { ChunkCodecError } from './errors.ts';
import { zstdFrameContentSize } from './zstd.ts';
import { COMPRESSORS, GZIP, ZSTD, layoutOf, settle } from './test-support.ts';

function smoothChunk(dtype: (typeof DTYPES)[number], length: number) {
  const values = allocate(dtype, length);
  for (let i = 0; i < length; i++) values[i] = Math.round(100 * Math.sin(i / 7));
  return values;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const result = await settle(promise);
  if (result.ok) return 'ok';
  expect(result.error).toBeInstanceOf(ChunkCodecError);
  return (result.error as ChunkCodecError).code;
}

const flip = fc.record({ at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) });

describe.each(
  DTYPES.flatMap((dtype) => COMPRESSORS.map((c) => [dtype, c.label, c.codec] as const)),
)('corruption %s, compressor %s', (dtype, _label, compressor) => {
  const layout = layoutOf(dtype, 64, compressor);

  it('a flipped byte fails the hash check, and decoding alone throws only ChunkCodecError', async () => {
    const encoded = await encodeChunk(smoothChunk(dtype, 50), layout);
    await fc.assert(
      fc.asyncProperty(flip, async ({ at, mask }) => {
        const damaged = encoded.bytes.slice();
        const index = at % damaged.length;
        damaged[index] = (damaged[index] ?? 0) ^ mask;
        expect(await codeOf(decodeChunk(damaged, layout, { sha256: encoded.sha256 }))).toBe(
          'hash_mismatch',
        );
        const code = await codeOf(decodeChunk(damaged, layout, { validCount: 50 }));
        expect(['ok', 'corrupt', 'length_mismatch']).toContain(code);
        if (compressor === undefined) expect(code).toBe('ok'); // only the hash can tell
      }),
      { numRuns: 150 },
    );
  });

  it('truncated or extended bytes are rejected', async () => {
    const { bytes } = await encodeChunk(smoothChunk(dtype, 64), layout);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -bytes.length, max: 64 }).filter((d) => d !== 0),
        async (delta) => {
          const resized = new Uint8Array(bytes.length + delta);
          resized.set(delta < 0 ? bytes.subarray(0, resized.length) : bytes);
          const code = await codeOf(decodeChunk(resized, layout));
          if (compressor === undefined) expect(code).toBe('length_mismatch');
          else expect(['corrupt', 'length_mismatch']).toContain(code);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a chunk of another chunkLength is a length mismatch', async () => {
    const { bytes } = await encodeChunk(smoothChunk(dtype, 128), layoutOf(dtype, 128, compressor));
    expect(await codeOf(decodeChunk(bytes, layout))).toBe('length_mismatch');
    const small = await encodeChunk(smoothChunk(dtype, 32), layoutOf(dtype, 32, compressor));
    expect(await codeOf(decodeChunk(small.bytes, layout))).toBe('length_mismatch');
  });
});

describe('expectations', () => {
  const layout = layoutOf('float32', 8);

  it('rejects a validCount outside 0…chunkLength', async () => {
    const { bytes } = await encodeChunk(new Float32Array(8), layout);
    for (const validCount of [-1, 9, 1.5, Number.NaN]) {
      await expect(decodeChunk(bytes, layout, { validCount })).rejects.toMatchObject({
        code: 'length_mismatch',
      });
    }
    expect((await decodeChunk(bytes, layout, { validCount: 0 })).length).toBe(0);
  });

  it('accepts an uppercase digest and rejects a malformed one', async () => {
    const { bytes, sha256 } = await encodeChunk(new Float32Array(8), layout);
    expect((await decodeChunk(bytes, layout, { sha256: sha256.toUpperCase() })).length).toBe(8);
    await expect(decodeChunk(bytes, layout, { sha256: 'abc' })).rejects.toMatchObject({
      code: 'hash_mismatch',
      message: expect.stringContaining('64 hex digits') as unknown,
    });
  });

  it('names both digests when the hash does not match', async () => {
    const { bytes } = await encodeChunk(new Float32Array(8), layout);
    const other = 'f'.repeat(64);
    await expect(decodeChunk(bytes, layout, { sha256: other })).rejects.toThrow(
      new RegExp(`hash to [0-9a-f]{64}, expected ${other}`),
    );
  });

  it('rejects bytes that are not a Uint8Array', async () => {
    const notBytes = new Float32Array(8) as unknown as Uint8Array;
    await expect(decodeChunk(notBytes, layout)).rejects.toMatchObject({ code: 'corrupt' });
  });
});

describe('compressed data that would overflow a chunk', () => {
  it.each([
    ['gzip', GZIP],
    ['zstd', ZSTD],
  ] as const)(
    '%s: a large chunk decoded as a small one stops at the chunk size',
    async (_label, codec) => {
      const big = await encodeChunk(new Float32Array(1 << 16), layoutOf('float32', 1 << 16, codec));
      expect(big.bytes.length).toBeLessThan(1024);
      await expect(decodeChunk(big.bytes, layoutOf('float32', 64, codec))).rejects.toMatchObject({
        code: 'length_mismatch',
      });
    },
  );

  it('a gzip member with damaged deflate data is corrupt', async () => {
    const layout = layoutOf('float32', 64, GZIP);
    const { bytes } = await encodeChunk(new Float32Array(64).fill(3), layout);
    const damaged = bytes.slice();
    damaged.fill(0xff, 10, 14);
    await expect(decodeChunk(damaged, layout)).rejects.toMatchObject({
      code: 'corrupt',
      message: expect.stringMatching(/^gzip data cannot be decoded: ./) as unknown,
    });
  });

  it('gzip data that is not gzip is corrupt', async () => {
    await expect(
      decodeChunk(new Uint8Array([1, 2, 3, 4, 5]), layoutOf('float32', 64, GZIP)),
    ).rejects.toMatchObject({
      code: 'corrupt',
      message: expect.stringMatching(/^gzip data cannot be decoded/) as unknown,
    });
  });
});

describe('zstd frame header', () => {
  const frame = (...bytes: number[]) => new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, ...bytes]);

  it('reads the declared content size in each of its widths', () => {
    expect(zstdFrameContentSize(frame(0x20, 200))).toBe(200); // single segment, 1 byte
    expect(zstdFrameContentSize(frame(0x40, 0x58, 0x00, 0x00))).toBe(256); // 2 bytes, +256
    expect(zstdFrameContentSize(frame(0x80, 0x58, 0x00, 0x00, 0x10, 0x00))).toBe(1 << 20);
    expect(zstdFrameContentSize(frame(0xc0, 0x58, 0, 0, 0, 0, 0, 1, 0, 0))).toBe(2 ** 40);
    expect(zstdFrameContentSize(frame(0x00, 0x58, 0, 0))).toBeUndefined(); // not declared
  });

  it.each([
    ['no magic number', new Uint8Array([0x28, 0xb5, 0x2f, 0xfe, 0x20, 1])],
    ['reserved frame header bit set', frame(0x28, 1, 0)],
    ['frame needs a dictionary', frame(0x21, 7, 1, 0)],
    ['window size too large', frame(0x00, 0xf8, 0, 0)],
    ['truncated frame header', frame(0xc0, 0x58, 1)],
  ])('rejects a frame with %s', (why, bytes) => {
    expect(() => zstdFrameContentSize(bytes)).toThrow(why.replace('no ', 'no zstd frame '));
  });

  it('rejects a frame whose declared size is not the chunk size before decompressing', async () => {
    const layout = layoutOf('float32', 64, ZSTD);
    await expect(
      decodeChunk(frame(0xc0, 0x58, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0), layout),
    ).rejects.toMatchObject({
      code: 'length_mismatch',
    });
  });
});
