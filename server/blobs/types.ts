// The lake's byte store: chunk (and attachment) bytes addressed by SHA-256, resumable uploads,
// and the Zarr v3 view — the current version of every chunk at its positional key under a
// group per dataset, so that Zarr readers open the lake's directory directly. The embedded lake
// implements it on the filesystem (fs-blob-store.ts); the scale-out lake will implement it on
// S3, and one suite (blob-store.suite.ts) holds both to it.
//
// Durability: a blob becomes visible only complete and verified (temp file, fsync, rename,
// fsync of the directory), so a crash never leaves half a chunk under its hash or its key.

/**
 * Bytes to store: one buffer, or a stream of buffers (an HTTP body) read once. A store stops
 * reading at its first error (or when it needs no more) and never cancels the stream: the
 * caller owns it (an HTTP server drains or closes a body nobody read).
 */
export type ByteSource = Uint8Array | AsyncIterable<Uint8Array>;

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, exclusive. */
  end: number;
}

export interface PutResult {
  /** False when the blob was already stored (idempotent PUT: nothing written). */
  created: boolean;
  length: number;
}

export interface PartialState {
  /** Bytes of an unfinished upload already held durably (0 when none). */
  held: number;
  /** The total length announced by the upload's first piece, if any. */
  total: number | null;
}

export type AppendResult =
  { complete: false; held: number } | { complete: true; created: boolean; length: number };

/** A node path in the Zarr hierarchy: validated names (zarr-path.ts), root first. */
export type ZarrPath = readonly string[];

export interface BlobStore {
  /** Length of a stored blob, or undefined. */
  stat(sha256: string): Promise<{ length: number } | undefined>;
  /**
   * Stores the bytes under their hash after checking it while they stream in. A blob already
   * stored answers created: false without reading the source.
   * Throws BlobStoreError hash_mismatch (nothing kept), too_large (over maxLength), no_space,
   * or aborted (the source failed: nothing kept).
   */
  put(sha256: string, source: ByteSource, options?: { maxLength?: number }): Promise<PutResult>;
  /** How much of an unfinished upload of this hash is held. */
  partial(sha256: string): Promise<PartialState>;
  /**
   * Appends bytes [offset, offset + n) of an upload of `total` bytes. offset must equal what
   * is held (else offset_mismatch, with the held count). When the upload completes, its hash is
   * verified (hash_mismatch: the partial upload is discarded) and the blob becomes visible.
   * Bytes appended are durable (fsynced) before this resolves. When a piece fails midway
   * (aborted, no_space, a piece beyond `total`: invalid), what arrived and could be made
   * durable is kept, so that the client resumes from there; the error's details.held (and
   * partial()) say how much, never all of `total` (the last byte is then sent again).
   */
  append(sha256: string, offset: number, total: number, source: ByteSource): Promise<AppendResult>;
  /** Discards an unfinished upload. */
  abandon(sha256: string): Promise<void>;
  /**
   * The bytes (or a range of them, which must lie within the blob, else invalid) as a stream;
   * BlobStoreError not_found when missing.
   */
  read(sha256: string, range?: ByteRange): Promise<AsyncIterable<Uint8Array>>;
  /** The whole blob in memory (small blobs: attachments, metadata). */
  readAll(sha256: string): Promise<Uint8Array>;
  delete(sha256: string): Promise<void>;
  /** Hashes of stored blobs, for the garbage collector's sweep and consistency checks. */
  list(): AsyncIterable<string>;

  /** Writes a node's zarr.json atomically (creating parents). */
  writeZarrMetadata(path: ZarrPath, metadata: object): Promise<void>;
  /** Makes chunk `key` (e.g. ['c', '3']) of the array at `path` hold the blob's bytes. */
  setZarrChunk(path: ZarrPath, key: readonly string[], sha256: string): Promise<void>;
  /** Reads a file of the Zarr view (zarr.json or a chunk) for the HTTP view; undefined if none. */
  readZarr(path: ZarrPath, key: readonly string[]): Promise<Uint8Array | undefined>;
  /** Removes a node and everything under it. */
  removeZarrNode(path: ZarrPath): Promise<void>;
  /**
   * Makes every Zarr-view write so far durable. The view is derived state (rebuilt from the
   * documents from the last position the lake stored): its metadata and chunk-key writes are
   * atomic for readers at once but may be durable only at this call, which the derived state
   * makes before it stores its position — one fsync per file touched since, however many times
   * it was rewritten, instead of two per write. A store whose writes are durable at once (S3)
   * has nothing to do.
   */
  syncZarr(): Promise<void>;
  close(): Promise<void>;
}

export type BlobStoreErrorCode =
  | 'hash_mismatch'
  | 'too_large'
  | 'no_space'
  | 'not_found'
  | 'offset_mismatch'
  | 'aborted'
  | 'invalid'
  /**
   * The store behind the blobs cannot be reached or keeps failing (an object store's 5xx,
   * throttling, a network error, after the client's retries): nothing was changed that the
   * caller could rely on; retry later. The filesystem store never reports it.
   */
  | 'unavailable';

export class BlobStoreError extends Error {
  override name = 'BlobStoreError';
  constructor(
    readonly code: BlobStoreErrorCode,
    message: string,
    readonly details: { held?: number } = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
