// The default chunk store: chunk bytes and their accounting in IndexedDB (two tables, so that
// usage and eviction scans never read bytes). Reads record their time for LRU in memory and
// write it back in batches, so a read costs no write transaction.
import { sha256Hex } from '../../shared/chunk/index.ts';
import { JioError } from '../errors.ts';
import { runIdb } from '../storages/indexeddb/idb-errors.ts';
import {
  type ChunkMetaRow,
  type FieldlakeDexie,
  type IndexedDbEnvironment,
  openFieldlakeDexie,
} from '../storages/indexeddb/schema.ts';
import type { CallOptions } from '../types.ts';
import {
  checkHash,
  checkKitId,
  checkPutItems,
  pickEvictions,
  summarizeUsage,
  withOwner,
} from './chunk-rules.ts';
import type { ChunkStoreClock } from './memory-chunk-store.ts';
import type {
  ChunkInfo,
  ChunkPutItem,
  ChunkPutOptions,
  ChunkStore,
  ChunkUsage,
  EvictionResult,
} from './types.ts';

const touchFlushSize = 256;
const touchFlushMs = 2000;

function toInfo(row: ChunkMetaRow): ChunkInfo {
  return {
    sha256: row.sha256,
    byteLength: row.byteLength,
    owners: row.owners,
    lastUsed: row.lastUsed,
    unsynced: row.unsynced === 1,
    kits: row.kits,
  };
}

/** An ArrayBuffer holding exactly these bytes, without a copy when the view is the whole buffer. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  if (
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer
  ) {
    return bytes.buffer;
  }
  return bytes.slice().buffer;
}

export class IndexedDbChunkStore implements ChunkStore {
  readonly #touched = new Map<string, number>();
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: FieldlakeDexie,
    private readonly clock: ChunkStoreClock = { now: () => Date.now() },
  ) {}

  async put(items: readonly ChunkPutItem[], options: ChunkPutOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    await checkPutItems(items, options.verified === true);
    options.signal?.throwIfAborted();
    const now = this.clock.now();
    const buffers = items.map((item) => ownBuffer(item.bytes));
    await runIdb('storing chunks', () =>
      this.db.transaction('rw', [this.db.chunkBytes, this.db.chunkMeta], async () => {
        // Bytes are written whether or not the chunk is already here (same hash, same bytes),
        // so the write need not wait for the lookup of the accounting rows.
        const bytesRows = new Map(
          items.map((item, index) => [item.sha256, buffers[index] ?? new ArrayBuffer(0)]),
        );
        const [existing] = await Promise.all([
          this.db.chunkMeta.bulkGet(items.map((item) => item.sha256)),
          this.db.chunkBytes.bulkPut([...bytesRows.values()], [...bytesRows.keys()]),
        ]);
        const metas = new Map<string, ChunkMetaRow>();
        items.forEach((item, index) => {
          const previous = metas.get(item.sha256) ?? existing[index];
          const row: ChunkMetaRow = previous
            ? { ...previous, owners: withOwner(previous.owners, item.owner), lastUsed: now }
            : {
                sha256: item.sha256,
                byteLength: item.bytes.byteLength,
                owners: [item.owner],
                lastUsed: now,
                unsynced: 0,
                kits: [],
              };
          if (options.unsynced === true) row.unsynced = 1;
          metas.set(item.sha256, row);
        });
        await this.db.chunkMeta.bulkPut([...metas.values()]);
      }),
    );
  }

  async get(
    hashes: readonly string[],
    options: CallOptions & { verify?: boolean } = {},
  ): Promise<(Uint8Array | undefined)[]> {
    options.signal?.throwIfAborted();
    const keys = hashes.map(checkHash);
    const rows = await runIdb('reading chunks', () => this.db.chunkBytes.bulkGet(keys));
    const now = this.clock.now();
    const found = rows.map((row) => (row === undefined ? undefined : new Uint8Array(row)));
    for (const [index, bytes] of found.entries()) {
      if (bytes === undefined) continue;
      if (options.verify === true && (await sha256Hex(bytes)) !== keys[index]) {
        throw new JioError('internal', `Stored chunk ${keys[index] ?? ''} is corrupt`, {
          reason: 'hash_mismatch',
        });
      }
      this.#touch(keys[index] ?? '', now);
    }
    return found;
  }

  async has(hashes: readonly string[], options?: CallOptions): Promise<boolean[]> {
    options?.signal?.throwIfAborted();
    const keys = hashes.map(checkHash);
    const rows = await runIdb('looking up chunks', () => this.db.chunkMeta.bulkGet(keys));
    return rows.map((row) => row !== undefined);
  }

  async info(hashes: readonly string[], options?: CallOptions): Promise<(ChunkInfo | undefined)[]> {
    options?.signal?.throwIfAborted();
    const keys = hashes.map(checkHash);
    await this.#flushTouches();
    const rows = await runIdb('reading chunk accounting', () => this.db.chunkMeta.bulkGet(keys));
    return rows.map((row) => (row === undefined ? undefined : toInfo(row)));
  }

  async delete(hashes: readonly string[], options?: CallOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    const keys = hashes.map(checkHash);
    for (const key of keys) this.#touched.delete(key);
    await runIdb('deleting chunks', () =>
      this.db.transaction('rw', [this.db.chunkBytes, this.db.chunkMeta], async () => {
        await this.db.chunkBytes.bulkDelete(keys);
        await this.db.chunkMeta.bulkDelete(keys);
      }),
    );
  }

  async markSynced(hashes: readonly string[], options?: CallOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    const keys = hashes.map(checkHash);
    await runIdb('marking chunks synced', () =>
      this.db.chunkMeta
        .where('sha256')
        .anyOf(keys)
        .modify((row) => {
          row.unsynced = 0;
        }),
    );
  }

  async list(options?: CallOptions): Promise<ChunkInfo[]> {
    options?.signal?.throwIfAborted();
    await this.#flushTouches();
    const rows = await runIdb('listing chunks', () => this.db.chunkMeta.toArray());
    return rows.map(toInfo);
  }

  async listUnsynced(limit = 1000, options?: CallOptions): Promise<ChunkInfo[]> {
    options?.signal?.throwIfAborted();
    await this.#flushTouches();
    const rows = await runIdb('listing unsynced chunks', () =>
      this.db.chunkMeta.where('unsynced').equals(1).toArray(),
    );
    return rows
      .map(toInfo)
      .sort((a, b) => a.lastUsed - b.lastUsed)
      .slice(0, limit);
  }

  async pin(kitId: string, hashes: readonly string[], options?: CallOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    checkKitId(kitId);
    const keys = hashes.map(checkHash);
    await runIdb('pinning chunks', () =>
      this.db.transaction('rw', [this.db.chunkMeta], async () => {
        const rows = await this.db.chunkMeta.bulkGet(keys);
        const missing = keys.filter((_, index) => rows[index] === undefined);
        if (missing.length > 0) {
          throw new JioError(
            'not_found',
            `Cannot pin ${missing.length} chunk(s) that are not stored, e.g. ${missing[0] ?? ''}`,
          );
        }
        const changed = rows.flatMap((row) =>
          row !== undefined && !row.kits.includes(kitId)
            ? [{ ...row, kits: [...row.kits, kitId] }]
            : [],
        );
        await this.db.chunkMeta.bulkPut(changed);
      }),
    );
  }

  async unpin(kitId: string, options?: CallOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    checkKitId(kitId);
    await runIdb('unpinning chunks', () =>
      this.db.chunkMeta
        .where('kits')
        .equals(kitId)
        .modify((row) => {
          row.kits = row.kits.filter((kit) => kit !== kitId);
        }),
    );
  }

  async usage(options?: CallOptions): Promise<ChunkUsage> {
    options?.signal?.throwIfAborted();
    await this.#flushTouches();
    const rows = await runIdb('summing chunk usage', () => this.db.chunkMeta.toArray());
    return summarizeUsage(rows.map(toInfo));
  }

  async evict(bytes: number, options?: CallOptions): Promise<EvictionResult> {
    options?.signal?.throwIfAborted();
    await this.#flushTouches();
    return runIdb('evicting chunks', () =>
      this.db.transaction('rw', [this.db.chunkBytes, this.db.chunkMeta], async () => {
        // Chosen inside the transaction, so a chunk marked unsynced or pinned meanwhile is safe.
        const candidates = await this.db.chunkMeta.where('unsynced').equals(0).toArray();
        const chosen = pickEvictions(candidates.map(toInfo), bytes).map((info) => info.sha256);
        await this.db.chunkBytes.bulkDelete(chosen);
        await this.db.chunkMeta.bulkDelete(chosen);
        const freedBytes = candidates
          .filter((row) => chosen.includes(row.sha256))
          .reduce((sum, row) => sum + row.byteLength, 0);
        return { freedBytes, evicted: chosen };
      }),
    );
  }

  async close(): Promise<void> {
    await this.#flushTouches();
    this.db.close();
  }

  #touch(hash: string, now: number): void {
    this.#touched.set(hash, now);
    if (this.#touched.size >= touchFlushSize) {
      void this.#flushTouches().catch(() => undefined);
    } else {
      this.#flushTimer ??= setTimeout(() => {
        void this.#flushTouches().catch(() => undefined);
      }, touchFlushMs);
    }
  }

  /** Writes pending last-use times; losing them in a crash only makes LRU slightly less exact. */
  async #flushTouches(): Promise<void> {
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    // Flushes run one after another, and whoever waits for a flush (close, usage, evict) also
    // waits for one already under way.
    const flush = this.#flushing.then(() => this.#writeTouches());
    this.#flushing = flush.catch(() => undefined);
    await flush;
  }

  async #writeTouches(): Promise<void> {
    if (this.#touched.size === 0) return;
    const pending = new Map(this.#touched);
    this.#touched.clear();
    await runIdb('recording chunk use', () =>
      this.db.chunkMeta
        .where('sha256')
        .anyOf([...pending.keys()])
        .modify((row) => {
          row.lastUsed = Math.max(row.lastUsed, pending.get(row.sha256) ?? 0);
        }),
    );
  }
}

export function openIndexedDbChunkStore(
  database: string,
  environment: IndexedDbEnvironment = {},
  clock?: ChunkStoreClock,
): IndexedDbChunkStore {
  return new IndexedDbChunkStore(openFieldlakeDexie(database, environment), clock);
}
