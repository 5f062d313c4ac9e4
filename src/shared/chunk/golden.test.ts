// Golden vectors: exact bytes and SHA-256 digests computed independently with numpy and
// hashlib (fixtures/make_vectors.py), and compressed forms from Python's gzip and the zstd CLI.
import { describe, expect, it } from 'vitest';
import { decodeChunk, encodeChunk } from './codec.ts';
import { sha256Hex } from './sha256.ts';
import {
  GZIP,
  ZSTD,
  bytesOf,
  bytesToHex,
  goldenVectors,
  hexToBytes,
  layoutOf,
  tokenNumber,
  tokensToArray,
  type GoldenVector,
} from './test-support.ts';

function layoutFor(vector: GoldenVector, compressor?: typeof GZIP) {
  const fill = vector.fillValue === undefined ? undefined : tokenNumber(vector.fillValue);
  return layoutOf(vector.dtype, vector.chunkLength, compressor, fill);
}

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 examples', async () => {
    expect(await sha256Hex(new Uint8Array())).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('hashes only the view range, also on shared memory', async () => {
    const shared = new Uint8Array(new SharedArrayBuffer(8));
    shared.set(new TextEncoder().encode('xabcx'), 0);
    expect(await sha256Hex(shared.subarray(1, 4))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

describe.each(goldenVectors.map((vector) => [vector.name, vector] as const))(
  'golden vector %s',
  (_name, vector) => {
    const values = tokensToArray(vector.dtype, vector.values);

    it('encodes to the exact bytes and digest numpy and hashlib give', async () => {
      const encoded = await encodeChunk(values, layoutFor(vector));
      expect(bytesToHex(encoded.bytes)).toBe(vector.bytesHex);
      expect(encoded.sha256).toBe(vector.sha256);
      expect(encoded.validCount).toBe(vector.values.length);
      expect(await sha256Hex(hexToBytes(vector.bytesHex))).toBe(vector.sha256);
    });

    it('decodes the bytes back to the same bit patterns', async () => {
      const decoded = await decodeChunk(hexToBytes(vector.bytesHex), layoutFor(vector), {
        sha256: vector.sha256,
        validCount: vector.values.length,
      });
      expect(decoded.length).toBe(vector.values.length);
      expect(bytesToHex(bytesOf(decoded))).toBe(bytesToHex(bytesOf(values)));
      const whole = await decodeChunk(hexToBytes(vector.bytesHex), layoutFor(vector));
      expect(whole.length).toBe(vector.chunkLength);
      expect(bytesToHex(bytesOf(whole))).toBe(vector.bytesHex);
    });

    const compressed = [
      ['gzip (Python)', vector.gzipHex, GZIP],
      ['zstd (CLI, content size)', vector.zstdHex, ZSTD],
      ['zstd (CLI, level 19, checksum)', vector.zstdChecksumHex, ZSTD],
      ['zstd (CLI, no content size)', vector.zstdNoContentSizeHex, ZSTD],
    ] as const;
    for (const [label, hex, codec] of compressed) {
      if (hex === undefined) continue;
      it(`decodes data compressed by ${label}`, async () => {
        const decoded = await decodeChunk(hexToBytes(hex), layoutFor(vector, codec), {
          validCount: vector.values.length,
        });
        expect(bytesToHex(bytesOf(decoded))).toBe(bytesToHex(bytesOf(values)));
      });
    }
  },
);
