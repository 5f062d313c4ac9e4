// The Arrow IPC message framing (continuation marker, metadata length, metadata, body),
// followed over the bytes before apache-arrow sees them: every message's metadata is checked
// (arrow-verify.ts) and a body past the memory limit is refused before apache-arrow buffers it
// (it decodes a record batch whole, so a corrupt length would make it swallow the rest of a
// 2 GB upload).
import { IngestParseError } from '../types.ts';
import { InvalidMetadata, verifyMessage } from './arrow-verify.ts';

/** A message's metadata past this is not metadata worth reading. */
const MAX_METADATA_BYTES = 16 * 1024 * 1024;

export function arrowError(message: string, offset?: number): IngestParseError {
  return new IngestParseError('arrow', message, offset === undefined ? {} : { offset });
}

/** Where a message is, as a file footer's Block names it. */
export interface FramedMessage {
  offset: number;
  /** Marker, length and metadata. */
  metaDataLength: number;
  bodyLength: number;
  type: number;
}

type Phase = 'marker' | 'length' | 'meta' | 'body' | 'end';

export class FrameGuard {
  private phase: Phase = 'marker';
  private need = 4;
  private held = new Uint8Array(8);
  private heldLength = 0;
  /** Absolute offset of the next byte, and of the current message's first. */
  private offset: number;
  private messageStart: number;
  /** Every message seen, when asked to keep them (a file's footer is checked against them). */
  readonly messages: FramedMessage[] = [];

  constructor(
    private readonly limit: number,
    start: number,
    private readonly keep = false,
  ) {
    this.offset = start;
    this.messageStart = start;
  }

  /** Whether the end-of-stream marker was seen. */
  get atEnd(): boolean {
    return this.phase === 'end';
  }

  /** Whether the bytes so far end at a message boundary or after the end-of-stream marker. */
  get atBoundary(): boolean {
    return this.phase === 'end' || (this.phase === 'marker' && this.heldLength === 0);
  }

  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length && this.phase !== 'end') {
      const take = Math.min(this.need, chunk.length - i);
      if (this.phase === 'body') {
        this.need -= take;
        i += take;
        this.offset += take;
        if (this.need === 0) this.next();
        continue;
      }
      if (this.heldLength + take > this.held.length) {
        const grown = new Uint8Array(this.heldLength + this.need);
        grown.set(this.held.subarray(0, this.heldLength));
        this.held = grown;
      }
      this.held.set(chunk.subarray(i, i + take), this.heldLength);
      this.heldLength += take;
      this.need -= take;
      i += take;
      this.offset += take;
      if (this.need === 0) this.complete();
    }
  }

  private begin(phase: Phase, need: number): void {
    this.phase = phase;
    this.need = need;
    this.heldLength = 0;
  }

  private next(): void {
    this.begin('marker', 4);
    this.messageStart = this.offset;
  }

  private complete(): void {
    const view = new DataView(this.held.buffer, 0, this.heldLength);
    if (this.phase === 'marker' || this.phase === 'length') {
      const value = view.getUint32(0, true);
      // 0xFFFFFFFF continues to the length (Arrow ≥ 0.15); older streams start with it.
      if (this.phase === 'marker' && value === 0xffffffff) {
        this.begin('length', 4);
        return;
      }
      if (value === 0) {
        this.begin('end', 0);
        return;
      }
      if (value > MAX_METADATA_BYTES) {
        throw arrowError(
          `not a readable Arrow IPC stream or file: a message claims ${value} bytes of metadata`,
          this.offset - 4,
        );
      }
      this.begin('meta', value);
      return;
    }
    let message: { type: number; bodyLength: number };
    try {
      message = verifyMessage(this.held.subarray(0, this.heldLength));
    } catch (error) {
      if (!(error instanceof InvalidMetadata)) throw error;
      throw arrowError(
        `not a readable Arrow IPC stream or file: a message's metadata is corrupt (${error.message})`,
        this.messageStart,
      );
    }
    if (message.bodyLength > this.limit) {
      throw arrowError(
        `a record batch of ${message.bodyLength} bytes is larger than the ${this.limit} bytes one may take in memory: write the file in smaller batches (pyarrow: max_chunksize)`,
        this.messageStart,
      );
    }
    if (this.keep) {
      this.messages.push({
        offset: this.messageStart,
        metaDataLength: this.offset - this.messageStart,
        bodyLength: message.bodyLength,
        type: message.type,
      });
    }
    if (message.bodyLength === 0) this.next();
    else this.begin('body', message.bodyLength);
  }
}
