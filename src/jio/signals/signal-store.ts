// Signals of any length: append (O(new data): the header, the last manifest page, new chunks),
// slice reads that touch only the chunks they need, and chunk-by-chunk iteration in bounded
// memory. Chunks go to the chunk store before the documents that reference them, and the
// header's `length` is written last: it is the commit point of an append.
import {
  allocate,
  ChunkCodecError,
  type ChunkLayout,
  decodeChunk,
  encodeChunk,
  type SignalArray,
} from '../../shared/chunk/index.ts';
import { entriesByPage, manifestEntry, updatePageEntries } from '../../shared/signal/manifest.ts';
import type { ChunkStore } from '../chunks/types.ts';
import { JioError, isJioError } from '../errors.ts';
import type { BulkWriteItem, CallOptions, JioDocument, Storage } from '../types.ts';
import { checkId } from '../validate.ts';
import { asSignalHeader, layoutOf, newSignalHeader } from './signal-header.ts';
import {
  type ChunkPage,
  type ManifestEntry,
  manifestPageSize,
  type NewSignal,
  pageId,
  type SignalHeader,
} from './types.ts';

/** One chunk's samples within the range being read. */
export interface SignalPiece {
  chunkIndex: number;
  /** Sample index of values[0] in the signal. */
  start: number;
  values: SignalArray;
  /** The stored chunk's hash: what a derived result names as its input. */
  sha256: string;
  /** The manifest says the chunk holds no NaN: kernels may take paths that are not NaN-safe. */
  nanFree: boolean;
}

export interface AppendOptions extends CallOptions {
  /** Samples made on this device: their chunks stay unsynced (never evicted) until pushed. */
  unsynced?: boolean;
}

export interface RangeOptions extends CallOptions {
  start?: number;
  end?: number;
}

/** Chunks fetched per chunk-store call while iterating (4 MiB at the default chunk size). */
const readAhead = 4;

const typedArrayOf = {
  float32: Float32Array,
  float64: Float64Array,
  int16: Int16Array,
  int32: Int32Array,
} as const;

function single(message: string, reason: string): JioError {
  return new JioError('conflict', message, { reason });
}

export class SignalStore {
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly storage: Storage,
    private readonly chunks: ChunkStore,
  ) {}

  /** Creates an empty signal; 409 if the id is taken. */
  async create(id: string, spec: NewSignal, options?: CallOptions): Promise<SignalHeader> {
    checkId(id);
    const header = newSignalHeader(spec);
    const [result] = await this.storage.bulkWrite(
      [{ id, doc: { ...header }, assumedRev: null }],
      options,
    );
    if (result?.ok !== true) {
      throw new JioError('conflict', `Document "${id}" already exists`, { reason: 'exists' });
    }
    return header;
  }

  async header(id: string, options?: CallOptions): Promise<SignalHeader> {
    return asSignalHeader(id, await this.storage.get(id, options));
  }

  /** The manifest entry of one chunk. */
  async entry(id: string, chunkIndex: number, options?: CallOptions): Promise<ManifestEntry> {
    const header = await this.header(id, options);
    const chunkCount = Math.ceil(header.length / header.chunkLength);
    if (!Number.isInteger(chunkIndex) || chunkIndex < 0 || chunkIndex >= chunkCount) {
      throw new JioError('bad_request', `Chunk ${chunkIndex} is outside 0…${chunkCount - 1}`, {
        reason: 'out_of_range',
      });
    }
    const page = await this.#page(id, Math.floor(chunkIndex / manifestPageSize), options);
    const entry = page?.entries[chunkIndex % manifestPageSize];
    if (entry === undefined)
      throw new JioError('internal', `Manifest of "${id}" lacks chunk ${chunkIndex}`, {
        reason: 'corrupt',
      });
    return entry;
  }

  /** Appends samples; one append at a time per signal in this store. */
  async append(
    id: string,
    values: SignalArray,
    options: AppendOptions = {},
  ): Promise<SignalHeader> {
    return this.#exclusive(id, () => this.#append(id, values, options));
  }

  async #append(id: string, values: SignalArray, options: AppendOptions): Promise<SignalHeader> {
    options.signal?.throwIfAborted();
    const doc = await this.storage.get(id, options);
    const header = asSignalHeader(id, doc);
    if (!(values instanceof typedArrayOf[header.dtype])) {
      throw new JioError(
        'bad_request',
        `Signal "${id}" holds ${header.dtype}; got a ${values.constructor.name}`,
        {
          reason: 'dtype_mismatch',
        },
      );
    }
    if (values.length === 0) return header;
    const layout = layoutOf(header);
    const { chunkLength } = header;
    const entries = new Map<number, ManifestEntry>();
    const items: { sha256: string; bytes: Uint8Array }[] = [];
    const encode = async (chunkIndex: number, samples: SignalArray): Promise<void> => {
      const encoded = await encodeChunk(samples, layout);
      items.push({ sha256: encoded.sha256, bytes: encoded.bytes });
      entries.set(chunkIndex, manifestEntry(encoded.sha256, samples));
    };

    let chunkIndex = Math.floor(header.length / chunkLength);
    let taken = 0;
    const filled = header.length % chunkLength;
    if (filled > 0) {
      // The partial last chunk gets a new version (new hash); the old one stays retrievable.
      const previous = await this.entry(id, chunkIndex, options);
      const [bytes] = await this.chunks.get([previous.sha256], options);
      if (bytes === undefined) {
        throw new JioError(
          'not_found',
          `Chunk ${chunkIndex} of "${id}" is not stored here: cannot append to it`,
          {
            reason: 'chunk_missing',
          },
        );
      }
      const old = await decodeStored(
        bytes,
        layout,
        { count: filled, sha256: previous.sha256 },
        `chunk ${chunkIndex} of "${id}"`,
      );
      taken = Math.min(chunkLength - filled, values.length);
      const merged = allocate(header.dtype, filled + taken);
      merged.set(old);
      merged.set(values.subarray(0, taken), filled);
      await encode(chunkIndex, merged);
      chunkIndex++;
    }
    for (; taken < values.length; taken += chunkLength, chunkIndex++) {
      options.signal?.throwIfAborted();
      await encode(chunkIndex, values.subarray(taken, taken + chunkLength));
    }

    await this.chunks.put(
      items.map((item) => ({ ...item, owner: { signalId: id, level: 0 } })),
      {
        unsynced: options.unsynced === true,
        // encodeChunk hashed these bytes a moment ago, in this process.
        verified: true,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
    );
    await this.#writePages(id, entries, options);
    const next: SignalHeader = { ...header, length: header.length + values.length };
    const [result] = await this.storage.bulkWrite(
      [{ id, doc: { ...next }, assumedRev: doc._rev ?? null }],
      options,
    );
    if (result?.ok !== true) {
      throw single(
        `Signal "${id}" changed while appending: a signal has a single writer`,
        'single_writer_conflict',
      );
    }
    return next;
  }

  async #writePages(
    id: string,
    entries: ReadonlyMap<number, ManifestEntry>,
    options: CallOptions,
  ): Promise<void> {
    const writes: BulkWriteItem[] = [];
    for (const [page, updates] of entriesByPage(entries)) {
      const current = await this.#pageDoc(id, page, options);
      const updated = updatePageEntries(
        current === undefined ? [] : (current.doc as unknown as ChunkPage).entries,
        updates,
      );
      if (!updated.ok) {
        throw new JioError(
          'internal',
          `Manifest page ${page} of "${id}" has a gap before slot ${updated.gapBefore}`,
          { reason: 'corrupt' },
        );
      }
      const doc: ChunkPage = { type: 'chunk-page', signalId: id, page, entries: updated.entries };
      writes.push({ id: pageId(id, page), doc: { ...doc }, assumedRev: current?.rev ?? null });
    }
    const results = await this.storage.bulkWrite(writes, options);
    const failed = results.find((result) => !result.ok);
    if (failed !== undefined) {
      throw single(
        `Manifest page ${failed.id} changed while appending: a signal has a single writer`,
        'single_writer_conflict',
      );
    }
  }

  /** Samples [start, end) as one typed array. */
  async read(id: string, start: number, end: number, options?: CallOptions): Promise<SignalArray> {
    const header = await this.header(id, options);
    checkRange(id, header, start, end);
    const out = allocate(header.dtype, end - start);
    for await (const piece of this.iterate(id, { ...options, start, end }))
      out.set(piece.values, piece.start - start);
    return out;
  }

  /**
   * The samples of [start, end) chunk by chunk, in order. Holds one manifest page and one chunk
   * at a time, so any length streams through in bounded memory.
   */
  async *iterate(id: string, options: RangeOptions = {}): AsyncGenerator<SignalPiece> {
    const header = await this.header(id, options);
    const start = options.start ?? 0;
    const end = options.end ?? header.length;
    checkRange(id, header, start, end);
    if (end === start) return;
    const layout = layoutOf(header);
    const { chunkLength } = header;
    const last = Math.floor((end - 1) / chunkLength);
    for (let first = Math.floor(start / chunkLength); first <= last;) {
      options.signal?.throwIfAborted();
      const pageIndex = Math.floor(first / manifestPageSize);
      const page = await this.#page(id, pageIndex, options);
      // Read ahead a few chunks per chunk-store call (one IndexedDB transaction), never past
      // this manifest page: memory stays bounded by `readAhead` chunks.
      const batchLast = Math.min(
        last,
        first + readAhead - 1,
        (pageIndex + 1) * manifestPageSize - 1,
      );
      const entries: ManifestEntry[] = [];
      for (let chunkIndex = first; chunkIndex <= batchLast; chunkIndex++) {
        const entry = page?.entries[chunkIndex % manifestPageSize];
        if (entry === undefined) {
          throw new JioError('internal', `Manifest of "${id}" lacks chunk ${chunkIndex}`, {
            reason: 'corrupt',
          });
        }
        entries.push(entry);
      }
      const found = await this.chunks.get(
        entries.map((entry) => entry.sha256),
        options,
      );
      for (const [offset, entry] of entries.entries()) {
        const chunkIndex = first + offset;
        const bytes = found[offset];
        if (bytes === undefined) {
          throw new JioError(
            'not_found',
            `Chunk ${chunkIndex} of "${id}" (${entry.sha256}) is not stored here`,
            {
              reason: 'chunk_missing',
            },
          );
        }
        const values = await decodeStored(bytes, layout, entry, `chunk ${chunkIndex} of "${id}"`);
        const chunkStart = chunkIndex * chunkLength;
        const from = Math.max(start - chunkStart, 0);
        const to = Math.min(end - chunkStart, values.length);
        yield {
          chunkIndex,
          start: chunkStart + from,
          values: values.subarray(from, to),
          sha256: entry.sha256,
          nanFree: entry.nanCount === 0,
        };
      }
      first = batchLast + 1;
    }
  }

  async #page(id: string, page: number, options?: CallOptions): Promise<ChunkPage | undefined> {
    return (await this.#pageDoc(id, page, options))?.doc as ChunkPage | undefined;
  }

  async #pageDoc(
    id: string,
    page: number,
    options?: CallOptions,
  ): Promise<{ doc: JioDocument; rev: string } | undefined> {
    try {
      const doc = await this.storage.get(pageId(id, page), options);
      return { doc, rev: doc._rev ?? '' };
    } catch (error) {
      if (isJioError(error, 'not_found')) return undefined;
      throw error;
    }
  }

  #exclusive<T>(id: string, run: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(id) ?? Promise.resolve();
    const next = previous.then(run, run);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.#locks.set(id, settled);
    void settled.then(() => {
      if (this.#locks.get(id) === settled) this.#locks.delete(id);
    });
    return next;
  }
}

/** Stored bytes that do not decode are corrupt data, reported as a JioError like any other. */
async function decodeStored(
  bytes: Uint8Array,
  layout: ChunkLayout,
  entry: Pick<ManifestEntry, 'count' | 'sha256'>,
  what: string,
): Promise<SignalArray> {
  try {
    return await decodeChunk(bytes, layout, { validCount: entry.count });
  } catch (error) {
    if (!(error instanceof ChunkCodecError)) throw error;
    throw new JioError(
      'internal',
      `Stored ${what} (${entry.sha256}) is corrupt: ${error.message}`,
      { reason: 'corrupt' },
    );
  }
}

function checkRange(id: string, header: SignalHeader, start: number, end: number): void {
  if (
    !Number.isSafeInteger(start) ||
    !Number.isSafeInteger(end) ||
    start < 0 ||
    end < start ||
    end > header.length
  ) {
    throw new JioError(
      'bad_request',
      `Slice [${String(start)}, ${String(end)}) is outside signal "${id}" of ${header.length} samples`,
      { reason: 'out_of_range' },
    );
  }
}
