// Edits stored arrays (a signal or a pyramid level) chunk by chunk: read a chunk's current
// version (verified against its manifest hash), change some of its values, store the new
// version under its new hash and record it in the manifest page. Appends and late data are the
// same operation — a chunk past the end starts as fill values — so ingestion touches only the
// chunks its records land in: O(new data), never O(signal). Superseded versions stay in the
// blob store (by hash) until the garbage collector's grace period ends.
import { createHash } from 'node:crypto';
import {
  allocate,
  type ChunkLayout,
  decodeChunk,
  encodeChunk,
  type SignalArray,
} from '../../src/shared/chunk/index.ts';
import { type ManifestEntry, manifestPageSize, pageId } from '../../src/shared/signal/types.ts';
import type { Principal } from '../auth/principal.ts';
import type { LakeWriter } from '../lake-context.ts';
import type { WireBulkItem } from '../../src/shared/wire/lake.ts';
import type { ChunkCache } from './chunk-cache.ts';
import { WriteSet } from './write-set.ts';

export interface EditableArray {
  /** The array document's id (pages are `${id}/manifest/${n}`). */
  id: string;
  /** Codec layout of one chunk, in values (a pyramid level: 4 values per bucket). */
  layout: ChunkLayout;
  /** Values per item (1 for samples, 4 for buckets). */
  valuesPerItem: number;
  /** Manifest entry of a chunk from its valid values. */
  entry: (sha256: string, values: SignalArray) => ManifestEntry;
}

interface CachedChunk {
  values: SignalArray;
  /** Valid items. */
  count: number;
  dirty: boolean;
}

export class ArrayEditor {
  readonly #chunks = new Map<number, CachedChunk>();
  readonly #pages = new Map<number, ManifestEntry[]>();
  readonly #dirtyPages = new Set<number>();
  readonly #itemsPerChunk: number;

  constructor(
    private readonly opened: LakeWriter,
    private readonly principal: Principal,
    private readonly array: EditableArray,
    /** Decoded versions this lake wrote lately (the next edit of a tail starts from them). */
    private readonly cache?: ChunkCache,
  ) {
    this.#itemsPerChunk = array.layout.chunkLength / array.valuesPerItem;
  }

  get itemsPerChunk(): number {
    return this.#itemsPerChunk;
  }

  async #page(page: number): Promise<ManifestEntry[]> {
    let entries = this.#pages.get(page);
    if (entries === undefined) {
      const doc = await this.opened.lake.meta.getDoc(pageId(this.array.id, page));
      const stored = doc === undefined || doc.deleted ? [] : doc.body.entries;
      entries = Array.isArray(stored) ? (stored as ManifestEntry[]).slice() : [];
      this.#pages.set(page, entries);
    }
    return entries;
  }

  /** The chunk's values (a full chunk, fill-padded) and its valid item count; fill if absent. */
  async chunk(index: number): Promise<CachedChunk> {
    const cached = this.#chunks.get(index);
    if (cached !== undefined) return cached;
    const entries = await this.#page(Math.floor(index / manifestPageSize));
    const entry = entries[index % manifestPageSize];
    let chunk: CachedChunk;
    if (entry === undefined) {
      const values = allocate(this.array.layout.dtype, this.array.layout.chunkLength);
      values.fill(this.array.layout.fillValue ?? Number.NaN);
      chunk = { values, count: 0, dirty: false };
    } else {
      const cached = this.cache?.get(entry.sha256);
      if (cached !== undefined) {
        chunk = { values: cached, count: entry.count, dirty: false };
        this.#chunks.set(index, chunk);
        return chunk;
      }
      const bytes = await this.opened.lake.blobs.readAll(entry.sha256);
      // The disk is a trust boundary: the bytes must be those the manifest names.
      if (createHash('sha256').update(bytes).digest('hex') !== entry.sha256) {
        throw new Error(`Chunk ${index} of "${this.array.id}" does not match its hash`);
      }
      const values = await decodeChunk(bytes, this.array.layout);
      chunk = { values: values.slice(), count: entry.count, dirty: false };
    }
    this.#chunks.set(index, chunk);
    return chunk;
  }

  /** Marks a chunk changed, with its new valid item count. */
  touch(index: number, count: number): void {
    const chunk = this.#chunks.get(index);
    if (chunk === undefined) throw new Error(`Chunk ${index} of "${this.array.id}" was not read`);
    chunk.dirty = true;
    chunk.count = Math.max(chunk.count, count);
  }

  /**
   * Hands every changed chunk to `set` (stored in its commit) and returns the manifest pages
   * that name them, for the caller to write with the array's header.
   */
  async flushInto(set: WriteSet): Promise<WireBulkItem[]> {
    for (const [index, chunk] of [...this.#chunks].sort(([a], [b]) => a - b)) {
      if (!chunk.dirty) continue;
      const valid = chunk.values.subarray(0, chunk.count * this.array.valuesPerItem);
      const encoded = await encodeChunk(valid, this.array.layout);
      await set.putChunk(encoded.sha256, encoded.bytes);
      this.cache?.set(encoded.sha256, chunk.values);
      const page = Math.floor(index / manifestPageSize);
      const entries = await this.#page(page);
      // Pages are dense: a gap before this chunk (never expected) is filled by the caller.
      entries[index % manifestPageSize] = this.array.entry(encoded.sha256, valid);
      this.#dirtyPages.add(page);
      chunk.dirty = false;
    }
    const writes = [...this.#dirtyPages].map((page) => ({
      id: pageId(this.array.id, page),
      doc: {
        type: 'chunk-page',
        signalId: this.array.id,
        page,
        entries: this.#pages.get(page) ?? [],
      },
    }));
    this.#dirtyPages.clear();
    return writes;
  }

  /** Stores every changed chunk and manifest page now; the array's header is the caller's. */
  async flush(): Promise<void> {
    const set = new WriteSet(this.opened, this.principal);
    set.addFamily(await this.flushInto(set));
    await set.commit();
  }
}
