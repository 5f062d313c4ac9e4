// Decoded chunk versions the lake itself just wrote, by hash (ingestion, issue 5): a signal fed
// by a collector rewrites its tail chunk and the tail of every pyramid level at each commit,
// so the next commit starts from exactly those versions. Keeping them decoded saves reading,
// verifying and decoding them back from disk. Keyed by content hash, an entry can never be
// stale; least recently used entries go first once the byte budget is reached.
import type { SignalArray } from '../../src/shared/chunk/index.ts';

/** Default budget: the tails of a few dozen signals with their pyramids. */
const DEFAULT_BUDGET_BYTES = 64 * 1024 * 1024;

export class ChunkCache {
  readonly #entries = new Map<string, SignalArray>();
  #bytes = 0;

  constructor(private readonly budgetBytes = DEFAULT_BUDGET_BYTES) {}

  /** A copy of the cached values (callers edit what they get), or undefined. */
  get(sha256: string): SignalArray | undefined {
    const values = this.#entries.get(sha256);
    if (values === undefined) return undefined;
    // Most recently used last: Map keeps insertion order.
    this.#entries.delete(sha256);
    this.#entries.set(sha256, values);
    return values.slice();
  }

  /** Keeps a copy of `values` (the chunk's full, fill-padded array) under its hash. */
  set(sha256: string, values: SignalArray): void {
    if (values.byteLength > this.budgetBytes) return;
    const known = this.#entries.get(sha256);
    if (known !== undefined) this.#bytes -= known.byteLength;
    this.#entries.delete(sha256);
    this.#entries.set(sha256, values.slice());
    this.#bytes += values.byteLength;
    for (const [key, old] of this.#entries) {
      if (this.#bytes <= this.budgetBytes) break;
      this.#entries.delete(key);
      this.#bytes -= old.byteLength;
    }
  }

  get bytes(): number {
    return this.#bytes;
  }
}
