// The chunk channel as the sync engine sees it: the lake's `LakeChunks` in the app, anything
// with the same three calls in tests. Chunks and attachments travel here, never inside
// documents (DESIGN.md, "Sync").
import type { CallOptions } from '../types.ts';

export interface ChunkTransferProgress {
  sha256: string;
  bytesDone: number;
  bytesTotal: number;
}

export type ChunkProbe = { stored: true; length: number } | { stored: false; offset: number };

export interface RemoteChunks {
  /** Whether the remote holds the chunk, or how many bytes of an unfinished upload it holds. */
  probe(sha256: string, options?: CallOptions): Promise<ChunkProbe>;
  /** Idempotent, resumable, verified by the remote (a hash mismatch stores nothing). */
  upload(
    sha256: string,
    bytes: Uint8Array,
    options?: CallOptions & { onProgress?: (progress: ChunkTransferProgress) => void },
  ): Promise<{ status: 'created' | 'present'; bytesSent: number }>;
  /** The chunk's bytes, verified against sha256 before they are returned. */
  download(
    sha256: string,
    options?: CallOptions & {
      onProgress?: (progress: ChunkTransferProgress) => void;
      length?: number;
    },
  ): Promise<Uint8Array>;
}
