// The storage contract: every storage (memory, indexeddb, query, lake, replicate) implements
// it, every screen, worker and the sync engine talks to it, and one conformance suite
// (conformance/) holds each implementation to it. Inputs and outputs are plain,
// structured-clone-safe data so a storage can run behind a worker; long calls take an
// AbortSignal and reject with its reason (an AbortError) when it aborts.
//
// Semantics follow jIO (WENDELIN.md, "jIO"), with revisions added for replication:
// - A document is a JSON object. Keys starting with `_` are reserved: storages add `_rev`
//   (`<generation>-<token>`) to what they return. Writing a document that carries `_rev` is a
//   conditional write: it succeeds only if the stored revision is that one (else 412), as in
//   CouchDB; without `_rev` the write is unconditional.
// - `remove` leaves a tombstone that the change feed reports; `get` of a removed id is 404.
// - Errors are JioError (errors.ts); bulk operations return per-item results instead.
import type { AllDocsOptions, Row } from '../shared/query/index.ts';
import type { JioErrorJSON } from './errors.ts';

/** A stored document: JSON data. `_rev` is present on what storages return. */
export type JioDocument = Record<string, unknown> & { _rev?: string };

/** Options every call accepts. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** What a storage can do; allDocs options that need a missing capacity answer 501. */
export type Capacity =
  | 'list' // allDocs without options
  | 'include' // include_docs
  | 'query' // query
  | 'sort' // sort_on
  | 'limit' // limit
  | 'select' // select_list
  | 'changes' // changes()
  | 'bulk' // bulkWrite()
  | 'attachments' // *Attachment()
  | 'range'; // getAttachment with start/end without reading the whole attachment

export type { AllDocsOptions, Row };

export interface AllDocsResult {
  data: { rows: Row[]; total_rows: number };
}

/** Formats getAttachment can answer in, as jIO's. */
export type AttachmentFormat = 'blob' | 'array_buffer' | 'text' | 'json' | 'data_url';

/** What getAttachment answers for each format. */
export interface AttachmentFormats {
  blob: Blob;
  array_buffer: ArrayBuffer;
  text: string;
  json: unknown;
  data_url: string;
}

export interface GetAttachmentOptions<
  F extends AttachmentFormat = AttachmentFormat,
> extends CallOptions {
  /** First byte, inclusive (default 0). */
  start?: number;
  /** Last byte, exclusive (default: the attachment's length). Clamped to the length. */
  end?: number;
  format?: F;
}

export type AttachmentData = Blob | ArrayBuffer | Uint8Array;

export interface AttachmentInfo {
  content_type: string;
  length: number;
  /** `sha256-<hex>` of the whole attachment. */
  digest: string;
}

export interface PutAttachmentOptions extends CallOptions {
  /** MIME type; defaults to the Blob's type or application/octet-stream. */
  contentType?: string;
}

/** One entry of the change feed: the latest change of one document. */
export interface Change {
  /** Storage sequence of this change; strictly increasing within one storage. */
  seq: number;
  id: string;
  rev: string;
  deleted: boolean;
}

/**
 * A change-feed checkpoint: pass back exactly what `last_seq` was. Local storages use
 * sequence numbers; the lake answers an opaque string while it backfills sites newly granted
 * to the reader (docs/lake-api.md, "Checkpoints").
 */
export type Checkpoint = number | string;

export interface ChangesOptions extends CallOptions {
  /** Only changes after this checkpoint (default 0: everything). */
  since?: Checkpoint;
  /** At most this many (default 1000). */
  limit?: number;
  /** Also return each document as it is now (absent for deletions). */
  include_docs?: boolean;
}

export interface ChangesResult {
  results: (Change & { doc?: JioDocument })[];
  /** The checkpoint to pass as `since` next time. */
  last_seq: Checkpoint;
}

/** One conditional write of a bulk operation (the replication protocol's unit). */
export interface BulkWriteItem {
  id: string;
  /** The new content; absent (or `deleted: true`) for a deletion. `_rev` in it is ignored. */
  doc?: JioDocument;
  deleted?: boolean;
  /**
   * The revision the writer believes is stored: a string, `null` for "must not exist yet",
   * or undefined for an unconditional write.
   */
  assumedRev?: string | null;
}

export type BulkWriteResult =
  | { id: string; ok: true; rev: string }
  | {
      id: string;
      ok: false;
      /** 409 conflict (with `current`), 400 invalid item, or another JioError code. */
      error: JioErrorJSON;
    };

export interface RepairReport {
  /** Numbered, structured entries (jIO's replicate report); empty for storages with nothing to repair. */
  entries: { code: string; id?: string; message: string }[];
}

/** The storage contract. */
export interface Storage {
  /** The document with its `_rev`. 404 when missing or removed. */
  get(id: string, options?: CallOptions): Promise<JioDocument>;
  /** Writes doc under id and returns id. A `_rev` in doc makes it conditional (412). */
  put(id: string, doc: JioDocument, options?: CallOptions): Promise<string>;
  /** Writes doc under a new id and returns it. */
  post(doc: JioDocument, options?: CallOptions): Promise<string>;
  /** Removes the document and its attachments (a tombstone stays for the change feed). 404 when missing. */
  remove(id: string, options?: CallOptions): Promise<string>;
  /** Lists documents; query/sort/limit/select need those capacities (501 otherwise). */
  allDocs(options?: AllDocsOptions & CallOptions): Promise<AllDocsResult>;
  /** `{name: info}` of the document's attachments. 404 when the document is missing. */
  allAttachments(id: string, options?: CallOptions): Promise<Record<string, AttachmentInfo>>;
  /** Stores data as attachment `name` of document id (which must exist). */
  putAttachment(
    id: string,
    name: string,
    data: AttachmentData,
    options?: PutAttachmentOptions,
  ): Promise<AttachmentInfo>;
  /** Bytes [start, end) of the attachment, in the requested format (default blob). */
  getAttachment<F extends AttachmentFormat = 'blob'>(
    id: string,
    name: string,
    options?: GetAttachmentOptions<F>,
  ): Promise<AttachmentFormats[F]>;
  /** Removes one attachment. 404 when missing. */
  removeAttachment(id: string, name: string, options?: CallOptions): Promise<void>;
  /** Whether this storage has the capacity. */
  hasCapacity(name: Capacity): boolean;
  /** Sync or check; storages with nothing to repair answer an empty report. */
  repair(options?: CallOptions): Promise<RepairReport>;
  /** The change feed after a checkpoint (capacity `changes`, else 501). */
  changes(options?: ChangesOptions): Promise<ChangesResult>;
  /** Conditional writes with per-item results (capacity `bulk`, else 501). */
  bulkWrite(items: readonly BulkWriteItem[], options?: CallOptions): Promise<BulkWriteResult[]>;
  /** Releases connections; later calls fail. */
  close(): Promise<void>;
}
