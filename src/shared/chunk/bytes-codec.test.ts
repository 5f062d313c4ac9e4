// The bytes codec on a big-endian host, simulated: given the memory such a host would hold
// (each sample's bytes reversed), encoding must still produce the golden little-endian bytes,
// and decoding must produce that big-endian memory. Bit patterns (NaN payloads) survive.
import { describe, expect, it } from 'vitest';
import { decodeBytes, encodeBytes, fillPattern } from './bytes-codec.ts';
import { LITTLE_ENDIAN_HOST, bytesPerSample, viewOf } from './dtype.ts';
import { resolvedFillValue } from './layout.ts';
import {
  bytesOf,
  bytesToHex,
  goldenVectors,
  hexToBytes,
  tokenNumber,
  tokensToArray,
} from './test-support.ts';

function swapped(bytes: Uint8Array, width: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes.length);
  for (let at = 0; at < bytes.length; at += width) {
    out.set(
      bytes
        .subarray(at, at + width)
        .slice()
        .reverse(),
      at,
    );
  }
  return out;
}

it('runs on a little-endian host here (the big-endian path is simulated below)', () => {
  expect(LITTLE_ENDIAN_HOST).toBe(true);
});

describe.each(goldenVectors.map((vector) => [vector.name, vector] as const))(
  'big-endian host, %s',
  (_name, vector) => {
    const width = bytesPerSample(vector.dtype);
    const fill = resolvedFillValue({
      dtype: vector.dtype,
      ...(vector.fillValue === undefined ? {} : { fillValue: tokenNumber(vector.fillValue) }),
    });
    const littleEndian = bytesOf(tokensToArray(vector.dtype, vector.values));

    it('encodes host memory to the golden little-endian bytes', () => {
      const hostMemory = swapped(littleEndian, width);
      const values = viewOf(vector.dtype, hostMemory.buffer, 0, vector.values.length);
      const encoded = encodeBytes(values, vector.dtype, vector.chunkLength, fill, false);
      expect(bytesToHex(encoded)).toBe(vector.bytesHex);
    });

    it('decodes the golden bytes to big-endian host memory', () => {
      const decoded = decodeBytes(hexToBytes(vector.bytesHex), vector.dtype, false);
      expect(decoded.length).toBe(vector.chunkLength);
      expect(bytesToHex(bytesOf(decoded))).toBe(
        bytesToHex(swapped(hexToBytes(vector.bytesHex), width)),
      );
    });
  },
);

describe('fillPattern', () => {
  it.each([
    ['float32', NaN, '0000c07f'],
    ['float32', -0, '00000080'],
    ['float64', NaN, '000000000000f87f'],
    ['float64', 1, '000000000000f03f'],
    ['int16', -2, 'feff'],
    ['int32', 42, '2a000000'],
  ] as const)('%s %d is %s', (dtype, value, hex) => {
    expect(bytesToHex(fillPattern(dtype, value))).toBe(hex);
  });
});
