// Reads rows [first, end) of a stored array (a signal, or a pyramid level) chunk by chunk:
// manifest pages one at a time as the read reaches them, each chunk's bytes from the blob
// store, its SHA-256 checked (the disk is a trust boundary: a flipped bit must not reach a
// client as data), decoded, and cut to the rows asked for. One chunk is decoded and handed on
// while the next is read from disk, so at most two chunks are held, whatever the slice length.
import { createHash } from 'node:crypto';
import { ChunkCodecError, type ChunkLayout, decodeChunk } from '../../../src/shared/chunk/index.ts';
import { manifestPageSize, pageId } from '../../../src/shared/signal/types.ts';
import { BlobStoreError } from '../../blobs/types.ts';
import type { Lake } from '../../lake.ts';
import type { RowBlock } from './types.ts';

/** A signal or pyramid level as the reader needs it. */
export interface StoredArray {
  /** The array document's id: its manifest pages are `${id}/manifest/${n}`. */
  id: string;
  /** The codec layout of one chunk, in values (for a level: 4 × buckets per chunk). */
  layout: ChunkLayout;
  /** Values per row: 1 for samples, 4 for a level's buckets. */
  columns: 1 | 4;
  /** Valid rows: the header's length, the commit point (pages may run ahead of it). */
  length: number;
}

export type SliceReadErrorCode = 'missing_page' | 'bad_entry' | 'missing_chunk' | 'corrupt_chunk';

/** The lake's stored data does not hold what its documents say: a server fault (500, logged). */
export class SliceReadError extends Error {
  override name = 'SliceReadError';
  constructor(
    readonly code: SliceReadErrorCode,
    message: string,
    readonly where: { arrayId: string; chunk: number; sha256?: string },
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

interface LoadedChunk {
  index: number;
  bytes: Uint8Array;
  sha256: string;
  /** Valid rows of this chunk within the array's length. */
  validRows: number;
}

/** Rows [first, end) of the array, in blocks of at most one chunk; end ≤ array.length. */
export async function* readRows(
  lake: Pick<Lake, 'meta' | 'blobs'>,
  array: StoredArray,
  first: number,
  end: number,
): AsyncGenerator<RowBlock> {
  if (first >= end) return;
  if (first < 0 || end > array.length) {
    throw new RangeError(`rows [${first}, ${end}) are outside the array's ${array.length}`);
  }
  const rowsPerChunk = array.layout.chunkLength / array.columns;
  const firstChunk = Math.floor(first / rowsPerChunk);
  const endChunk = Math.ceil(end / rowsPerChunk);

  let page: { number: number; entries: unknown[] } | undefined;
  const entryOf = async (index: number): Promise<{ sha256: string; count: number }> => {
    const number = Math.floor(index / manifestPageSize);
    if (page?.number !== number) {
      const doc = await lake.meta.getDoc(pageId(array.id, number));
      const entries = doc?.deleted === false ? doc.body.entries : undefined;
      if (!Array.isArray(entries)) {
        throw new SliceReadError(
          'missing_page',
          `manifest page ${pageId(array.id, number)} is missing or has no entries`,
          { arrayId: array.id, chunk: index },
        );
      }
      page = { number, entries };
    }
    const entry: unknown = page.entries[index - number * manifestPageSize];
    const { sha256, count } = (entry ?? {}) as { sha256?: unknown; count?: unknown };
    if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256) || typeof count !== 'number') {
      throw new SliceReadError(
        'bad_entry',
        `manifest entry of chunk ${index} is missing or malformed`,
        {
          arrayId: array.id,
          chunk: index,
        },
      );
    }
    return { sha256, count };
  };

  const load = async (index: number): Promise<LoadedChunk> => {
    const { sha256, count } = await entryOf(index);
    const where = { arrayId: array.id, chunk: index, sha256 };
    const validRows = Math.min(rowsPerChunk, array.length - index * rowsPerChunk);
    if (count < validRows) {
      throw new SliceReadError(
        'bad_entry',
        `manifest entry of chunk ${index} holds ${count} rows, the array's length needs ${validRows}`,
        where,
      );
    }
    let bytes: Uint8Array;
    try {
      bytes = await lake.blobs.readAll(sha256);
    } catch (error) {
      if (error instanceof BlobStoreError && error.code === 'not_found') {
        throw new SliceReadError(
          'missing_chunk',
          `chunk ${sha256} is not in the blob store`,
          where,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256) {
      throw new SliceReadError(
        'corrupt_chunk',
        `chunk ${sha256} on disk hashes to ${actual}`,
        where,
      );
    }
    return { index, bytes, sha256, validRows };
  };

  const prefetch = (index: number): Promise<LoadedChunk> | undefined => {
    if (index >= endChunk) return undefined;
    const promise = load(index);
    // Awaited on the next turn; if the consumer stops first (client gone), the rejection must
    // not surface as unhandled.
    promise.catch(() => undefined);
    return promise;
  };

  let next = prefetch(firstChunk);
  while (next !== undefined) {
    const chunk = await next;
    next = prefetch(chunk.index + 1);
    let values;
    try {
      // The hash was checked above: decodeChunk need not hash again.
      values = await decodeChunk(chunk.bytes, array.layout, {
        validCount: chunk.validRows * array.columns,
      });
    } catch (error) {
      if (error instanceof ChunkCodecError) {
        throw new SliceReadError(
          'corrupt_chunk',
          `chunk ${chunk.sha256} does not decode: ${error.message}`,
          { arrayId: array.id, chunk: chunk.index, sha256: chunk.sha256 },
          { cause: error },
        );
      }
      throw error;
    }
    const chunkFirst = chunk.index * rowsPerChunk;
    const from = Math.max(first, chunkFirst) - chunkFirst;
    const to = Math.min(end, chunkFirst + chunk.validRows) - chunkFirst;
    yield {
      first: chunkFirst + from,
      values: values.subarray(from * array.columns, to * array.columns),
    };
  }
}
