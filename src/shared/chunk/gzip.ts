// The Zarr v3 `gzip` codec through the platform's CompressionStream / DecompressionStream
// (native zlib in Chromium and in Node: no dependency, no wasm). Those streams take no level,
// so chunks are written at the platform's default level (zlib's 6) whatever the layout says;
// the level in the metadata is a hint that no gzip reader needs.
import { concat, unshared } from './buffers.ts';
import { ChunkCodecError } from './errors.ts';
import { gzipStreams, type ByteTransformStream } from './web-globals.ts';

/** Writes `input` through `stream` and hands every output part to `sink`, in order. */
async function pump(
  stream: ByteTransformStream,
  input: Uint8Array<ArrayBuffer>,
  sink: (part: Uint8Array) => void,
): Promise<void> {
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const writing = (async () => {
    await writer.write(input);
    await writer.close();
  })();
  // When reading fails the write fails too; that rejection is the same error, already handled.
  writing.catch(() => undefined);
  try {
    for (;;) {
      const result = await reader.read();
      if (result.done) break;
      sink(result.value);
    }
  } catch (error) {
    await reader.cancel(error).catch(() => undefined);
    throw error;
  }
  await writing;
}

export async function gzipEncode(raw: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const { compress } = gzipStreams();
  const parts: Uint8Array[] = [];
  await pump(new compress('gzip'), unshared(raw), (part) => {
    parts.push(part);
  });
  return concat(parts);
}

/**
 * Checks the framing of one gzip member (RFC 1952) before inflating: the magic number and
 * deflate method up front, and the trailer's ISIZE (length mod 2^32) at the end. Browsers and
 * Node differ on trailing bytes after a member (Node ignores zeros), so this makes both strict.
 */
function checkGzipFraming(compressed: Uint8Array, expectedLength: number): void {
  if (
    compressed.length < 18 ||
    compressed[0] !== 0x1f ||
    compressed[1] !== 0x8b ||
    compressed[2] !== 8
  ) {
    throw new ChunkCodecError('corrupt', 'gzip data cannot be decoded: not a gzip member');
  }
  const end = compressed.length;
  const declared =
    ((compressed[end - 4] ?? 0) |
      ((compressed[end - 3] ?? 0) << 8) |
      ((compressed[end - 2] ?? 0) << 16) |
      ((compressed[end - 1] ?? 0) << 24)) >>>
    0;
  if (declared !== expectedLength % 2 ** 32) {
    throw new ChunkCodecError(
      'length_mismatch',
      `gzip trailer declares ${declared} bytes, a chunk has ${expectedLength}`,
    );
  }
}

/**
 * Decodes gzip data that must inflate to exactly `expectedLength` bytes, into one buffer
 * allocated up front; it stops as soon as the output would overflow (no decompression bombs).
 */
export async function gzipDecode(
  compressed: Uint8Array,
  expectedLength: number,
): Promise<Uint8Array<ArrayBuffer>> {
  checkGzipFraming(compressed, expectedLength);
  const { decompress } = gzipStreams();
  const out = new Uint8Array(expectedLength);
  let at = 0;
  try {
    await pump(new decompress('gzip'), unshared(compressed), (part) => {
      if (at + part.length > expectedLength) {
        throw new ChunkCodecError(
          'length_mismatch',
          `gzip data inflates to more than the ${expectedLength} bytes of a chunk`,
        );
      }
      out.set(part, at);
      at += part.length;
    });
  } catch (error) {
    if (error instanceof ChunkCodecError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ChunkCodecError('corrupt', `gzip data cannot be decoded: ${reason}`, {
      cause: error,
    });
  }
  if (at !== expectedLength) {
    throw new ChunkCodecError(
      'length_mismatch',
      `gzip data inflates to ${at} bytes, a chunk has ${expectedLength}`,
    );
  }
  return out;
}
