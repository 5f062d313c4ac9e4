// The chunk writes of one signal write (or of every signal of one upload), overlapped. The blob
// store makes each chunk durable on its own (temp file, fsync, rename, fsync of the folder), a
// few milliseconds of waiting per chunk: one at a time, an upload spent most of its time idle.
// A few puts in flight keep the disk busy while the parser goes on, and recording the stored
// chunks in the chunk index a batch at a time saves a metadata commit (an fsync) per chunk.
import type { ChunkRecord } from '../meta/types.ts';
import type { LakeWriter } from '../lake-context.ts';

/**
 * Puts in flight: enough to overlap the fsyncs (the libuv pool runs 4 file operations at
 * once); each holds one encoded chunk (at most 2 MiB), so memory stays a few MiB.
 */
export const PUTS_IN_FLIGHT = 6;

/**
 * Stored chunks are recorded in the chunk index at least this often. The index must know a
 * chunk before a manifest page names it (ArrayWriter calls record() first): until then the
 * bytes are an orphan file, harmless but not collected, so the batch stays small.
 */
const RECORD_BATCH = 32;

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export class ChunkPuts {
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  #records: ChunkRecord[] = [];
  /** The chain of index commits: record() resolves once every earlier batch is committed. */
  #recorded: Promise<void> = Promise.resolve();

  constructor(
    private readonly opened: LakeWriter,
    /** Puts at once; shared by every writer that holds this object. */
    readonly slots = PUTS_IN_FLIGHT,
  ) {}

  /**
   * Starts `work` once a slot is free (the caller waits for that, which is the backpressure)
   * and hands back its outcome, which never rejects: a failure is a value the caller checks
   * when it needs the result, not an unhandled rejection while it parses on.
   */
  async start<T>(work: () => Promise<T>): Promise<{ outcome: Promise<Outcome<T>> }> {
    while (this.#running >= this.slots) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#running++;
    const outcome = work()
      .then(
        (value): Outcome<T> => ({ ok: true, value }),
        (error: unknown): Outcome<T> => ({ ok: false, error }),
      )
      .finally(() => {
        this.#running--;
        this.#waiting.shift()?.();
      });
    return { outcome };
  }

  /** Stores one encoded chunk and queues its record in the chunk index. */
  async put(sha256: string, bytes: Uint8Array): Promise<void> {
    const { lake } = this.opened;
    const stored = await lake.blobs.put(sha256, bytes);
    this.#records.push({ sha256, length: stored.length, storedAt: lake.now(), uploader: null });
    if (this.#records.length >= RECORD_BATCH) await this.record();
  }

  /** Commits every queued record; resolves once they (and every earlier batch) are in. */
  record(): Promise<void> {
    const batch = this.#records;
    this.#records = [];
    if (batch.length > 0) {
      this.#recorded = this.#recorded.then(() => this.opened.lake.meta.recordChunks(batch));
    }
    return this.#recorded;
  }
}
