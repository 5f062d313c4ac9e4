// Reference fixtures written by the numpy/scipy scripts beside each algorithm: arrays travel
// as base64 of little-endian float64 (exact, NaN and ±Infinity included), so a fixture decodes
// the same in Node, in workers and in Chromium (pure code: no atob in this project's pure lib).

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUE = new Map(Array.from({ length: ALPHABET.length }, (_, i) => [ALPHABET.charAt(i), i]));

export function decodeBase64(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '');
  const bytes = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let buffer = 0;
  let at = 0;
  for (const char of clean) {
    const value = VALUE.get(char);
    if (value === undefined) throw new Error(`not base64: ${JSON.stringify(char)}`);
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[at++] = (buffer >> bits) & 0xff;
    }
  }
  return bytes;
}

export function decodeFloat64(text: string): Float64Array {
  const bytes = decodeBase64(text);
  if (bytes.length % 8 !== 0) throw new Error(`${String(bytes.length)} bytes are not float64s`);
  return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
}

/** A fixture input cast to the case's dtype (the scripts cast the same way before computing). */
export function castTo(
  dtype: 'float32' | 'float64',
  values: Float64Array,
): Float32Array | Float64Array {
  return dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
}
