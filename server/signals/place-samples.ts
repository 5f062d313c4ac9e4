// Places samples of a regular signal at their indexes (ingestion, issue 5): appends (gaps read
// as NaN), late data written in place as a new version of its chunk, and a second value for an
// index already holding one kept out (the first wins; counted as a duplicate). The pyramid is
// updated for the changed ranges only — each level's buckets over them are recomputed from the
// level below — and the header, written last, commits the new length.
import {
  bucketLength,
  levelCount,
  levelDtype,
  levelId,
  type PyramidLevelHeader,
  type SignalHeader,
} from '../../src/shared/signal/types.ts';
import { levelManifestEntry, manifestEntry } from '../../src/shared/signal/manifest.ts';
import {
  type LevelArray,
  reduceLevelRange,
  reduceSamples,
} from '../../src/shared/signal/pyramid.ts';
import { fromJsonNumber } from '../../src/shared/signal/json-number.ts';
import type { Principal } from '../auth/principal.ts';
import type { LakeWriter } from '../lake-context.ts';
import { ArrayEditor } from './array-editor.ts';
import type { ChunkCache } from './chunk-cache.ts';
import { WriteSet } from './write-set.ts';
import { LEVEL_CHUNK_BUCKETS } from './write-signal.ts';

export interface Placement {
  index: number;
  value: number;
}

export interface PlaceOptions {
  /** The caller's commit (several signals at once); without it, this placement commits. */
  into?: WriteSet;
  /** Decoded chunk versions kept between placements (the tails the last one wrote). */
  cache?: ChunkCache;
}

export interface PlaceResult {
  written: number;
  duplicates: number;
  late: number;
  length: number;
}

const bytesCodec = [{ name: 'bytes' as const, configuration: { endian: 'little' as const } }];

/** Item ranges [start, end) merged and sorted. */
function mergeRanges(ranges: [number, number][]): [number, number][] {
  const sorted = ranges.slice().sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

export async function placeSamples(
  opened: LakeWriter,
  principal: Principal,
  signalId: string,
  placements: readonly Placement[],
  extraHeader: Record<string, unknown> = {},
  { into, cache }: PlaceOptions = {},
): Promise<PlaceResult> {
  // Without a write set of the caller's, this placement is its own commit.
  const set = into ?? new WriteSet(opened, principal);
  const doc = await opened.lake.meta.getDoc(signalId);
  if (doc === undefined || doc.deleted || doc.type !== 'signal') {
    throw new Error(`No signal "${signalId}"`);
  }
  const header = doc.body as unknown as SignalHeader;
  const length = header.length;
  const raw = new ArrayEditor(
    opened,
    principal,
    {
      id: signalId,
      layout: {
        dtype: header.dtype,
        chunkLength: header.chunkLength,
        codecs: header.codecs,
        fillValue: fromJsonNumber(header.fillValue),
      },
      valuesPerItem: 1,
      entry: manifestEntry,
    },
    cache,
  );
  const per = raw.itemsPerChunk;
  let written = 0;
  let duplicates = 0;
  let late = 0;
  let newLength = length;
  const changed: [number, number][] = [];
  // Placements mostly come in runs of consecutive indexes (a collector's batch): the chunk at
  // hand and the open changed range are reused while the run lasts.
  let chunkIndex = -1;
  let chunk: Awaited<ReturnType<ArrayEditor['chunk']>> | undefined;
  let run: [number, number] | undefined;
  for (const { index, value } of placements) {
    if (!Number.isSafeInteger(index) || index < 0) throw new Error(`Bad sample index ${index}`);
    if (chunk === undefined || index < chunkIndex * per || index >= (chunkIndex + 1) * per) {
      chunkIndex = Math.floor(index / per);
      chunk = await raw.chunk(chunkIndex);
    }
    const offset = index - chunkIndex * per;
    const existing = index < length || offset < chunk.count ? chunk.values[offset] : undefined;
    if (existing !== undefined && !Number.isNaN(existing)) {
      duplicates++;
      continue;
    }
    chunk.values[offset] = value;
    raw.touch(chunkIndex, offset + 1);
    if (index < length) late++;
    written++;
    newLength = Math.max(newLength, index + 1);
    if (run !== undefined && index === run[1]) run[1]++;
    else {
      run = [index, index + 1];
      changed.push(run);
    }
  }
  if (written === 0) return { written, duplicates, late, length };
  // Every chunk between the old end and the new one exists, full of gaps if nothing landed.
  const lastChunk = Math.floor((newLength - 1) / per);
  for (let c = Math.floor(length / per); c <= lastChunk; c++) {
    await raw.chunk(c);
    raw.touch(c, Math.min(per, newLength - c * per));
  }
  changed.push([length, newLength]);
  const family = await raw.flushInto(set);

  // The pyramid, level by level, over the changed ranges only.
  const levels = levelCount(newLength);
  const dtype = levelDtype(header.dtype);
  let below: { editor: ArrayEditor; per: number; ranges: [number, number][] } = {
    editor: raw,
    per,
    ranges: mergeRanges(changed.filter(([a, b]) => b > a)),
  };
  for (let level = 1; level <= levels; level++) {
    const size = level === 1 ? bucketLength(1) : 4;
    const itemsBelow = level === 1 ? newLength : Math.ceil(newLength / bucketLength(level - 1));
    const levelDoc = await opened.lake.meta.getDoc(levelId(signalId, level));
    // An existing level keeps its chunking; a new one is chunked after its signal.
    const chunkBuckets =
      levelDoc !== undefined && !levelDoc.deleted && typeof levelDoc.body.chunkLength === 'number'
        ? levelDoc.body.chunkLength
        : levelChunkBucketsFor(header.chunkLength);
    const editor = new ArrayEditor(
      opened,
      principal,
      {
        id: levelId(signalId, level),
        layout: { dtype, chunkLength: 4 * chunkBuckets, codecs: bytesCodec, fillValue: NaN },
        valuesPerItem: 4,
        entry: (sha256, values) => levelManifestEntry(sha256, values as LevelArray),
      },
      cache,
    );
    const buckets = Math.ceil(newLength / bucketLength(level));
    const ranges: [number, number][] = below.ranges.map(([a, b]) => [
      Math.floor(a / size),
      Math.ceil(b / size),
    ]);
    const merged = mergeRanges(ranges);
    // A level that did not exist before gets every bucket, not just the changed ones.
    const existedBefore = level <= levelCount(length);
    const todo: [number, number][] = existedBefore ? merged : [[0, buckets]];
    for (const [from, to] of todo) {
      for (let bucket = from; bucket < Math.min(to, buckets); bucket++) {
        const start = bucket * size;
        const end = Math.min(itemsBelow, start + size);
        const values = await readItems(below.editor, below.per, level === 1 ? 1 : 4, start, end);
        const reduced =
          level === 1
            ? reduceSamples(values, size)
            : (() => {
                const b = reduceLevelRange(values, 0, end - start);
                return Float64Array.of(b.min, b.max, b.mean, b.count);
              })();
        const chunkIndex = Math.floor(bucket / chunkBuckets);
        const chunk = await editor.chunk(chunkIndex);
        chunk.values.set(reduced.subarray(0, 4), 4 * (bucket - chunkIndex * chunkBuckets));
        editor.touch(chunkIndex, bucket - chunkIndex * chunkBuckets + 1);
      }
    }
    // Chunks between the level's old end and its new end exist too.
    const oldBuckets = existedBefore ? Math.ceil(length / bucketLength(level)) : 0;
    for (
      let c = Math.floor(oldBuckets / chunkBuckets);
      c <= Math.floor((buckets - 1) / chunkBuckets);
      c++
    ) {
      await editor.chunk(c);
      editor.touch(c, Math.min(chunkBuckets, buckets - c * chunkBuckets));
    }
    // The level's header before its pages: a page's array must exist when the page is placed.
    family.push(
      {
        id: levelId(signalId, level),
        doc: { ...levelHeaderOf(signalId, level, dtype, buckets, chunkBuckets) },
      },
      ...(await editor.flushInto(set)),
    );
    below = { editor, per: chunkBuckets, ranges: todo };
  }
  // The header commits (last of its family): length, levels; the incremental reducer's state
  // no longer matches what was placed (late data), so it is dropped: a later writer recomputes
  // from the levels.
  const { pyramid: _stale, ...rest } = header;
  family.push({ id: signalId, doc: { ...rest, ...extraHeader, length: newLength, levels } });
  set.addFamily(family);
  if (into === undefined) await set.commit();
  return { written, duplicates, late, length: newLength };
}

/** Items [start, end) of an array as one flat array of values. */
async function readItems(
  editor: ArrayEditor,
  per: number,
  valuesPerItem: number,
  start: number,
  end: number,
): Promise<Float64Array> {
  const out = new Float64Array((end - start) * valuesPerItem);
  for (let item = start; item < end;) {
    const chunkIndex = Math.floor(item / per);
    const chunk = await editor.chunk(chunkIndex);
    const from = item - chunkIndex * per;
    const take = Math.min(end - item, per - from);
    const values = chunk.values.subarray(from * valuesPerItem, (from + take) * valuesPerItem);
    out.set(values, (item - start) * valuesPerItem);
    item += take;
  }
  return out;
}

/**
 * Buckets per chunk of a new pyramid level: LEVEL_CHUNK_BUCKETS (a screen's worth), fewer for
 * signals with small chunks — a collector-fed signal rewrites the tail chunk of every level at
 * each commit, and a level chunk padded to 2^12 buckets costs more than its signal's tail.
 */
export function levelChunkBucketsFor(signalChunkLength: number): number {
  return Math.min(LEVEL_CHUNK_BUCKETS, Math.max(2 ** 8, signalChunkLength / 2 ** 6));
}

function levelHeaderOf(
  signalId: string,
  level: number,
  dtype: 'float32' | 'float64',
  length: number,
  chunkBuckets: number,
): PyramidLevelHeader {
  return {
    type: 'pyramid-level',
    signalId,
    level,
    bucketLength: bucketLength(level),
    dtype,
    chunkLength: chunkBuckets,
    codecs: bytesCodec,
    fillValue: 'NaN',
    length,
    columns: ['min', 'max', 'mean', 'count'],
  };
}
