// Base64 to bytes without `atob` (not in the pure lib's globals): the wasm module travels as
// base64 text in windowed-wasm.generated.ts, decoded once when the kernel is created.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUE = new Map(Array.from({ length: 64 }, (_, i) => [ALPHABET.charAt(i), i]));

export function bytesOfBase64(text: string): Uint8Array<ArrayBuffer> {
  const clean = text.replace(/=+$/, '');
  const bytes = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let buffer = 0;
  let bits = 0;
  let at = 0;
  for (const char of clean) {
    const value = VALUE.get(char);
    if (value === undefined) throw new Error(`not base64: ${JSON.stringify(char)}`);
    buffer = ((buffer << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[at++] = (buffer >> bits) & 0xff;
    }
  }
  return bytes;
}
