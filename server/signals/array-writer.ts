// Writes one array (a signal or a pyramid level) into the lake as the sync client would: each
// full chunk encoded with the array's Zarr codec chain, stored by hash in the blob store and
// recorded in the chunk index, its manifest entry collected, and each page of 1 024 entries
// written as a chunk-page document once complete. Memory stays at one chunk, whatever the
// array's length.
import {
  allocate,
  type ChunkLayout,
  chunkStats,
  encodeChunk,
  type SignalArray,
} from '../../src/shared/chunk/index.ts';
import { toJsonNumber } from '../../src/shared/signal/json-number.ts';
import { type ManifestEntry, manifestPageSize, pageId } from '../../src/shared/signal/types.ts';
import type { Principal } from '../auth/principal.ts';
import type { OpenLake } from '../lake-context.ts';
import { writeOrThrow } from './write-docs.ts';

/** Statistics of one encoded chunk's valid values, as its manifest entry carries them. */
export type EntryStats = (values: SignalArray) => Omit<ManifestEntry, 'sha256' | 'count'>;

export const sampleStats: EntryStats = (values) => {
  const stats = chunkStats(values);
  return {
    min: toJsonNumber(stats.min),
    max: toJsonNumber(stats.max),
    mean: toJsonNumber(stats.mean),
    finite: stats.count,
    nanCount: stats.nanCount,
  };
};

export interface ArrayWriterOptions {
  opened: OpenLake;
  principal: Principal;
  /** The array document's id (its pages are `${id}/manifest/${n}`). */
  arrayId: string;
  /** The codec layout of one chunk, in values (for a level: 4 × buckets per chunk). */
  layout: ChunkLayout;
  /** Values per manifest entry's `count` unit (4 for pyramid levels: one bucket = 4 values). */
  valuesPerItem: number;
  stats: EntryStats;
}

export class ArrayWriter {
  readonly #buffer: SignalArray;
  #filled = 0;
  #items = 0;
  #entries: ManifestEntry[] = [];
  #page = 0;

  constructor(private readonly options: ArrayWriterOptions) {
    this.#buffer = allocate(options.layout.dtype, options.layout.chunkLength);
  }

  /** Items (samples, or buckets for a level) written so far. */
  get length(): number {
    return this.#items;
  }

  async push(values: SignalArray): Promise<void> {
    let offset = 0;
    while (offset < values.length) {
      const take = Math.min(values.length - offset, this.#buffer.length - this.#filled);
      this.#buffer.set(values.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
      if (this.#filled === this.#buffer.length) await this.#flushChunk();
    }
  }

  /** Writes the partial last chunk and the last page. */
  async finish(): Promise<number> {
    if (this.#filled > 0) await this.#flushChunk();
    if (this.#entries.length > 0) await this.#flushPage();
    return this.#items;
  }

  async #flushChunk(): Promise<void> {
    const { opened, layout, valuesPerItem, stats } = this.options;
    const values = this.#buffer.subarray(0, this.#filled);
    // encodeChunk may share the buffer's memory (bytes codec, full chunk): copy a full buffer
    // first, since it is refilled right after.
    const encoded = await encodeChunk(values.slice(), layout);
    const stored = await opened.lake.blobs.put(encoded.sha256, encoded.bytes);
    await opened.lake.meta.recordChunk({
      sha256: encoded.sha256,
      length: stored.length,
      storedAt: opened.lake.now(),
      uploader: null,
    });
    const count = this.#filled / valuesPerItem;
    this.#entries.push({ sha256: encoded.sha256, count, ...stats(values) });
    this.#items += count;
    this.#filled = 0;
    if (this.#entries.length === manifestPageSize) await this.#flushPage();
  }

  async #flushPage(): Promise<void> {
    const { opened, principal, arrayId } = this.options;
    await writeOrThrow(opened, principal, {
      id: pageId(arrayId, this.#page),
      doc: { type: 'chunk-page', signalId: arrayId, page: this.#page, entries: this.#entries },
    });
    this.#page++;
    this.#entries = [];
  }
}
