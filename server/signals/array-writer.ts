// Writes one array (a signal or a pyramid level) into the lake as the sync client would: each
// full chunk encoded with the array's Zarr codec chain, stored by hash in the blob store and
// recorded in the chunk index, its manifest entry collected, and each page of 1 024 entries
// written as a chunk-page document once complete. Chunks are stored while the next ones fill
// (ChunkPuts bounds how many at once); a page is written only once all its chunks are stored
// and recorded, so a manifest never names bytes the lake does not hold. Memory stays at one
// chunk plus those in flight, whatever the array's length.
import {
  allocate,
  type ChunkLayout,
  encodeChunk,
  type SignalArray,
} from '../../src/shared/chunk/index.ts';
import { type ManifestEntry, manifestPageSize, pageId } from '../../src/shared/signal/types.ts';
import type { Principal } from '../auth/principal.ts';
import type { LakeWriter } from '../lake-context.ts';
import { ChunkPuts } from './chunk-puts.ts';
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
  /** The puts in flight, shared with the other arrays written at the same time. */
  puts?: ChunkPuts;
  /** Runs before each page is written (a pyramid level creates its header then). */
  beforePage?: () => Promise<void>;
}

/** A chunk being stored: its entry once stored, undefined if storing failed. */
type Stored = Promise<ManifestEntry | undefined>;

export class ArrayWriter {
  #buffer: SignalArray;
  #filled = 0;
  #items = 0;
  /** Chunks of the current page, in order, stored or still being stored. */
  #page: Stored[] = [];
  #pageIndex = 0;
  /** Full buffers whose chunk is stored, to fill again instead of allocating. */
  readonly #spare: SignalArray[] = [];
  /** The first failure of a chunk being stored, thrown by the next push or finish. */
  #failure: { error: unknown } | undefined;
  readonly #puts: ChunkPuts;
  /** Manifest page ids written so far (for discard). */
  readonly pages: string[] = [];

  constructor(private readonly options: ArrayWriterOptions) {
    this.#buffer = allocate(options.layout.dtype, options.layout.chunkLength);
    this.#puts = options.puts ?? new ChunkPuts(options.opened);
  }

  /** Items (samples, or buckets for a level) in the pages written so far. */
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
    if (this.#page.length > 0) await this.#flushPage();
    this.#throwIfFailed();
    return this.#items;
  }

  /** Waits until no chunk of this array is being stored (they may have failed). */
  async settle(): Promise<void> {
    await Promise.all(this.#page);
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure.error;
  }

  async #flushChunk(): Promise<void> {
    this.#throwIfFailed();
    const buffer = this.#buffer;
    const full = this.#filled === buffer.length;
    // A full buffer goes to the put whole (encodeChunk then shares its memory instead of
    // copying it) and comes back to #spare once stored; the partial last one is copied.
    const values = full ? buffer : buffer.subarray(0, this.#filled);
    const { outcome } = await this.#puts.start(() => this.#store(values));
    if (full) {
      this.#buffer = this.#spare.pop() ?? allocate(this.options.layout.dtype, buffer.length);
    }
    this.#filled = 0;
    this.#page.push(
      outcome.then((result) => {
        if (!result.ok) {
          this.#failure ??= { error: result.error };
          return undefined;
        }
        if (full) this.#spare.push(buffer);
        return result.value;
      }),
    );
    if (this.#page.length === manifestPageSize) await this.#flushPage();
  }

  async #store(values: SignalArray): Promise<ManifestEntry> {
    const encoded = await encodeChunk(values, this.options.layout);
    await this.#puts.put(encoded.sha256, encoded.bytes);
    return this.options.entry(encoded.sha256, values);
  }

  async #flushPage(): Promise<void> {
    const { opened, principal, arrayId } = this.options;
    const settled = await Promise.all(this.#page);
    this.#page = [];
    this.#throwIfFailed();
    const entries = settled.filter((entry) => entry !== undefined);
    // The chunk index knows every chunk before a page names it.
    await this.#puts.record();
    await this.options.beforePage?.();
    const id = pageId(arrayId, this.#pageIndex);
    this.pages.push(id);
    await writeOrThrow(opened, principal, {
      id,
      doc: { type: 'chunk-page', signalId: arrayId, page: this.#pageIndex, entries },
    });
    this.#pageIndex++;
    for (const entry of entries) this.#items += entry.count;
  }
}
