// The Zarr v3 `zstd` codec, with @bokuweb/zstd-wasm (the reference C library compiled to
// WebAssembly; Node reads its .wasm from disk, browsers fetch the .wasm file that Vite emits
// and the service worker precaches). It is imported on first use, so signals without zstd
// never load it.
import { ChunkCodecError } from './errors.ts';
import { withTimeout } from './web-globals.ts';

interface ZstdLibrary {
  compress(data: Uint8Array, level?: number): Uint8Array;
  decompress(data: Uint8Array, options?: { defaultHeapSize?: number }): Uint8Array;
}

/** How long loading the wasm may take before zstd is reported unavailable (it never hangs). */
const LOAD_TIMEOUT_MS = 30_000;

let loading: Promise<ZstdLibrary> | undefined;

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function load(): Promise<ZstdLibrary> {
  const library = await import('@bokuweb/zstd-wasm');
  await withTimeout(
    library.init(),
    LOAD_TIMEOUT_MS,
    () => new Error(`the zstd WebAssembly module did not load in ${LOAD_TIMEOUT_MS / 1000} s`),
  );
  return library;
}

/** The zstd library, loaded once; a failed load is reported and retried on the next call. */
export function loadZstd(): Promise<ZstdLibrary> {
  loading ??= load().catch((error: unknown) => {
    loading = undefined;
    throw new ChunkCodecError('unsupported_codec', `zstd is unavailable: ${reasonOf(error)}`, {
      cause: error,
    });
  });
  return loading;
}

/** Reads an unsigned little-endian integer of 1–8 bytes (exact below 2^53). */
function readUint(bytes: Uint8Array, at: number, size: number): number {
  let value = 0;
  for (let i = size - 1; i >= 0; i--) value = value * 256 + (bytes[at + i] ?? 0);
  return value;
}

/**
 * The decompressed size a zstd frame header declares, or undefined when the frame does not say.
 * Checking it before decompressing rejects corrupt or hostile frames before any allocation.
 * Throws ChunkCodecError `corrupt` when the bytes are not a plain zstd frame.
 */
export function zstdFrameContentSize(frame: Uint8Array): number | undefined {
  const corrupt = (why: string) => new ChunkCodecError('corrupt', `zstd data is invalid: ${why}`);
  if (frame.length < 6 || readUint(frame, 0, 4) !== 0xfd2fb528) {
    throw corrupt('no zstd frame magic number');
  }
  const descriptor = frame[4] ?? 0;
  const contentSizeFlag = descriptor >> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  if ((descriptor & 0x08) !== 0) throw corrupt('reserved frame header bit set');
  const dictionaryIdSize = [0, 1, 2, 4][descriptor & 0x03] ?? 0;
  const contentSizeSize = [singleSegment ? 1 : 0, 2, 4, 8][contentSizeFlag] ?? 0;
  let at = 5;
  if (!singleSegment) {
    // Window descriptor: 2^(10 + exponent) bytes; the wasm (32-bit) build handles up to 2^30.
    if (10 + ((frame[at] ?? 0) >> 3) > 30) throw corrupt('window size too large');
    at += 1;
  }
  if (frame.length < at + dictionaryIdSize + contentSizeSize)
    throw corrupt('truncated frame header');
  if (dictionaryIdSize > 0 && readUint(frame, at, dictionaryIdSize) !== 0) {
    throw corrupt('frame needs a dictionary');
  }
  at += dictionaryIdSize;
  if (contentSizeSize === 0) return undefined;
  return readUint(frame, at, contentSizeSize) + (contentSizeSize === 2 ? 256 : 0);
}

export async function zstdEncode(raw: Uint8Array, level: number): Promise<Uint8Array> {
  const zstd = await loadZstd();
  return zstd.compress(raw, level);
}

/** Decodes one zstd frame that must decompress to exactly `expectedLength` bytes. */
export async function zstdDecode(
  compressed: Uint8Array,
  expectedLength: number,
): Promise<Uint8Array> {
  const declared = zstdFrameContentSize(compressed);
  if (declared !== undefined && declared !== expectedLength) {
    throw new ChunkCodecError(
      'length_mismatch',
      `zstd frame declares ${declared} bytes, a chunk has ${expectedLength}`,
    );
  }
  const zstd = await loadZstd();
  let out: Uint8Array;
  try {
    // The library copies its input into wasm memory, so shared or unaligned views are fine.
    out = zstd.decompress(compressed, { defaultHeapSize: expectedLength });
  } catch (error) {
    // The library's messages say "Failed to compress with code N" even when decompressing.
    const code = /code (-?\d+)/.exec(reasonOf(error))?.[1];
    const why = code === undefined ? reasonOf(error) : `zstd error ${code}`;
    throw new ChunkCodecError('corrupt', `zstd data cannot be decoded (${why})`, { cause: error });
  }
  if (out.length !== expectedLength) {
    throw new ChunkCodecError(
      'length_mismatch',
      `zstd data decompresses to ${out.length} bytes, a chunk has ${expectedLength}`,
    );
  }
  return out;
}
