// Writes a whole signal into the lake — raw chunks, manifest pages, every pyramid level (from
// the one reducer in src/shared) and finally the header, whose `length` commits it — streaming
// its samples piece by piece in bounded memory. Demo seeding uses it; ingestion will append
// with the same pieces.
import {
  type ChunkLayout,
  DEFAULT_CHUNK_LENGTH,
  resolvedFillValue,
  type SignalArray,
  validateLayout,
} from '../../src/shared/chunk/index.ts';
import { toJsonNumber } from '../../src/shared/signal/json-number.ts';
import { levelManifestEntry, manifestEntry } from '../../src/shared/signal/manifest.ts';
import { createPyramidBuilder, type LevelArray } from '../../src/shared/signal/pyramid.ts';
import {
  bucketLength,
  levelCount,
  levelDtype,
  levelId,
  type NewSignal,
  type PyramidLevelHeader,
  type SignalHeader,
} from '../../src/shared/signal/types.ts';
import type { Principal } from '../auth/principal.ts';
import type { OpenLake } from '../lake-context.ts';
import { ArrayWriter } from './array-writer.ts';
import { writeOrThrow } from './write-docs.ts';

/**
 * Buckets per pyramid chunk: 2^12 buckets × 4 float32 values = 64 KiB — about what a chart
 * reads for one screen width, and small enough that the short top levels waste little padding.
 */
export const LEVEL_CHUNK_BUCKETS = 2 ** 12;

const bytesCodec = [{ name: 'bytes' as const, configuration: { endian: 'little' as const } }];

export function signalHeader(spec: NewSignal): SignalHeader {
  const layout = validateLayout({
    dtype: spec.dtype ?? 'float32',
    chunkLength: spec.chunkLength ?? DEFAULT_CHUNK_LENGTH,
    codecs: spec.codecs ?? bytesCodec,
    ...(spec.fillValue === undefined ? {} : { fillValue: spec.fillValue }),
  });
  return {
    type: 'signal',
    datasetId: spec.datasetId,
    name: spec.name,
    dtype: layout.dtype,
    chunkLength: layout.chunkLength,
    codecs: layout.codecs,
    fillValue: toJsonNumber(resolvedFillValue(layout)),
    length: 0,
    ...(spec.t0 === undefined ? {} : { t0: spec.t0 }),
    ...(spec.sampleRate === undefined ? {} : { sampleRate: spec.sampleRate }),
    ...(spec.timeSignalId === undefined ? {} : { timeSignalId: spec.timeSignalId }),
    ...(spec.unit === undefined ? {} : { unit: spec.unit }),
  };
}

export interface WriteSignalOptions {
  signal?: AbortSignal;
  /** Buckets per pyramid chunk (a power of two; default 2^12). */
  levelChunkBuckets?: number;
  /**
   * The number of samples the source will give, when known: the header and every level
   * header are then created in one write instead of one per level.
   */
  expectedLength?: number;
}

export async function writeSignal(
  opened: OpenLake,
  principal: Principal,
  id: string,
  spec: NewSignal,
  samples: AsyncIterable<SignalArray> | Iterable<SignalArray>,
  options: WriteSignalOptions = {},
): Promise<SignalHeader> {
  const header = signalHeader(spec);
  const layout: ChunkLayout = {
    dtype: header.dtype,
    chunkLength: header.chunkLength,
    codecs: header.codecs,
    fillValue: resolvedFillValue({
      dtype: header.dtype,
      ...(spec.fillValue === undefined ? {} : { fillValue: spec.fillValue }),
    }),
  };
  // The header exists first (pages need their parent); length 0 shows nothing yet.
  const headerWrite = { id, doc: { ...header } };
  const raw = new ArrayWriter({
    opened,
    principal,
    arrayId: id,
    layout,
    entry: manifestEntry,
  });
  const pyramid = createPyramidBuilder({ dtype: header.dtype });
  const chunkBuckets = options.levelChunkBuckets ?? LEVEL_CHUNK_BUCKETS;
  const levels = new Map<number, ArrayWriter>();
  const levelWriter = (level: number): ArrayWriter => {
    let writer = levels.get(level);
    if (writer === undefined) {
      writer = new ArrayWriter({
        opened,
        principal,
        arrayId: levelId(id, level),
        layout: { dtype: pyramid.dtype, chunkLength: 4 * chunkBuckets, codecs: bytesCodec },
        entry: (sha256, values) => levelManifestEntry(sha256, values as LevelArray),
      });
      levels.set(level, writer);
    }
    return writer;
  };
  // Level headers first too, with length 0, so their pages have a parent.
  const levelHeader = (level: number, length: number): PyramidLevelHeader => ({
    type: 'pyramid-level',
    signalId: id,
    level,
    bucketLength: bucketLength(level),
    dtype: levelDtype(header.dtype),
    chunkLength: chunkBuckets,
    codecs: bytesCodec,
    fillValue: 'NaN',
    length,
    columns: ['min', 'max', 'mean', 'count'],
  });
  const announced = new Set<number>();
  const expected = options.expectedLength === undefined ? 0 : levelCount(options.expectedLength);
  for (let level = 1; level <= expected; level++) announced.add(level);
  await writeOrThrow(
    opened,
    principal,
    headerWrite,
    ...[...announced].map((level) => ({
      id: levelId(id, level),
      doc: { ...levelHeader(level, 0) },
    })),
  );
  const announce = async (level: number): Promise<void> => {
    if (announced.has(level)) return;
    announced.add(level);
    await writeOrThrow(opened, principal, {
      id: levelId(id, level),
      doc: { ...levelHeader(level, 0) },
    });
  };

  for await (const piece of samples) {
    options.signal?.throwIfAborted();
    await raw.push(piece);
    for (const completed of pyramid.push(piece)) {
      await announce(completed.level);
      await levelWriter(completed.level).push(completed.buckets);
    }
  }
  for (const tail of pyramid.tails()) {
    await announce(tail.level);
    await levelWriter(tail.level).push(tail.buckets);
  }
  const length = await raw.finish();
  const levelDocs = [];
  for (let level = 1; level <= pyramid.levels; level++) {
    await announce(level);
    const buckets = await levelWriter(level).finish();
    levelDocs.push({ id: levelId(id, level), doc: { ...levelHeader(level, buckets) } });
  }
  if (levelDocs.length > 0) await writeOrThrow(opened, principal, ...levelDocs);
  const done: SignalHeader = {
    ...header,
    length,
    levels: pyramid.levels,
    pyramid: pyramid.state(),
  };
  await writeOrThrow(opened, principal, { id, doc: { ...done } });
  return done;
}
