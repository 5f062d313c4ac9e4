// What the sync engine remembers between runs, kept in its own storage (`fieldlake-sync` in
// IndexedDB, memory in tests) beside the local documents it describes:
// - per document, the revision the lake holds (`masterRev`, RxDB's "assumed master state") and
//   the local revision that corresponds to it (`localRev`). A local document whose revision is
//   not `localRev` is in the outbox: that is the whole definition, so the outbox cannot be lost
//   or drift — it is recomputed from the documents themselves on every start;
// - the last failure of a document's push, so the status can say what failed and why;
// - the pull checkpoint, written in the same bulk write as the metadata of what it covers, so
//   a checkpoint never runs ahead of what was stored.
import type { BulkWriteItem, Checkpoint, Storage } from '../types.ts';

/** Why a push of one document did not go through (kept until it does). */
export interface PushFailure {
  /** The local revision that failed. */
  rev: string;
  code: string;
  reason?: string;
  message: string;
  /** Device time (display only). */
  at: number;
}

export interface DocSyncMeta {
  /** Revision on the lake (a tombstone's too); null when the lake never had the document. */
  masterRev: string | null;
  /** Local revision equal to masterRev's content; null when there is no local document. */
  localRev: string | null;
  failure?: PushFailure;
  /**
   * Lake revisions this device's pushes would have produced, recorded before each push: a
   * conflict whose lake side is one of them is our own write, applied with its answer lost.
   */
  sent?: string[];
}

const CHECKPOINT_ID = 'checkpoint';
const META_PREFIX = 'm/';
const HASHED_PREFIX = 'h/';
/** Longest document id stored under `m/<id>`: the state storage's ids have the same 1024 limit. */
const PLAIN_ID_LIMIT = 1000;

function isMeta(value: unknown): value is { docId: string } & DocSyncMeta {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.docId === 'string' &&
    (record.masterRev === null || typeof record.masterRev === 'string') &&
    (record.localRev === null || typeof record.localRev === 'string')
  );
}

async function metaKey(docId: string): Promise<string> {
  if (docId.length <= PLAIN_ID_LIMIT) return META_PREFIX + docId;
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(docId));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  return HASHED_PREFIX + hex;
}

/** The engine's memory of the lake, loaded once and written through in batches. */
export class SyncState {
  readonly #meta = new Map<string, DocSyncMeta>();
  #checkpoint: Checkpoint = 0;

  private constructor(private readonly storage: Storage) {}

  static async open(storage: Storage): Promise<SyncState> {
    const state = new SyncState(storage);
    const { data } = await storage.allDocs({ include_docs: true });
    for (const row of data.rows) {
      const doc = row.doc;
      if (row.id === CHECKPOINT_ID) {
        const value = doc?.value;
        if (typeof value === 'number' || typeof value === 'string') state.#checkpoint = value;
      } else if (isMeta(doc)) {
        const { docId, masterRev, localRev, failure, sent } = doc;
        state.#meta.set(docId, {
          masterRev,
          localRev,
          ...(failure === undefined ? {} : { failure }),
          ...(Array.isArray(sent) ? { sent: sent.filter((rev) => typeof rev === 'string') } : {}),
        });
      }
    }
    return state;
  }

  get checkpoint(): Checkpoint {
    return this.#checkpoint;
  }

  meta(docId: string): DocSyncMeta | undefined {
    return this.#meta.get(docId);
  }

  /** Document ids with a failed push. */
  failures(): [string, PushFailure][] {
    const failed: [string, PushFailure][] = [];
    for (const [id, meta] of this.#meta)
      if (meta.failure !== undefined) failed.push([id, meta.failure]);
    return failed;
  }

  get size(): number {
    return this.#meta.size;
  }

  /**
   * Stores these metadata (and the checkpoint, when given) in one bulk write — one
   * transaction in IndexedDB — then updates the memory. Throws when the write fails: the
   * caller's batch is then redone, which every step of the protocol tolerates.
   */
  async commit(updates: ReadonlyMap<string, DocSyncMeta>, checkpoint?: Checkpoint): Promise<void> {
    if (updates.size === 0 && checkpoint === undefined) return;
    const items: BulkWriteItem[] = await Promise.all(
      [...updates].map(async ([docId, meta]) => ({
        id: await metaKey(docId),
        doc: { docId, ...meta },
      })),
    );
    if (checkpoint !== undefined) items.push({ id: CHECKPOINT_ID, doc: { value: checkpoint } });
    const results = await this.storage.bulkWrite(items);
    for (const result of results) {
      if (!result.ok) {
        throw new Error(`sync state: cannot store ${result.id}: ${result.error.message}`);
      }
    }
    for (const [docId, meta] of updates) this.#meta.set(docId, meta);
    if (checkpoint !== undefined) this.#checkpoint = checkpoint;
  }

  /** Forgets what it knew of these documents (purged locally: a later pull brings them back). */
  async forget(docIds: readonly string[]): Promise<void> {
    if (docIds.length === 0) return;
    const items: BulkWriteItem[] = await Promise.all(
      docIds.map(async (docId) => ({ id: await metaKey(docId), deleted: true })),
    );
    for (const result of await this.storage.bulkWrite(items)) {
      if (!result.ok && result.error.code !== 'not_found') {
        throw new Error(`sync state: cannot forget ${result.id}: ${result.error.message}`);
      }
    }
    for (const docId of docIds) this.#meta.delete(docId);
  }

  /** Forgets everything (another user signed in here; the previous one's data was put aside). */
  async clear(): Promise<void> {
    const { data } = await this.storage.allDocs();
    const results = await this.storage.bulkWrite(
      data.rows
        // Device settings (the storage budget) and the outboxes put aside for other users
        // outlive a change of user.
        .filter((row) => !row.id.startsWith('setting/') && !row.id.startsWith('parked/'))
        .map((row) => ({ id: row.id, deleted: true })),
    );
    const failed = results.find((result) => !result.ok);
    if (failed !== undefined) throw new Error(`sync state: cannot clear ${failed.id}`);
    this.#meta.clear();
    this.#checkpoint = 0;
  }
}
