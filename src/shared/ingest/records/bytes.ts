// Byte plumbing shared by the record parsers: UTF-8 decoding and a queue that holds only the
// unparsed tail of a streamed body (so memory stays bounded by the largest record, not the body).
//
// tsconfig.pure.json has only the ES lib, so TextDecoder is read off `globalThis` through a narrow
// interface (as src/shared/chunk/web-globals.ts does); every browser and Node 20 have it.

interface Utf8Decoder {
  decode(input: Uint8Array): string;
}

type Utf8DecoderConstructor = new (
  label: 'utf-8',
  options: { fatal: boolean; ignoreBOM: boolean },
) => Utf8Decoder;

let strictDecoder: Utf8Decoder | undefined;
let lenientDecoder: Utf8Decoder | undefined;

function makeDecoder(fatal: boolean): Utf8Decoder {
  const constructor = (globalThis as unknown as { TextDecoder?: Utf8DecoderConstructor })
    .TextDecoder;
  if (constructor === undefined) throw new Error('The record parsers need TextDecoder');
  // ignoreBOM: a byte-order mark is data here; the JSON splitter skips the body's own.
  return new constructor('utf-8', { fatal, ignoreBOM: true });
}

/** UTF-8 → string; throws a TypeError on malformed UTF-8 (JSON bodies must be valid UTF-8). */
export function decodeUtf8Strict(bytes: Uint8Array): string {
  strictDecoder ??= makeDecoder(true);
  return strictDecoder.decode(bytes);
}

/** UTF-8 → string with U+FFFD for malformed sequences (msgpack `bin` values from Ruby). */
export function decodeUtf8Lenient(bytes: Uint8Array): string {
  lenientDecoder ??= makeDecoder(false);
  return lenientDecoder.decode(bytes);
}

/** Bytes a string takes in UTF-8 (for the field-name limit, counted without encoding). */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) bytes += 1;
    else if (unit <= 0xdbff && unit >= 0xd800 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair: 2 units, 4 bytes.
      bytes += 2;
      i++;
    } else bytes += 2; // 3 bytes (a lone surrogate becomes U+FFFD, also 3)
  }
  return bytes;
}

const EMPTY = new Uint8Array(0);
const MIN_CAPACITY = 64 * 1024;

/**
 * The unconsumed bytes of a stream. A chunk that arrives while the queue is empty is adopted
 * without a copy; only a partial record left over at a chunk's end is copied into an owned,
 * doubling buffer, so appending is amortised O(bytes).
 *
 * Views returned by `view()` stay valid until the next `append` (which may compact the buffer).
 */
export class ByteQueue {
  #buffer: Uint8Array = EMPTY;
  #start = 0;
  #end = 0;
  #owned = false;

  get length(): number {
    return this.#end - this.#start;
  }

  view(): Uint8Array {
    return this.#buffer.subarray(this.#start, this.#end);
  }

  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const length = this.length;
    if (length === 0) {
      this.#buffer = chunk;
      this.#start = 0;
      this.#end = chunk.length;
      this.#owned = false;
      return;
    }
    const needed = length + chunk.length;
    if (this.#owned && needed <= this.#buffer.length) {
      if (this.#end + chunk.length > this.#buffer.length) {
        this.#buffer.copyWithin(0, this.#start, this.#end);
        this.#start = 0;
        this.#end = length;
      }
      this.#buffer.set(chunk, this.#end);
      this.#end += chunk.length;
      return;
    }
    const next = new Uint8Array(Math.max(needed, 2 * length, MIN_CAPACITY));
    next.set(this.view());
    next.set(chunk, length);
    this.#buffer = next;
    this.#start = 0;
    this.#end = needed;
    this.#owned = true;
  }

  consume(count: number): void {
    this.#start += count;
    if (this.#start >= this.#end) {
      // Drop the reference: an adopted chunk or a grown buffer is not kept past its use.
      this.#buffer = EMPTY;
      this.#start = 0;
      this.#end = 0;
      this.#owned = false;
    }
  }
}
