// Request and response shapes of the lake's document, sync and chunk routes
// (docs/lake-api.md), shared by the server and its browser clients.

/** A sync checkpoint: a sequence number, or an opaque string while a backfill runs. */
export type Checkpoint = number | string;

export interface WireChange {
  seq: number;
  id: string;
  rev: string;
  deleted: boolean;
  /** The document with `_rev` (include_docs, live documents only). */
  doc?: Record<string, unknown>;
}

export interface ChangesResponse {
  results: WireChange[];
  last_seq: Checkpoint;
}

export interface WireBulkItem {
  id: string;
  doc?: Record<string, unknown>;
  deleted?: boolean;
  assumedRev?: string | null;
}

export interface BulkRequest {
  items: WireBulkItem[];
}

export type WireBulkResult =
  | { id: string; ok: true; rev: string }
  | {
      id: string;
      ok: false;
      error: {
        code: string;
        status: number;
        message: string;
        reason?: string;
        current?: Record<string, unknown> | null;
      };
    };

export interface WriteResponse {
  id: string;
  rev: string;
}

/** Header of HEAD /api/chunks/:sha256 (404) and PUT 202/409: bytes of an upload held. */
export const UPLOAD_OFFSET_HEADER = 'fieldlake-upload-offset';

/** Largest chunk or attachment the lake accepts by default. */
export const DEFAULT_MAX_CHUNK_BYTES = 256 * 1024 * 1024;

/** Name of the session cookie. */
export const SESSION_COOKIE = 'fieldlake_session';
