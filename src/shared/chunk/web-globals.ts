// The few web-standard globals the codec uses, typed narrowly. tsconfig.pure.json has only the
// ES2023 lib (no DOM, no @types/node), so instead of declaring globals (which would clash with
// the DOM lib where tests compile) we read them off `globalThis` through these interfaces.
// All of them exist in Chromium (window, workers, service worker) and in Node 20.
import { ChunkCodecError } from './errors.ts';

export type ByteReadResult = { done: false; value: Uint8Array } | { done: true; value?: undefined };

export interface ByteStreamReader {
  read(): Promise<ByteReadResult>;
  cancel(reason?: unknown): Promise<void>;
}

export interface ByteStreamWriter {
  write(chunk: Uint8Array<ArrayBuffer>): Promise<void>;
  close(): Promise<void>;
}

/** A CompressionStream or DecompressionStream. */
export interface ByteTransformStream {
  readonly readable: { getReader(): ByteStreamReader };
  readonly writable: { getWriter(): ByteStreamWriter };
}

export type ByteTransformStreamConstructor = new (format: 'gzip') => ByteTransformStream;

export interface Sha256Digest {
  digest(algorithm: 'SHA-256', data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
}

interface WebGlobals {
  readonly crypto?: { readonly subtle?: Sha256Digest };
  readonly CompressionStream?: ByteTransformStreamConstructor;
  readonly DecompressionStream?: ByteTransformStreamConstructor;
  readonly setTimeout?: (callback: () => void, ms: number) => unknown;
  readonly clearTimeout?: (handle: unknown) => void;
}

const web = globalThis as unknown as WebGlobals;

export function subtleCrypto(): Sha256Digest {
  const subtle = web.crypto?.subtle;
  if (subtle === undefined) {
    throw new ChunkCodecError(
      'unsupported_codec',
      'SHA-256 needs crypto.subtle, which browsers give only to secure contexts (https or localhost)',
    );
  }
  return subtle;
}

export function gzipStreams(): {
  compress: ByteTransformStreamConstructor;
  decompress: ByteTransformStreamConstructor;
} {
  const compress = web.CompressionStream;
  const decompress = web.DecompressionStream;
  if (compress === undefined || decompress === undefined) {
    throw new ChunkCodecError(
      'unsupported_codec',
      'the gzip codec needs CompressionStream and DecompressionStream, which this runtime lacks',
    );
  }
  return { compress, decompress };
}

/** Rejects with `error()` after `ms` unless `promise` settles first; the timer never outlives it. */
export async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  error: () => Error,
): Promise<T> {
  const set = web.setTimeout;
  const clear = web.clearTimeout;
  if (set === undefined || clear === undefined) return promise;
  let handle: unknown;
  const timeout = new Promise<never>((_resolve, reject) => {
    handle = set(() => {
      reject(error());
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clear(handle);
  }
}
