// Field kits on in-memory storages: the local documents are built the way the lake writes them
// (server/signals/write-signal.ts and array-writer.ts, with the same pure helpers from
// src/shared: the codec, the pyramid reducer, the manifest entries), chunk bytes are real
// encoded chunks served by hash from a fake lake, and the chunk store is the real memory one.
// The same kits against a real lake: integration/sync/field-kit.test.ts.
import { beforeEach, describe, expect, it } from 'vitest';
import { encodeChunk, type SignalArray, type ZarrCodec } from '../../shared/chunk/index.ts';
import { entriesByPage, levelManifestEntry, manifestEntry } from '../../shared/signal/manifest.ts';
import {
  buildPyramid,
  createPyramidBuilder,
  type LevelArray,
} from '../../shared/signal/pyramid.ts';
import {
  bucketLength,
  type ChunkPage,
  levelDtype,
  levelId,
  type ManifestEntry,
  pageId,
  type PyramidLevelHeader,
  type SignalHeader,
} from '../../shared/signal/types.ts';
import { MemoryChunkStore } from '../chunks/memory-chunk-store.ts';
import type { ChunkOwner } from '../chunks/types.ts';
import { JioError, isJioError } from '../errors.ts';
import { createMemoryData, MemoryStorage } from '../storages/memory.ts';
import { QueryStorage } from '../storages/query.ts';
import type { CallOptions, JioDocument, Storage } from '../types.ts';
import {
  checkKitSpec,
  FieldKits,
  type KitChunk,
  type KitProgress,
  type KitSpec,
  kitSignals,
  planKit,
} from './field-kit.ts';

const T0_MS = Date.parse('2026-11-22T06:00:00Z');
const T0 = new Date(T0_MS).toISOString();
const at = (ms: number): string => new Date(T0_MS + ms).toISOString();
const bytesCodec: ZarrCodec[] = [{ name: 'bytes', configuration: { endian: 'little' } }];

/** Chunk bytes the fake lake serves, by hash. */
type Served = Map<string, Uint8Array>;

interface Written {
  docs: { id: string; doc: JioDocument }[];
  header: SignalHeader;
}

/** Chunks and manifest pages of one array (a signal, or a level: 4 values per bucket). */
async function writeArray(
  arrayId: string,
  values: SignalArray,
  valuesPerChunk: number,
  entry: (sha256: string, values: SignalArray) => ManifestEntry,
  served: Served,
): Promise<{ id: string; doc: JioDocument }[]> {
  const dtype = values instanceof Float64Array ? 'float64' : 'float32';
  const entries: [number, ManifestEntry][] = [];
  for (let index = 0; index * valuesPerChunk < values.length; index++) {
    const part = values.subarray(index * valuesPerChunk, (index + 1) * valuesPerChunk);
    const encoded = await encodeChunk(part, {
      dtype,
      chunkLength: valuesPerChunk,
      codecs: bytesCodec,
    });
    served.set(encoded.sha256, encoded.bytes.slice());
    entries.push([index, entry(encoded.sha256, part)]);
  }
  return [...entriesByPage(entries)].map(([page, slots]) => {
    const doc: ChunkPage = {
      type: 'chunk-page',
      signalId: arrayId,
      page,
      entries: slots.map(([, e]) => e),
    };
    return { id: pageId(arrayId, page), doc: { ...doc } };
  });
}

/** A whole signal as SignalWriter leaves it: header, level headers, every manifest page. */
async function lakeSignal(
  id: string,
  spec: {
    datasetId: string;
    values: Float32Array | Float64Array;
    chunkLength: number;
    /** Buckets per level chunk (the lake's LEVEL_CHUNK_BUCKETS, small here). */
    levelChunkBuckets: number;
    t0?: string;
    sampleRate?: number;
    timeSignalId?: string;
    unit?: string;
  },
  served: Served,
): Promise<Written> {
  const { values } = spec;
  const dtype = values instanceof Float64Array ? 'float64' : 'float32';
  const docs: { id: string; doc: JioDocument }[] = [];
  docs.push(...(await writeArray(id, values, spec.chunkLength, manifestEntry, served)));
  for (const { level, buckets } of buildPyramid(values)) {
    const header: PyramidLevelHeader = {
      type: 'pyramid-level',
      signalId: id,
      level,
      bucketLength: bucketLength(level),
      dtype: levelDtype(dtype),
      chunkLength: spec.levelChunkBuckets,
      codecs: bytesCodec,
      fillValue: 'NaN',
      length: buckets.length / 4,
      columns: ['min', 'max', 'mean', 'count'],
    };
    docs.push({ id: levelId(id, level), doc: { ...header } });
    docs.push(
      ...(await writeArray(
        levelId(id, level),
        buckets,
        4 * spec.levelChunkBuckets,
        (sha256, part) => levelManifestEntry(sha256, part as LevelArray),
        served,
      )),
    );
  }
  const pyramid = createPyramidBuilder({ dtype });
  pyramid.push(values);
  const header: SignalHeader = {
    type: 'signal',
    datasetId: spec.datasetId,
    name: id.split('/').at(-1) ?? id,
    dtype,
    chunkLength: spec.chunkLength,
    codecs: bytesCodec,
    fillValue: 'NaN',
    length: values.length,
    ...(spec.t0 === undefined ? {} : { t0: spec.t0 }),
    ...(spec.sampleRate === undefined ? {} : { sampleRate: spec.sampleRate }),
    ...(spec.timeSignalId === undefined ? {} : { timeSignalId: spec.timeSignalId }),
    ...(spec.unit === undefined ? {} : { unit: spec.unit }),
    levels: pyramid.levels,
    pyramid: pyramid.state(),
  };
  // The header last: its length commits the signal.
  docs.push({ id, doc: { ...header } });
  return { docs, header };
}

const wave = (length: number, period: number): Float32Array =>
  Float32Array.from({ length }, (_, i) => Math.sin((2 * Math.PI * i) / period) + i / length);

/**
 * Two sites. North: a pump with one run of two regular signals of different lengths and rates
 * (A: 4 096 samples at 100 Hz, 4 levels; B: 1 024 at 10 Hz, 3 levels) and an irregular one (I,
 * its times in T). South: a fan with one signal (C).
 */
async function lake(local: Storage, served: Served): Promise<void> {
  const times = Float64Array.from({ length: 1024 }, (_, i) => T0_MS + i * 400);
  const signals = await Promise.all([
    lakeSignal(
      'signal/a',
      {
        datasetId: 'dataset/run',
        values: wave(4096, 100),
        chunkLength: 512,
        levelChunkBuckets: 4,
        t0: T0,
        sampleRate: 100,
      },
      served,
    ),
    lakeSignal(
      'signal/b',
      {
        datasetId: 'dataset/run',
        values: wave(1024, 37),
        chunkLength: 256,
        levelChunkBuckets: 4,
        t0: T0,
        sampleRate: 10,
      },
      served,
    ),
    lakeSignal(
      'signal/i',
      {
        datasetId: 'dataset/run',
        values: wave(1024, 50),
        chunkLength: 256,
        levelChunkBuckets: 4,
        timeSignalId: 'signal/t',
      },
      served,
    ),
    lakeSignal(
      'signal/t',
      {
        datasetId: 'dataset/run',
        values: times,
        chunkLength: 256,
        levelChunkBuckets: 4,
        unit: 'ms since 1970-01-01T00:00:00Z',
      },
      served,
    ),
    lakeSignal(
      'signal/c',
      {
        datasetId: 'dataset/fan-run',
        values: wave(512, 20),
        chunkLength: 256,
        levelChunkBuckets: 4,
        t0: T0,
        sampleRate: 1,
      },
      served,
    ),
  ]);
  const docs: { id: string; doc: JioDocument }[] = [
    { id: 'site/north', doc: { type: 'site', name: 'North' } },
    { id: 'site/south', doc: { type: 'site', name: 'South' } },
    { id: 'asset/pump', doc: { type: 'asset', site: 'site/north', name: 'Pump' } },
    { id: 'asset/fan', doc: { type: 'asset', site: 'site/south', name: 'Fan' } },
    {
      id: 'dataset/run',
      doc: { type: 'dataset', site: 'site/north', assetId: 'asset/pump', title: 'Run' },
    },
    {
      id: 'dataset/fan-run',
      doc: { type: 'dataset', site: 'site/south', assetId: 'asset/fan', title: 'Fan run' },
    },
    ...signals.flatMap((signal) => signal.docs),
  ];
  for (const { id, doc } of docs) await local.put(id, doc);
}

interface FetchCall {
  hashes: string[];
  owner: ChunkOwner;
}

/** What SyncEngine.fetchChunks does, from a Map: skips what is held, stores chunk by chunk. */
function fakeLake(served: Served, chunks: MemoryChunkStore) {
  const calls: FetchCall[] = [];
  const downloads = new Map<string, number>();
  const lakeState = {
    calls,
    downloads,
    /** Throws on this call number (1-based), after storing its first chunk. */
    failOnCall: 0,
    async fetchChunks(hashes: readonly string[], owner: ChunkOwner, options: CallOptions = {}) {
      calls.push({ hashes: [...hashes], owner });
      const held = await chunks.has(hashes, options);
      let bytes = 0;
      let stored = 0;
      for (const [index, sha256] of hashes.entries()) {
        if (held[index] === true) continue;
        options.signal?.throwIfAborted();
        if (calls.length === lakeState.failOnCall && stored === 1) {
          throw new JioError('unavailable', 'The network is gone', { reason: 'network' });
        }
        const data = served.get(sha256);
        if (data === undefined) throw new JioError('not_found', `No chunk ${sha256}`);
        await chunks.put([{ sha256, bytes: data, owner }], { ...options, verified: true });
        downloads.set(sha256, (downloads.get(sha256) ?? 0) + 1);
        bytes += data.byteLength;
        stored++;
      }
      return bytes;
    },
  };
  return lakeState;
}

/** Consecutive runs of (signal, level) in a plan, e.g. `signal/a@4`. */
function runs(chunks: readonly KitChunk[]): string[] {
  const out: string[] = [];
  for (const { signalId, level } of chunks) {
    const key = `${signalId}@${String(level)}`;
    if (out.at(-1) !== key) out.push(key);
  }
  return out;
}

const kit = (scope: string[], rest: Partial<KitSpec> = {}): KitSpec => ({
  type: 'kit',
  name: 'Visit',
  scope,
  resolution: 'raw',
  ...rest,
});

let local: Storage;
let served: Served;
let chunks: MemoryChunkStore;
let fake: ReturnType<typeof fakeLake>;
let kits: FieldKits;
let roomAsked: number[];

beforeEach(async () => {
  local = new QueryStorage(new MemoryStorage(createMemoryData()));
  served = new Map();
  chunks = new MemoryChunkStore();
  await lake(local, served);
  fake = fakeLake(served, chunks);
  roomAsked = [];
  kits = new FieldKits({
    local,
    chunks,
    fetchChunks: (hashes, owner, options) => fake.fetchChunks(hashes, owner, options),
    budget: {
      makeRoom: (bytes) => {
        roomAsked.push(bytes);
        return Promise.resolve();
      },
    },
  });
});

describe('kit specs', () => {
  it('accepts a kit and keeps only what it knows', () => {
    expect(
      checkKitSpec({
        type: 'kit',
        name: 'Pump visit',
        scope: ['site/north'],
        from: '2026-11-22T06:00:00Z',
        to: '2026-11-22T07:00',
        resolution: 2,
        owner: 'user/ana',
        _rev: '1-x',
      }),
    ).toEqual({
      type: 'kit',
      name: 'Pump visit',
      scope: ['site/north'],
      from: '2026-11-22T06:00:00Z',
      to: '2026-11-22T07:00',
      resolution: 2,
      owner: 'user/ana',
    });
  });

  it.each([
    ['not an object', 'kit'],
    ['another type', { ...kit(['site/north']), type: 'dashboard' }],
    ['no name', { ...kit(['site/north']), name: ' ' }],
    ['an empty scope', kit([])],
    ['a scope of non-ids', { ...kit(['site/north']), scope: ['site/north', 3] }],
    ['a time that is no ISO 8601 instant', kit(['site/north'], { from: 'March 7, 2026' })],
    ['a window that ends before it starts', kit(['site/north'], { from: at(10), to: at(0) })],
    ['an unknown resolution', { ...kit(['site/north']), resolution: 'full' }],
    ['a level past the last one', kit(['site/north'], { resolution: 26 })],
    ['a fractional level', kit(['site/north'], { resolution: 1.5 })],
    ['an owner that is no string', { ...kit(['site/north']), owner: 7 }],
  ])('refuses %s with a 400 invalid_kit', async (_what, doc) => {
    let caught: unknown;
    try {
      checkKitSpec(doc);
    } catch (error) {
      caught = error;
    }
    expect(isJioError(caught, 'bad_request')).toBe(true);
    expect(caught).toMatchObject({ status: 400, details: { reason: 'invalid_kit' } });
    expect((caught as Error).message).toMatch(/^Invalid field kit: /);
    // Nothing is stored for a refused kit.
    await expect(kits.pin('kit/bad', doc)).rejects.toMatchObject({ status: 400 });
    await expect(local.get('kit/bad')).rejects.toMatchObject({ status: 404 });
  });
});

describe('kit scope', () => {
  it('resolves sites, assets, datasets and signals through the local documents', async () => {
    expect(await kitSignals(local, kit(['site/north']))).toEqual([
      'signal/a',
      'signal/b',
      'signal/i',
      'signal/t',
    ]);
    expect(await kitSignals(local, kit(['asset/fan']))).toEqual(['signal/c']);
    expect(await kitSignals(local, kit(['dataset/fan-run', 'signal/b']))).toEqual([
      'signal/b',
      'signal/c',
    ]);
    // An irregular signal brings its times.
    expect(await kitSignals(local, kit(['signal/i']))).toEqual(['signal/i', 'signal/t']);
  });

  it('works on a storage without queries too', async () => {
    const bare = new MemoryStorage(createMemoryData());
    await lake(bare, new Map());
    expect(bare.hasCapacity('query')).toBe(false);
    expect(await kitSignals(bare, kit(['site/south']))).toEqual(['signal/c']);
  });

  it('says which scope ids are not synced yet, and is not complete then', async () => {
    const plan = await planKit(local, kit(['site/south', 'site/elsewhere']));
    expect(plan.unknownScope).toEqual(['site/elsewhere']);
    const id = await kits.pin('kit/early', kit(['site/elsewhere']));
    expect(await kits.fill(id)).toMatchObject({
      neededChunks: 0,
      unknownScope: 1,
      complete: false,
    });
  });
});

describe('kit plans', () => {
  it('fetches every signal’s coarsest views before any finer one, raw last', async () => {
    const { chunks: plan, unknownPages } = await planKit(
      local,
      kit(['signal/a', 'signal/b', 'signal/c']),
    );
    expect(unknownPages).toEqual([]);
    // Ordered by buckets over the window (the whole signals here): A's level 4, B's and C's
    // level 3 are one bucket each, C's level 2 two, A's 3 and B's 2 four, … — every signal's
    // top level comes before A's level 3, which a plain "highest k first" order would not do.
    expect(runs(plan)).toEqual([
      'signal/a@4',
      'signal/b@3',
      'signal/c@3',
      'signal/c@2',
      'signal/a@3',
      'signal/b@2',
      'signal/c@1',
      'signal/a@2',
      'signal/b@1',
      'signal/a@1',
      'signal/a@0',
      'signal/b@0',
      'signal/c@0',
    ]);
    const count = (signalId: string, level: number) =>
      plan.filter((c) => c.signalId === signalId && c.level === level).length;
    // A: 4 096 samples in chunks of 512; levels of 64, 16, 4, 1 buckets in chunks of 4.
    expect([0, 1, 2, 3, 4].map((level) => count('signal/a', level))).toEqual([8, 16, 4, 1, 1]);
    expect([0, 1, 2, 3].map((level) => count('signal/b', level))).toEqual([4, 4, 1, 1]);
    // Chunk indices ascend within a run, and every hash is the manifest's.
    const page = (await local.get(pageId(levelId('signal/a', 1), 0))) as unknown as ChunkPage;
    expect(plan.filter((c) => c.signalId === 'signal/a' && c.level === 1)).toEqual(
      page.entries.map((entry, index) => ({
        sha256: entry.sha256,
        signalId: 'signal/a',
        level: 1,
        chunkIndex: index,
        // 4 buckets × [min, max, mean, count] × float32.
        bytes: 64,
      })),
    );
    expect(plan.find((c) => c.level === 0)?.bytes).toBe(512 * 4);
  });

  it('keeps only the chunks of the time window, [from, to) to the sample', async () => {
    // 5.12 s to 10.24 s: A's samples [512, 1024) — exactly raw chunk 1 —, B's [52, 103).
    const { chunks: plan } = await planKit(
      local,
      kit(['signal/a', 'signal/b'], { from: at(5120), to: at(10_240) }),
    );
    const indices = (signalId: string, level: number) =>
      plan.filter((c) => c.signalId === signalId && c.level === level).map((c) => c.chunkIndex);
    expect(indices('signal/a', 0)).toEqual([1]);
    // Level 1 (64-sample buckets): buckets [8, 16) → chunks 2, 3 of 4 buckets.
    expect(indices('signal/a', 1)).toEqual([2, 3]);
    expect(indices('signal/a', 2)).toEqual([0]); // buckets [2, 4)
    expect(indices('signal/a', 3)).toEqual([0]);
    expect(indices('signal/a', 4)).toEqual([0]);
    expect(indices('signal/b', 0)).toEqual([0]);
    expect(indices('signal/b', 1)).toEqual([0]); // buckets [0, 2)
    // One sample later, the window reaches raw chunk 2 of A.
    const wider = await planKit(local, kit(['signal/a'], { from: at(5120), to: at(10_250) }));
    expect(wider.chunks.filter((c) => c.level === 0).map((c) => c.chunkIndex)).toEqual([1, 2]);
    // Between samples: from 5.115 s is sample 512 (5.12 s) onwards; to 10.245 s takes sample
    // 1 024 (10.24 s), the first of raw chunk 2, and no sample of chunk 0.
    const between = await planKit(local, kit(['signal/a'], { from: at(5115), to: at(10_245) }));
    expect(between.chunks.filter((c) => c.level === 0).map((c) => c.chunkIndex)).toEqual([1, 2]);
    // A window after the data has nothing.
    const after = await planKit(local, kit(['signal/a'], { from: at(3_600_000) }));
    expect(after.chunks).toEqual([]);
  });

  it('finds an irregular signal’s chunks through its times', async () => {
    // Samples are 400 ms apart: time chunk 1 (samples 256–511) spans 102.4 s to 204.4 s.
    const { chunks: plan, unknownPages } = await planKit(
      local,
      kit(['signal/i'], { from: at(110_000), to: at(150_000) }),
    );
    expect(unknownPages).toEqual([]);
    const raw = plan.filter((c) => c.level === 0);
    expect(raw.map((c) => [c.signalId, c.chunkIndex])).toEqual([
      ['signal/i', 1],
      ['signal/t', 1],
    ]);
    // Level 1 buckets [4, 8) → chunk 1 of each.
    expect(plan.filter((c) => c.level === 1).map((c) => [c.signalId, c.chunkIndex])).toEqual([
      ['signal/i', 1],
      ['signal/t', 1],
    ]);
  });

  it('fetches no raw chunk for an overview, and levels ≥ k for a level k', async () => {
    const overview = await planKit(local, kit(['site/north'], { resolution: 'overview' }));
    expect(overview.chunks.length).toBeGreaterThan(0);
    expect(overview.chunks.some((c) => c.level === 0)).toBe(false);
    expect(new Set(overview.chunks.map((c) => c.level))).toEqual(new Set([1, 2, 3, 4]));

    const two = await planKit(local, kit(['signal/a', 'signal/b'], { resolution: 2 }));
    expect(runs(two.chunks)).toEqual([
      'signal/a@4',
      'signal/b@3',
      'signal/a@3',
      'signal/b@2',
      'signal/a@2',
    ]);
    // B has 3 levels: asked for level 4 and up, it still gets its top one (one bucket, all of B).
    const four = await planKit(local, kit(['signal/a', 'signal/b'], { resolution: 4 }));
    expect(runs(four.chunks)).toEqual(['signal/a@4', 'signal/b@3']);
    // Level 0 is raw.
    const zero = await planKit(local, kit(['signal/b'], { resolution: 0 }));
    expect(runs(zero.chunks)).toEqual(['signal/b@3', 'signal/b@2', 'signal/b@1', 'signal/b@0']);
  });

  it('reports the pages document sync has not brought yet', async () => {
    await local.remove(pageId('signal/b', 0));
    await local.remove(levelId('signal/b', 2));
    const plan = await planKit(local, kit(['signal/b']));
    expect(plan.unknownPages.sort()).toEqual([levelId('signal/b', 2), pageId('signal/b', 0)]);
    expect(runs(plan.chunks)).toEqual(['signal/b@3', 'signal/b@1']);
    const id = await kits.pin('kit/b', kit(['signal/b']));
    const coverage = await kits.fill(id);
    expect(coverage).toMatchObject({ unknownPages: 2, complete: false });
    expect(coverage.heldChunks).toBe(coverage.neededChunks);
  });
});

describe('filling kits', () => {
  it('downloads in plan order, by signal and level, pins, and covers every level', async () => {
    const id = await kits.pin('kit/north', kit(['signal/a', 'signal/b']));
    const plan = (await planKit(local, await kits.get(id))).chunks;
    const progress: KitProgress[] = [];
    const coverage = await kits.fill(id, { onProgress: (p) => progress.push(p) });

    // One signal and level per call, at most 16 hashes, in plan order.
    for (const call of fake.calls) {
      expect(call.hashes.length).toBeLessThanOrEqual(16);
      for (const hash of call.hashes) {
        const chunk = plan.find((c) => c.sha256 === hash);
        expect(chunk).toMatchObject(call.owner);
      }
    }
    expect(fake.calls.flatMap((call) => call.hashes)).toEqual(plan.map((c) => c.sha256));
    expect(fake.calls.map((call) => call.hashes.length)).toContain(16); // A's level 1
    expect(roomAsked[0]).toBe(64); // A's level-4 chunk: 4 buckets × 4 float32
    const downloaded = [...served].filter(([hash]) => fake.downloads.has(hash));
    const bytes = downloaded.reduce((sum, [, data]) => sum + data.byteLength, 0);
    expect(progress[0]).toEqual({ done: 0, total: plan.length, bytes: 0 });
    expect(progress.at(-1)).toEqual({ done: plan.length, total: plan.length, bytes });

    expect(coverage).toMatchObject({
      kitId: 'kit/north',
      neededChunks: plan.length,
      heldChunks: plan.length,
      pinnedChunks: plan.length,
      heldBytes: bytes,
      unknownPages: 0,
      unknownScope: 0,
      complete: true,
    });
    expect(coverage.signals.map((s) => s.signalId)).toEqual(['signal/a', 'signal/b']);
    expect(coverage.signals[0]?.levels).toEqual([
      { level: 4, needed: 1, held: 1, bytes: 64 },
      { level: 3, needed: 1, held: 1, bytes: 64 },
      { level: 2, needed: 4, held: 4, bytes: 256 },
      { level: 1, needed: 16, held: 16, bytes: 1024 },
      { level: 0, needed: 8, held: 8, bytes: 8 * 2048 },
    ]);
    const usage = await chunks.usage();
    expect(usage.byKit).toEqual({ 'kit/north': bytes });
    expect(usage.pinnedBytes).toBe(bytes);
    expect(await kits.coverage(id)).toEqual(coverage);
  });

  it('downloads only what is missing, and pins what was already there', async () => {
    const id = await kits.pin('kit/b', kit(['signal/b']));
    const plan = (await planKit(local, await kits.get(id))).chunks;
    const already = plan.filter((c) => c.level === 1);
    await chunks.put(
      already.map((c) => ({
        sha256: c.sha256,
        bytes: served.get(c.sha256) ?? new Uint8Array(),
        owner: { signalId: c.signalId, level: c.level },
      })),
    );
    const coverage = await kits.fill(id);
    expect(coverage.complete).toBe(true);
    const asked = new Set(fake.calls.flatMap((call) => call.hashes));
    for (const chunk of already) expect(asked.has(chunk.sha256)).toBe(false);
    expect(asked.size).toBe(plan.length - already.length);
    expect((await chunks.info(already.map((c) => c.sha256))).map((i) => i?.kits)).toEqual(
      already.map(() => ['kit/b']),
    );
    // Filled again: nothing to fetch.
    fake.calls.length = 0;
    await kits.fill(id);
    expect(fake.calls).toEqual([]);
  });

  it('keeps what arrived pinned when the network fails, and resumes without refetching', async () => {
    // Calls: A's level 4, level 3 (one chunk each), level 2 (four chunks), …
    const id = await kits.pin('kit/a', kit(['signal/a']));
    fake.failOnCall = 3;
    const progress: KitProgress[] = [];
    await expect(kits.fill(id, { onProgress: (p) => progress.push(p) })).rejects.toMatchObject({
      code: 'unavailable',
    });
    // Two whole calls and the first chunk of the third arrived, and stay pinned.
    const first = fake.calls.slice(0, 2).flatMap((call) => call.hashes);
    const third = fake.calls[2]?.hashes[0] ?? '';
    const kept = [...first, third];
    expect(fake.downloads.size).toBe(kept.length);
    const infos = await chunks.info(kept);
    expect(infos.map((info) => info?.kits)).toEqual(kept.map(() => ['kit/a']));
    expect(progress.at(-1)?.done).toBe(kept.length);
    expect(await chunks.evict(Number.MAX_SAFE_INTEGER)).toEqual({ freedBytes: 0, evicted: [] });
    const partial = await kits.coverage(id);
    expect(partial).toMatchObject({ heldChunks: kept.length, complete: false });

    fake.failOnCall = 0;
    const coverage = await kits.fill(id);
    expect(coverage.complete).toBe(true);
    // Every chunk came down exactly once over the two fills.
    expect([...fake.downloads.values()].every((times) => times === 1)).toBe(true);
    expect(fake.downloads.size).toBe(coverage.neededChunks);
  });

  it('stops cleanly on abort, keeping what arrived', async () => {
    const id = await kits.pin('kit/north', kit(['site/north']));
    const controller = new AbortController();
    const progress: KitProgress[] = [];
    const filling = kits.fill(id, {
      signal: controller.signal,
      onProgress: (p) => {
        progress.push(p);
        if (p.done >= 3) controller.abort();
      },
    });
    const error: unknown = await filling.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('AbortError');
    const calls = fake.calls.length;
    expect(calls).toBeGreaterThan(0);
    const got = [...fake.downloads.keys()];
    expect((await chunks.info(got)).every((info) => info?.kits.includes(id) === true)).toBe(true);
    const coverage = await kits.coverage(id);
    expect(coverage.heldChunks).toBe(progress.at(-1)?.done);
    expect(coverage.complete).toBe(false);
    // Nothing runs on after the abort; the next fill finishes the job.
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(fake.calls.length).toBe(calls);
    expect((await kits.fill(id)).complete).toBe(true);
  });

  it('unpinned, its chunks are evictable; removed, the kit is gone', async () => {
    const id = await kits.pin('kit/north', kit(['site/north'], { resolution: 'overview' }));
    const coverage = await kits.fill(id);
    expect(coverage.complete).toBe(true);
    expect(await chunks.evict(Number.MAX_SAFE_INTEGER)).toEqual({ freedBytes: 0, evicted: [] });
    await kits.unpin(id);
    expect((await chunks.usage()).pinnedBytes).toBe(0);
    // Still listed (it may be someone else's kit), no longer pinned.
    expect(await kits.list()).toEqual([{ id, kit: await kits.get(id) }]);
    expect(await kits.coverage(id)).toMatchObject({ pinnedChunks: 0, complete: true });
    const evicted = await chunks.evict(Number.MAX_SAFE_INTEGER);
    expect(evicted.freedBytes).toBe(coverage.heldBytes);
    expect(await kits.coverage(id)).toMatchObject({ heldChunks: 0, complete: false });
    await kits.remove(id);
    expect(await kits.list()).toEqual([]);
  });

  it('releases pins on versions the manifest no longer names', async () => {
    const id = await kits.pin('kit/b', kit(['signal/b']));
    await kits.fill(id);
    // A late value placed in B's chunk 3 on the lake: a new version, a new hash, a new page.
    const page = (await local.get(pageId('signal/b', 0))) as unknown as ChunkPage & JioDocument;
    const old = page.entries[3]?.sha256 ?? '';
    const values = wave(256, 11);
    const encoded = await encodeChunk(values, {
      dtype: 'float32',
      chunkLength: 256,
      codecs: bytesCodec,
    });
    served.set(encoded.sha256, encoded.bytes.slice());
    const entries = [...page.entries];
    entries[3] = manifestEntry(encoded.sha256, values);
    await local.put(pageId('signal/b', 0), {
      type: 'chunk-page',
      signalId: 'signal/b',
      page: 0,
      entries,
    });

    fake.calls.length = 0;
    const coverage = await kits.fill(id);
    expect(fake.calls.map((call) => call.hashes)).toEqual([[encoded.sha256]]);
    expect(coverage.complete).toBe(true);
    const [oldInfo, newInfo] = await chunks.info([old, encoded.sha256]);
    expect(oldInfo?.kits).toEqual([]);
    expect(newInfo?.kits).toEqual([id]);
    expect((await chunks.usage()).byKit).toEqual({ [id]: coverage.heldBytes });
    // Narrowing the window releases what falls out of it.
    await kits.pin(id, kit(['signal/b'], { to: at(10_000) }));
    const narrow = await kits.fill(id);
    expect((await chunks.usage()).byKit).toEqual({ [id]: narrow.heldBytes });
    expect(narrow.heldBytes).toBeLessThan(coverage.heldBytes);
  });

  it('releases the pins of a kit deleted elsewhere', async () => {
    const id = await kits.pin(undefined, kit(['site/south']));
    expect(id).not.toBe('');
    expect((await kits.list()).map((entry) => entry.id)).toEqual([id]);
    const kept = await kits.pin('kit/kept', kit(['signal/b'], { resolution: 'overview' }));
    await kits.fill(id);
    await kits.fill(kept);
    // The deletion arrives by document sync: nothing unpinned it on this device.
    await local.remove(id);
    expect(Object.keys((await chunks.usage()).byKit).sort()).toEqual([id, kept].sort());
    expect(await kits.releaseOrphans()).toEqual([id]);
    expect(Object.keys((await chunks.usage()).byKit)).toEqual([kept]);
  });

  it('stops when the budget has no room, fetching nothing', async () => {
    const full = new FieldKits({
      local,
      chunks,
      fetchChunks: (hashes, owner, options) => fake.fetchChunks(hashes, owner, options),
      budget: {
        makeRoom: () =>
          Promise.reject(
            new JioError('insufficient_storage', 'No room', { reason: 'over_budget' }),
          ),
      },
    });
    const id = await full.pin('kit/big', kit(['site/north']));
    await expect(full.fill(id)).rejects.toMatchObject({ status: 507 });
    expect(fake.calls).toEqual([]);
  });
});
