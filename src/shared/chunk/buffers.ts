// Small helpers on byte views that the codec needs in more than one place.

/** Whether `buffer` is a SharedArrayBuffer (realm-independent, unlike instanceof). */
export function isShared(buffer: ArrayBufferLike): boolean {
  return Object.prototype.toString.call(buffer) === '[object SharedArrayBuffer]';
}

/**
 * The same bytes on a plain ArrayBuffer: a new view (no copy) when they already are, else a
 * copy. WebCrypto and the compression streams refuse views on shared memory.
 */
export function unshared(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  if (isShared(bytes.buffer)) return bytes.slice();
  return new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
}

/** Concatenates parts into one new buffer of exactly their total length. */
export function concat(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
