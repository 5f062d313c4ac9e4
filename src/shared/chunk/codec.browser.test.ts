// The codec where users run it: Chromium, with the zstd wasm loaded through Vite and gzip
// through the browser's own CompressionStream.
import { describe, expect, it } from 'vitest';
import { decodeChunk, encodeChunk } from './codec.ts';
import { sha256Hex } from './sha256.ts';
import {
  COMPRESSORS,
  GZIP,
  ZSTD,
  bytesOf,
  bytesToHex,
  goldenVectors,
  hexToBytes,
  layoutOf,
  tokenNumber,
  tokensToArray,
} from './test-support.ts';

describe('chunk codec in Chromium', () => {
  it('encodes every golden vector to its bytes and digest', async () => {
    for (const vector of goldenVectors) {
      const fill = vector.fillValue === undefined ? undefined : tokenNumber(vector.fillValue);
      const layout = layoutOf(vector.dtype, vector.chunkLength, undefined, fill);
      const encoded = await encodeChunk(tokensToArray(vector.dtype, vector.values), layout);
      expect(bytesToHex(encoded.bytes), vector.name).toBe(vector.bytesHex);
      expect(encoded.sha256, vector.name).toBe(vector.sha256);
    }
  });

  it('decodes gzip from Python and zstd from the zstd CLI', async () => {
    for (const vector of goldenVectors) {
      const values = tokensToArray(vector.dtype, vector.values);
      for (const [hex, codec] of [
        [vector.gzipHex, GZIP],
        [vector.zstdHex, ZSTD],
        [vector.zstdChecksumHex, ZSTD],
        [vector.zstdNoContentSizeHex, ZSTD],
      ] as const) {
        if (hex === undefined) continue;
        const layout = layoutOf(vector.dtype, vector.chunkLength, codec);
        const decoded = await decodeChunk(hexToBytes(hex), layout, {
          validCount: vector.values.length,
        });
        expect(bytesToHex(bytesOf(decoded)), vector.name).toBe(bytesToHex(bytesOf(values)));
      }
    }
  });

  it.each(COMPRESSORS.map((c) => [c.label, c.codec] as const))(
    'round-trips a 1 MiB float32 chunk, compressor %s',
    async (_label, codec) => {
      const layout = layoutOf('float32', 2 ** 18, codec);
      const values = new Float32Array(2 ** 18 - 5);
      for (let i = 0; i < values.length; i++) values[i] = Math.sin(i / 50) * 10;
      const encoded = await encodeChunk(values, layout);
      expect(encoded.sha256).toBe(await sha256Hex(encoded.bytes));
      const decoded = await decodeChunk(encoded.bytes, layout, {
        sha256: encoded.sha256,
        validCount: values.length,
      });
      expect(bytesToHex(bytesOf(decoded).subarray(0, 64))).toBe(
        bytesToHex(bytesOf(values).subarray(0, 64)),
      );
      expect(await sha256Hex(bytesOf(decoded))).toBe(await sha256Hex(bytesOf(values)));
      const damaged = encoded.bytes.slice();
      const middle = damaged.length >> 1;
      damaged[middle] = (damaged[middle] ?? 0) ^ 0x10;
      await expect(decodeChunk(damaged, layout, { sha256: encoded.sha256 })).rejects.toMatchObject({
        code: 'hash_mismatch',
      });
      if (codec !== undefined) {
        const error: unknown = await decodeChunk(damaged, layout).then(
          () => undefined,
          (reason: unknown) => reason,
        );
        if (error !== undefined) expect(error).toMatchObject({ name: 'ChunkCodecError' });
      }
    },
  );
});
