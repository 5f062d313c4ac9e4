// Writes a whole signal into the lake — raw chunks, manifest pages, every pyramid level (from
// the one reducer in src/shared) and finally the header, whose `length` commits it — streaming
// its samples piece by piece in bounded memory. Demo seeding uses it; ingestion will append
// with the same pieces.
import {
  DEFAULT_CHUNK_LENGTH,
  resolvedFillValue,
  type SignalArray,
  validateLayout,
} from '../../src/shared/chunk/index.ts';
import { toJsonNumber } from '../../src/shared/signal/json-number.ts';
import { levelManifestEntry, manifestEntry } from '../../src/shared/signal/manifest.ts';
import { createPyramidBuilder, type LevelArray } from '../../src/shared/signal/pyramid.ts';
import { level1Reducer } from './level1.ts';
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
import type { LakeWriter } from '../lake-context.ts';
import { ArrayWriter } from './array-writer.ts';
import { ChunkPuts } from './chunk-puts.ts';
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
  /**
   * The chunk puts in flight, to share with the other signals written at the same time (an
   * upload's columns) so that the bound holds for all of them together; default: its own.
   */
  puts?: ChunkPuts;
}

/**
 * Writes one signal from pieces pushed in order (upload parsers push one piece per column per
 * block): start() creates the header (length 0) and the level headers it can foresee, push()
 * stores chunks and pyramid buckets as they complete, finish() writes the partial last chunks
 * and commits the header. Memory: one chunk per array, plus the chunks being stored (ChunkPuts).
 */
export class SignalWriter {
  readonly #header: SignalHeader;
  readonly #raw: ArrayWriter;
  readonly #pyramid: ReturnType<typeof createPyramidBuilder>;
  readonly #levels = new Map<number, ArrayWriter>();
  readonly #announced = new Set<number>();
  readonly #chunkBuckets: number;
  readonly #puts: ChunkPuts;

  constructor(
    private readonly opened: LakeWriter,
    private readonly principal: Principal,
    readonly id: string,
    spec: NewSignal,
    private readonly options: WriteSignalOptions = {},
  ) {
    this.#header = signalHeader(spec);
    const header = this.#header;
    this.#puts = options.puts ?? new ChunkPuts(opened);
    this.#raw = new ArrayWriter({
      opened,
      principal,
      arrayId: id,
      layout: {
        dtype: header.dtype,
        chunkLength: header.chunkLength,
        codecs: header.codecs,
        fillValue: resolvedFillValue({
          dtype: header.dtype,
          ...(spec.fillValue === undefined ? {} : { fillValue: spec.fillValue }),
        }),
      },
      entry: manifestEntry,
      puts: this.#puts,
    });
    this.#pyramid = createPyramidBuilder({
      dtype: header.dtype,
      ...(level1Reducer === undefined ? {} : { level1: level1Reducer }),
    });
    this.#chunkBuckets = options.levelChunkBuckets ?? LEVEL_CHUNK_BUCKETS;
  }

  #levelHeader(level: number, length: number): PyramidLevelHeader {
    return {
      type: 'pyramid-level',
      signalId: this.id,
      level,
      bucketLength: bucketLength(level),
      dtype: levelDtype(this.#header.dtype),
      chunkLength: this.#chunkBuckets,
      codecs: bytesCodec,
      fillValue: 'NaN',
      length,
      columns: ['min', 'max', 'mean', 'count'],
    };
  }

  #levelWriter(level: number): ArrayWriter {
    let writer = this.#levels.get(level);
    if (writer === undefined) {
      writer = new ArrayWriter({
        opened: this.opened,
        principal: this.principal,
        arrayId: levelId(this.id, level),
        layout: {
          dtype: this.#pyramid.dtype,
          chunkLength: 4 * this.#chunkBuckets,
          codecs: bytesCodec,
        },
        entry: (sha256, values) => levelManifestEntry(sha256, values as LevelArray),
        puts: this.#puts,
        beforePage: () => this.#announce([level]),
      });
      this.#levels.set(level, writer);
    }
    return writer;
  }

  /** The header exists first (pages need their parent); length 0 shows nothing yet. */
  async start(extra: Record<string, unknown> = {}): Promise<void> {
    const expected =
      this.options.expectedLength === undefined ? 0 : levelCount(this.options.expectedLength);
    for (let level = 1; level <= expected; level++) this.#announced.add(level);
    await writeOrThrow(
      this.opened,
      this.principal,
      { id: this.id, doc: { ...this.#header, ...extra } },
      ...[...this.#announced].map((level) => ({
        id: levelId(this.id, level),
        doc: { ...this.#levelHeader(level, 0) },
      })),
    );
  }

  /**
   * Creates the headers of `levels` not created yet, in one write. A level's header is
   * needed only before its first page (a page needs its parent): that is at finish() but for
   * levels long enough to fill a page, so a signal of unknown length costs one write for all
   * its levels rather than one per level (each a metadata commit, an fsync).
   */
  async #announce(levels: readonly number[]): Promise<void> {
    const fresh = levels.filter((level) => !this.#announced.has(level));
    if (fresh.length === 0) return;
    for (const level of fresh) this.#announced.add(level);
    await writeOrThrow(
      this.opened,
      this.principal,
      ...fresh.map((level) => ({
        id: levelId(this.id, level),
        doc: { ...this.#levelHeader(level, 0) },
      })),
    );
  }

  async push(piece: SignalArray): Promise<void> {
    this.options.signal?.throwIfAborted();
    await this.#raw.push(piece);
    for (const completed of this.#pyramid.push(piece)) {
      await this.#levelWriter(completed.level).push(completed.buckets);
    }
  }

  /**
   * Removes every document this writer created (header, level headers, manifest pages): an
   * upload that fails half-way leaves nothing visible. Its chunks become garbage, collected
   * after the grace period. The chunks still being stored are waited for first, so nothing of
   * this writer runs on after it.
   */
  async discard(): Promise<void> {
    await Promise.all([this.#raw, ...this.#levels.values()].map((writer) => writer.settle()));
    // What was stored goes into the chunk index, unreferenced, so that the collector finds it.
    await this.#puts.record().catch(() => undefined);
    const ids = [
      this.id,
      ...[...this.#announced].map((level) => levelId(this.id, level)),
      ...this.#raw.pages,
      ...[...this.#levels.values()].flatMap((writer) => writer.pages),
    ];
    await this.opened.docs.write(
      this.principal,
      ids.map((id) => ({ id, deleted: true })),
    );
  }

  /** Writes what is left and commits the header (with `extra` fields). */
  async finish(extra: Record<string, unknown> = {}): Promise<SignalHeader> {
    for (const tail of this.#pyramid.tails()) {
      await this.#levelWriter(tail.level).push(tail.buckets);
    }
    const length = await this.#raw.finish();
    const levels = Array.from({ length: this.#pyramid.levels }, (_, k) => k + 1);
    await this.#announce(levels);
    const levelDocs = [];
    for (const level of levels) {
      const buckets = await this.#levelWriter(level).finish();
      levelDocs.push({
        id: levelId(this.id, level),
        doc: { ...this.#levelHeader(level, buckets) },
      });
    }
    if (levelDocs.length > 0) await writeOrThrow(this.opened, this.principal, ...levelDocs);
    const done: SignalHeader = {
      ...this.#header,
      length,
      levels: this.#pyramid.levels,
      pyramid: this.#pyramid.state(),
    };
    await writeOrThrow(this.opened, this.principal, { id: this.id, doc: { ...done, ...extra } });
    return done;
  }
}

export async function writeSignal(
  opened: LakeWriter,
  principal: Principal,
  id: string,
  spec: NewSignal,
  samples: AsyncIterable<SignalArray> | Iterable<SignalArray>,
  options: WriteSignalOptions = {},
): Promise<SignalHeader> {
  const writer = new SignalWriter(opened, principal, id, spec, options);
  await writer.start();
  for await (const piece of samples) await writer.push(piece);
  return writer.finish();
}
