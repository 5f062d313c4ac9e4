// Chunks are addressed by the SHA-256 of exactly their encoded bytes (lowercase hex).
import { unshared } from './buffers.ts';
import { subtleCrypto } from './web-globals.ts';

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** The SHA-256 of `bytes` (the view's range only) as 64 lowercase hex digits. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await subtleCrypto().digest('SHA-256', unshared(bytes)));
  let hex = '';
  for (const byte of digest) hex += HEX[byte] ?? '';
  return hex;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && SHA256_HEX.test(value);
}
