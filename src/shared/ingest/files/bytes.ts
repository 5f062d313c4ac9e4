// A pull reader over an upload body (AsyncIterable<Uint8Array>, chunks of any size, empty ones
// included). Parsers ask for exactly the bytes they need next, so a 2 GB upload never sits in
// memory: what the reader holds is at most the producer's current chunk.

const EMPTY = new Uint8Array(0);

export class ByteReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private chunk: Uint8Array = EMPTY;
  private position = 0;
  private ended = false;
  /** Bytes consumed (handed out or skipped) so far: the 0-based offset of the next byte. */
  offset = 0;

  constructor(body: AsyncIterable<Uint8Array>) {
    this.iterator = body[Symbol.asyncIterator]();
  }

  /** Makes the current chunk non-empty; false at the end of the body. */
  private async fill(): Promise<boolean> {
    while (this.position >= this.chunk.byteLength) {
      if (this.ended) return false;
      const next = await this.iterator.next();
      if (next.done === true) {
        this.ended = true;
        this.chunk = EMPTY;
        this.position = 0;
        return false;
      }
      this.chunk = next.value;
      this.position = 0;
    }
    return true;
  }

  /**
   * The next bytes, at most `max`, as they arrived: a view of the producer's chunk (valid until
   * the next call), or undefined at the end. CSV and Arrow consume the body this way.
   */
  async next(max = Number.POSITIVE_INFINITY): Promise<Uint8Array | undefined> {
    if (!(await this.fill())) return undefined;
    const end = Math.min(this.chunk.byteLength, this.position + max);
    const view = this.chunk.subarray(this.position, end);
    this.position = end;
    this.offset += view.byteLength;
    return view;
  }

  /**
   * Copies the next bytes into `target` until it is full or the body ends; returns how many
   * were copied (fewer than `target.length` only at the end).
   */
  async readInto(target: Uint8Array): Promise<number> {
    let filled = 0;
    while (filled < target.byteLength) {
      const view = await this.next(target.byteLength - filled);
      if (view === undefined) break;
      target.set(view, filled);
      filled += view.byteLength;
    }
    return filled;
  }

  /** The next `n` bytes in a new array, shorter only when the body ends first. */
  async read(n: number): Promise<Uint8Array> {
    const target = new Uint8Array(n);
    const got = await this.readInto(target);
    return got === n ? target : target.subarray(0, got);
  }

  /** Discards up to `n` bytes; returns how many were there. */
  async skip(n: number): Promise<number> {
    let skipped = 0;
    while (skipped < n) {
      const view = await this.next(n - skipped);
      if (view === undefined) break;
      skipped += view.byteLength;
    }
    return skipped;
  }

  /** Whether the body has no byte left (reads ahead one chunk, consumes nothing). */
  async atEnd(): Promise<boolean> {
    return !(await this.fill());
  }

  /** Reads and discards the rest of the body: an upload is consumed whole, trailers included. */
  async drain(): Promise<void> {
    while ((await this.next()) !== undefined);
  }

  /** Lets the producer go (a consumer stopped early, or the parse failed). */
  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.chunk = EMPTY;
    this.position = 0;
    await this.iterator.return?.();
  }
}
