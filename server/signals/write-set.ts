// One commit of many arrays' edits (ingestion, issue 5): the chunks are stored with several
// puts in flight (each put fsyncs; overlapping them lets the filesystem's journal take many
// in one commit instead of one after another), recorded in the chunk index in one
// transaction, and only then are the documents that reference them written — a few bulk
// writes for what used to be one transaction per page, level and header.
//
// Documents are added in families (one signal: its pages, its levels, its header last); a
// family is never split across bulk writes, so a signal's header commits with the pages it
// counts. Families of different signals may land in different bulk writes: each header says
// on its own which requests it holds (`ingestedThrough`), so a crash between two is harmless.
import type { WireBulkItem } from '../../src/shared/wire/lake.ts';
import type { Principal } from '../auth/principal.ts';
import { MAX_BULK_ITEMS } from '../docs/doc-service.ts';
import type { LakeWriter } from '../lake-context.ts';
import type { ChunkRecord } from '../meta/types.ts';
import { writeOrThrow } from './write-docs.ts';

/** Chunk puts in flight at once: enough to fill libuv's thread pool and the journal. */
const PUTS_IN_FLIGHT = 16;

export class WriteSet {
  readonly #chunks = new Map<string, ChunkRecord>();
  readonly #families: WireBulkItem[][] = [];
  readonly #waiting: (() => void)[] = [];
  readonly #puts: Promise<void>[] = [];
  #inFlight = 0;
  #failure: { error: unknown } | undefined;

  constructor(
    private readonly opened: LakeWriter,
    private readonly principal: Principal,
  ) {}

  /** Starts storing a chunk (at most PUTS_IN_FLIGHT at a time); commit() waits for them all. */
  async putChunk(sha256: string, bytes: Uint8Array): Promise<void> {
    if (this.#chunks.has(sha256)) return;
    this.#chunks.set(sha256, {
      sha256,
      length: bytes.length,
      storedAt: this.opened.lake.now(),
      uploader: null,
    });
    // Back-pressure: the caller (encoding the next chunk) waits while the pool is full.
    while (this.#inFlight >= PUTS_IN_FLIGHT) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#inFlight++;
    const put = this.opened.lake.blobs.put(sha256, bytes).then(
      () => undefined,
      (error: unknown) => {
        this.#failure ??= { error };
      },
    );
    this.#puts.push(
      put.finally(() => {
        this.#inFlight--;
        this.#waiting.shift()?.();
      }),
    );
  }

  /** Adds the documents of one array family (written together, in this order). */
  addFamily(items: readonly WireBulkItem[]): void {
    if (items.length > 0) this.#families.push([...items]);
  }

  get documentCount(): number {
    return this.#families.reduce((sum, family) => sum + family.length, 0);
  }

  /** Stores everything: chunks durable and indexed first, then the documents naming them. */
  async commit(): Promise<void> {
    await Promise.all(this.#puts);
    if (this.#failure !== undefined) throw this.#failure.error;
    await this.opened.lake.meta.recordChunks([...this.#chunks.values()]);
    let batch: WireBulkItem[] = [];
    for (const family of this.#families) {
      if (batch.length > 0 && batch.length + family.length > MAX_BULK_ITEMS) {
        await writeOrThrow(this.opened, this.principal, ...batch);
        batch = [];
      }
      // A family larger than one bulk write (a signal with thousands of changed pages) is
      // written in parts, header last: its header still commits after every page it counts.
      while (family.length > MAX_BULK_ITEMS) {
        await writeOrThrow(this.opened, this.principal, ...family.splice(0, MAX_BULK_ITEMS));
      }
      batch.push(...family);
    }
    if (batch.length > 0) await writeOrThrow(this.opened, this.principal, ...batch);
    this.#families.length = 0;
    this.#chunks.clear();
    this.#puts.length = 0;
  }
}
