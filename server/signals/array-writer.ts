// Writes one array (a signal or a pyramid level) into the lake as the sync client would: each
// full chunk encoded with the array's Zarr codec chain, stored by hash in the blob store and
// recorded in the chunk index, its manifest entry collected, and each page of 1 024 entries
// written as a chunk-page document once complete. Memory stays at one chunk, whatever the
// array's length.
import {
  allocate,
  type ChunkLayout,
  encodeChunk,
  type SignalArray,
} from '../../src/shared/chunk/index.ts';
import { type ManifestEntry, manifestPageSize, pageId } from '../../src/shared/signal/types.ts';
import type { Principal } from '../auth/principal.ts';
import type { LakeWriter } from '../lake-context.ts';
import { writeOrThrow } from './write-docs.ts';

/** The manifest entry of one encoded chunk from its valid values (samples or buckets). */
export type EntryOf = (sha256: string, values: SignalArray) => ManifestEntry;

export interface ArrayWriterOptions {
  opened: LakeWriter;
  principal: Principal;
  /** The array document's id (its pages are `${id}/manifest/${n}`). */
  arrayId: string;
  /** The codec layout of one chunk, in values (for a level: 4 × buckets per chunk). */
  layout: ChunkLayout;
  /** manifestEntry for samples, levelManifestEntry for buckets (src/shared/signal). */
  entry: EntryOf;
}

export class ArrayWriter {
  readonly #buffer: SignalArray;
  #filled = 0;
  #items = 0;
  #entries: ManifestEntry[] = [];
  #page = 0;
  /** Manifest page ids written so far (for discard). */
  readonly pages: string[] = [];

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
    const { opened, layout, entry } = this.options;
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
    const made = entry(encoded.sha256, values);
    this.#entries.push(made);
    this.#items += made.count;
    this.#filled = 0;
    if (this.#entries.length === manifestPageSize) await this.#flushPage();
  }

  async #flushPage(): Promise<void> {
    const { opened, principal, arrayId } = this.options;
    this.pages.push(pageId(arrayId, this.#page));
    await writeOrThrow(opened, principal, {
      id: pageId(arrayId, this.#page),
      doc: { type: 'chunk-page', signalId: arrayId, page: this.#page, entries: this.#entries },
    });
    this.#page++;
    this.#entries = [];
  }
}
