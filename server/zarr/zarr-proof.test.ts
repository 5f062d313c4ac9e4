// Proof that the lake's Zarr view is plain Zarr v3: signals written by the lake's own writer
// (and one extended the way a sync client does, over HTTP) are opened with zarrita — a Zarr
// implementation we did not write — from the data directory and over `/api/zarr/`, and every
// value is compared with the samples they were made from: every dtype × codec chain, a partial
// last chunk, pyramid levels against the reducer run here on the samples, and an append.
// docs/zarr.md tells analysts how to open the same hierarchy with zarr-python, xarray and
// TensorStore; this file is what stands behind it.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as zarr from 'zarrita';
import {
  allocate,
  type ChunkLayout,
  chunkStats,
  type Dtype,
  encodeChunk,
  sha256Hex,
  type SignalArray,
  type ZarrCodec,
} from '../../src/shared/chunk/index.ts';
import { toJsonNumber } from '../../src/shared/signal/json-number.ts';
import { buildPyramid } from '../../src/shared/signal/pyramid.ts';
import type { WireBulkResult } from '../../src/shared/wire/lake.ts';
import {
  bucketLength,
  levelDtype,
  levelLength,
  type ManifestEntry,
  pageId,
} from '../../src/shared/signal/types.ts';
import { zarrNodeName } from '../blobs/zarr-path.ts';
import { LAKE_PRINCIPAL, writeOrThrow } from '../signals/write-docs.ts';
import { writeSignal } from '../signals/write-signal.ts';
import { startTestLake, type TestLake } from '../test-support/test-lake.ts';
import { directoryZarrStore, httpZarrStore } from './test-support/fs-zarr-store.ts';

/** A data directory in memory where there is one: the blob store fsyncs every chunk. */
async function dataDir(): Promise<string> {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return mkdtemp(path.join(base, 'fieldlake-zarr-proof-'));
}

const SITE = 'site/a';
// A '/' and a space: the node name is the encoded id, as analysts must spell it.
const DATASET = 'dataset/site-a/run 1';
const DATASET_NODE = 'dataset~2Fsite-a~2Frun~201';
const T0 = '2024-01-01T00:00:00Z';
const SAMPLE_RATE = 250;
const UNIT = 'm/s²';

/** Small chunks keep the proof fast; the last chunk holds 517 of 1 024 samples. */
const CHUNK = 1024;
const LENGTH = 3 * CHUNK + 517;
/** Buckets per pyramid chunk: level 1 (57 buckets) and level 2 (15) end in a partial chunk. */
const LEVEL_CHUNK = 8;

const BYTES: ZarrCodec = { name: 'bytes', configuration: { endian: 'little' } };
const CODECS: Record<string, ZarrCodec[]> = {
  bytes: [BYTES],
  gzip: [BYTES, { name: 'gzip', configuration: { level: 5 } }],
  zstd: [BYTES, { name: 'zstd', configuration: { level: 3, checksum: false } }],
};

const ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  int16: Int16Array,
  int32: Int32Array,
} as const;

/** Sample i: deterministic, with NaN, ±Infinity, −0 and each integer type's extremes. */
function sample(dtype: Dtype, i: number): number {
  switch (dtype) {
    case 'float32':
      if (i % 97 === 5) return Number.NaN;
      if (i === 10) return Number.POSITIVE_INFINITY;
      if (i === 11) return Number.NEGATIVE_INFINITY;
      if (i === 12) return -0;
      return Math.fround(Math.sin(i / 7) * 100 + i / 1000);
    case 'float64':
      if (i % 101 === 3) return Number.NaN;
      if (i === 13) return Number.MIN_VALUE;
      return Math.sin(i / 7) * 1e6 + 1 / 3;
    case 'int16':
      if (i === 1) return -32768;
      if (i === 2) return 32767;
      return ((i * 7919) % 65536) - 32768;
    case 'int32':
      if (i === 1) return -(2 ** 31);
      if (i === 2) return 2 ** 31 - 1;
      return (i * 2654435761) | 0;
  }
}

function samples(dtype: Dtype, start: number, end: number): SignalArray {
  const values = allocate(dtype, Math.max(0, end - start));
  for (let k = 0; k < values.length; k++) values[k] = sample(dtype, start + k);
  return values;
}

/** Fed in pieces that straddle chunk boundaries, as a collector would. */
function* pieces(dtype: Dtype, start: number, end: number, piece = 700): Generator<SignalArray> {
  for (let at = start; at < end; at += piece) yield samples(dtype, at, Math.min(end, at + piece));
}

/** Values as text, so that NaN equals NaN, −0 differs from 0, and a failure diff is readable. */
function text(values: ArrayLike<number>): string[] {
  return Array.from(values, (v) => (Object.is(v, -0) ? '-0' : String(v)));
}

/** The numbers of what zarrita returned, checked to be one of the lake's array types. */
function numbers(data: unknown): SignalArray {
  if (
    data instanceof Float32Array ||
    data instanceof Float64Array ||
    data instanceof Int16Array ||
    data instanceof Int32Array
  ) {
    return data;
  }
  throw new Error(`zarrita returned ${Object.prototype.toString.call(data)}, not a number array`);
}

/**
 * Bucket b of `size` samples as DESIGN.md defines it, written here without the reducer: NaN
 * ignored by min/max/mean, ±Infinity an extreme but not counted nor averaged.
 */
function bucketOf(values: SignalArray, size: number, b: number): number[] {
  const part = Array.from(values.subarray(b * size, (b + 1) * size));
  const seen = part.filter((v) => !Number.isNaN(v));
  const finite = part.filter((v) => Number.isFinite(v));
  return [
    seen.length === 0 ? Number.NaN : Math.min(...seen),
    seen.length === 0 ? Number.NaN : Math.max(...seen),
    finite.length === 0 ? Number.NaN : finite.reduce((sum, v) => sum + v, 0) / finite.length,
    finite.length,
  ];
}

function expectClose(actual: number, expected: number, tolerance: number): void {
  if (!Number.isFinite(expected)) expect(text([actual])).toEqual(text([expected]));
  else
    expect(Math.abs(actual - expected)).toBeLessThanOrEqual(
      tolerance * Math.max(1, Math.abs(expected)),
    );
}

interface Case {
  name: string;
  dtype: Dtype;
  codec: string;
}

const CASES: Case[] = (['float32', 'float64', 'int16', 'int32'] as const).flatMap((dtype) =>
  Object.keys(CODECS).map((codec) => ({ name: `${dtype}.${codec}`, dtype, codec })),
);

const signalId = (name: string): string => `${DATASET}/${name}`;
const signalPath = (name: string): string => `${DATASET_NODE}/${zarrNodeName(name)}`;

type Root = zarr.Location<zarr.Readable>;

let lake: TestLake;
let dir: string;

/** A fresh root per open, so no reader state (zarrita's version guess) carries over. */
function rootOf(view: string): Root {
  const zarrRoot = path.join(lake.dir, 'zarr');
  const url = lake.url ?? '';
  return view === 'directory'
    ? zarr.root(directoryZarrStore(zarrRoot))
    : zarr.root(httpZarrStore(url, lake.adminToken));
}

const VIEWS = ['directory', 'HTTP'] as const;

async function openArray(view: string, at: string): Promise<zarr.Array<zarr.DataType>> {
  return zarr.open(rootOf(view).resolve(at), { kind: 'array' });
}

beforeAll(async () => {
  dir = await dataDir();
  lake = await startTestLake({ dir, listen: true });
  await writeOrThrow(
    lake.opened,
    LAKE_PRINCIPAL,
    { id: SITE, doc: { type: 'site', title: 'Plant A' } },
    { id: DATASET, doc: { type: 'dataset', site: SITE, title: 'Run 1', start: T0 } },
  );
  for (const { name, dtype, codec } of CASES) {
    await writeSignal(
      lake.opened,
      LAKE_PRINCIPAL,
      signalId(name),
      {
        datasetId: DATASET,
        name,
        dtype,
        chunkLength: CHUNK,
        codecs: CODECS[codec] ?? [BYTES],
        t0: T0,
        sampleRate: SAMPLE_RATE,
        unit: UNIT,
      },
      pieces(dtype, 0, LENGTH),
      { levelChunkBuckets: LEVEL_CHUNK },
    );
  }
}, 60_000);

afterAll(async () => {
  await lake.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the Zarr view, read by zarrita', () => {
  it('names nodes by the documented encoding', () => {
    expect(zarrNodeName(DATASET)).toBe(DATASET_NODE);
    expect(zarrNodeName('float32.gzip')).toBe('float32~2Egzip');
  });

  it.each(VIEWS)('opens the root and the dataset as groups (%s)', async (view) => {
    const root = rootOf(view);
    const top = await zarr.open(root, { kind: 'group' });
    expect(top.attrs).toHaveProperty('fieldlake');
    const dataset = await zarr.open(root.resolve(DATASET_NODE), { kind: 'group' });
    expect(dataset.attrs).toMatchObject({
      id: DATASET,
      type: 'dataset',
      site: SITE,
      title: 'Run 1',
    });
    const pyramid = await zarr.open(root.resolve(`${signalPath('float32.bytes')}.pyramid`), {
      kind: 'group',
    });
    expect(pyramid.attrs).toMatchObject({ signalId: signalId('float32.bytes'), pyramid: true });
    // A node that is not there is "not found" in both views, never an error status.
    await expect(zarr.open(root.resolve(`${DATASET_NODE}/nothing`))).rejects.toThrow(
      zarr.NotFoundError,
    );
  });

  it('gives no dimension name two sizes within a group (xarray opens a group as one Dataset)', async () => {
    const root = rootOf('directory');
    const groups = [DATASET_NODE, ...CASES.map(({ name }) => `${signalPath(name)}.pyramid`)];
    for (const group of groups) {
      const sizes = new Map<string, number>();
      const children = await readdir(path.join(lake.dir, 'zarr', group), { withFileTypes: true });
      for (const child of children.filter((entry) => entry.isDirectory())) {
        const node = await zarr.open(root.resolve(`${group}/${child.name}`));
        if (!(node instanceof zarr.Array)) continue;
        node.dimensionNames?.forEach((dimension, axis) => {
          const size = node.shape[axis];
          expect(sizes.get(dimension) ?? size, `${group}: ${dimension}`).toBe(size);
          sizes.set(dimension, size ?? 0);
        });
      }
      expect(sizes.size).toBeGreaterThan(0);
    }
  });

  it('serves HTTP only to a bearer, and only for reading', async () => {
    const url = new URL('/api/zarr/', lake.url ?? '');
    const anonymous = zarr.root(new zarr.FetchStore(url));
    await expect(zarr.open(anonymous.resolve(DATASET_NODE), { kind: 'group' })).rejects.toThrow(
      /401/,
    );
    const write = await lake.app.inject({
      method: 'PUT',
      url: `/api/zarr/${signalPath('float32.bytes')}/c/0`,
      headers: { ...lake.auth(lake.adminToken), 'content-type': 'application/octet-stream' },
      payload: Buffer.from([1, 2, 3]),
    });
    expect(write.statusCode).toBeGreaterThanOrEqual(400);
  });

  describe.each(CASES)('$name', ({ name, dtype }) => {
    const expected = samples(dtype, 0, LENGTH);

    it.each(VIEWS)('reads every sample, and no fill past length (%s)', async (view) => {
      const array = await openArray(view, signalPath(name));
      expect(array.dtype).toBe(dtype);
      expect(array.shape).toEqual([LENGTH]);
      expect(array.chunks).toEqual([CHUNK]);
      expect(array.dimensionNames).toEqual([`${name}_sample`]);
      expect(array.attrs).toMatchObject({
        unit: UNIT,
        t0: T0,
        sampleRate: SAMPLE_RATE,
        datasetId: DATASET,
        name,
      });
      const fill = dtype.startsWith('float') ? Number.NaN : 0;
      expect(text([Number(array.fillValue)])).toEqual(text([fill]));

      const whole = await zarr.get(array);
      expect(whole.shape).toEqual([LENGTH]);
      const values = numbers(whole.data);
      expect(values).toBeInstanceOf(ARRAYS[dtype]);
      expect(text(values)).toEqual(text(expected));

      // A slice across a chunk boundary into the partial last chunk, to its very end.
      const from = 2 * CHUNK - 5;
      const tail = await zarr.get(array, [zarr.slice(from, LENGTH)]);
      expect(text(numbers(tail.data))).toEqual(text(expected.subarray(from)));

      // The stored last chunk is padded with the fill value; shape is what keeps it unread.
      const last = await array.getChunk([3]);
      const chunk = numbers(last.data);
      expect(chunk.length).toBe(CHUNK);
      expect(text(chunk.subarray(0, LENGTH - 3 * CHUNK))).toEqual(
        text(expected.subarray(3 * CHUNK)),
      );
      expect(new Set(text(chunk.subarray(LENGTH - 3 * CHUNK)))).toEqual(new Set(text([fill])));
    });

    it.each(VIEWS)('reads pyramid levels 1 and 2 as the reducer builds them (%s)', async (view) => {
      const reference = buildPyramid(expected);
      for (const level of [1, 2]) {
        const array = await openArray(view, `${signalPath(name)}.pyramid/${level}`);
        const buckets = levelLength(LENGTH, level);
        expect(array.dtype).toBe(levelDtype(dtype));
        expect(array.shape).toEqual([buckets, 4]);
        expect(array.chunks).toEqual([LEVEL_CHUNK, 4]);
        expect(array.dimensionNames).toEqual([`${name}_level${level}_bucket`, 'statistic']);
        expect(array.attrs).toMatchObject({
          level,
          bucketLength: bucketLength(level),
          columns: ['min', 'max', 'mean', 'count'],
          signalId: signalId(name),
        });
        const got = await zarr.get(array);
        expect(got.shape).toEqual([buckets, 4]);
        const values = numbers(got.data);
        expect(values).toBeInstanceOf(ARRAYS[levelDtype(dtype)]);
        // Bit for bit what the one reducer gives for the whole signal at once…
        const built = reference.find((part) => part.level === level)?.buckets;
        expect(text(values)).toEqual(text(built ?? []));
        // …and, up to the rounding of the mean, buckets reduced here from the pyramid rules.
        const tolerance = levelDtype(dtype) === 'float32' ? 1e-6 : 1e-12;
        expect(values.length).toBe(4 * buckets);
        for (let b = 0; b < buckets; b++) {
          const want = bucketOf(expected, bucketLength(level), b);
          const have = Array.from(values.subarray(4 * b, 4 * b + 4));
          have.forEach((value, k) => {
            expectClose(value, want[k] ?? Number.NaN, tolerance);
          });
        }
      }
    });
  });
});

describe('an append over HTTP, re-read by zarrita', () => {
  const NAME = 'grow';
  const ID = signalId(NAME);
  const DTYPE = 'float32';
  const LAYOUT: ChunkLayout = { dtype: DTYPE, chunkLength: CHUNK, codecs: CODECS.zstd ?? [] };
  const GROWN = LENGTH + CHUNK + 300; // fills chunk 3, adds chunk 4 with 817 samples

  const auth = () => lake.auth(lake.adminToken);
  const getDoc = async (id: string): Promise<Record<string, unknown>> => {
    const response = await lake.app.inject({
      method: 'GET',
      url: `/api/docs/${encodeURIComponent(id)}`,
      headers: auth(),
    });
    expect(response.statusCode).toBe(200);
    return response.json<Record<string, unknown>>();
  };
  /** A document as a client pushes it back: its body, conditional on the revision it read. */
  const update = (id: string, read: Record<string, unknown>, changes: Record<string, unknown>) => {
    const { _rev: rev, ...body } = read;
    return { id, doc: { ...body, ...changes }, assumedRev: rev };
  };
  const bulk = async (...items: unknown[]): Promise<void> => {
    const response = await lake.app.inject({
      method: 'POST',
      url: '/api/bulk',
      headers: auth(),
      payload: { items },
    });
    expect(response.statusCode).toBe(200);
    for (const result of response.json<{ results: WireBulkResult[] }>().results) {
      expect(result).toMatchObject({ ok: true });
    }
  };
  const putChunk = async (bytes: Uint8Array, sha: string): Promise<void> => {
    const response = await lake.app.inject({
      method: 'PUT',
      url: `/api/chunks/${sha}`,
      headers: { ...auth(), 'content-type': 'application/octet-stream' },
      payload: Buffer.from(bytes),
    });
    expect([200, 201]).toContain(response.statusCode);
  };
  const entryOf = async (values: Float32Array): Promise<ManifestEntry & { bytes: Uint8Array }> => {
    const encoded = await encodeChunk(values, LAYOUT);
    const stats = chunkStats(values);
    return {
      sha256: encoded.sha256,
      count: values.length,
      min: toJsonNumber(stats.min),
      max: toJsonNumber(stats.max),
      mean: toJsonNumber(stats.mean),
      finite: stats.count,
      nanCount: stats.nanCount,
      bytes: encoded.bytes,
    };
  };

  it('shows the new samples once the header commits them; the old chunk stays readable', async () => {
    await writeSignal(
      lake.opened,
      LAKE_PRINCIPAL,
      ID,
      { datasetId: DATASET, name: NAME, dtype: DTYPE, chunkLength: CHUNK, codecs: LAYOUT.codecs },
      pieces(DTYPE, 0, LENGTH),
      { levelChunkBuckets: LEVEL_CHUNK },
    );
    const before = samples(DTYPE, 0, LENGTH);
    const grown = samples(DTYPE, 0, GROWN);
    // A reader that opened before the append (zarrita keeps the metadata it read).
    const early = await openArray('HTTP', signalPath(NAME));
    expect(text(numbers((await zarr.get(early)).data))).toEqual(text(before));
    const oldMetadata = await readFile(
      path.join(lake.dir, 'zarr', DATASET_NODE, zarrNodeName(NAME), 'zarr.json'),
    );

    // The client's append: new version of chunk 3 (now full), new chunk 4, chunks first…
    const page = await getDoc(pageId(ID, 0));
    const entries = page.entries as ManifestEntry[];
    expect(entries).toHaveLength(4);
    const oldSha = entries[3]?.sha256 ?? '';
    const chunk3 = await entryOf(samples(DTYPE, 3 * CHUNK, 4 * CHUNK) as Float32Array);
    const chunk4 = await entryOf(samples(DTYPE, 4 * CHUNK, GROWN) as Float32Array);
    expect(chunk3.sha256).not.toBe(oldSha);
    for (const { bytes, sha256 } of [chunk3, chunk4]) await putChunk(bytes, sha256);
    // …then the page (which moves the view's c/3 to the new version)…
    const strip = ({ bytes: _bytes, ...entry }: ManifestEntry & { bytes: Uint8Array }) => entry;
    await bulk(
      update(pageId(ID, 0), page, {
        entries: [...entries.slice(0, 3), strip(chunk3), strip(chunk4)],
      }),
    );
    // The header still says the old length: zarrita sees exactly the old samples.
    for (const view of VIEWS) {
      const array = await openArray(view, signalPath(NAME));
      expect(array.shape).toEqual([LENGTH]);
      expect(text(numbers((await zarr.get(array)).data))).toEqual(text(before));
    }
    // …and last the header, whose `length` commits the append. (Its pyramid levels are left
    // as they were: they are arrays of their own, proven above; a real client extends them.)
    await bulk(update(ID, await getDoc(ID), { length: GROWN }));

    for (const view of VIEWS) {
      const array = await openArray(view, signalPath(NAME));
      expect(array.shape).toEqual([GROWN]);
      expect(text(numbers((await zarr.get(array)).data))).toEqual(text(grown));
      const last = numbers((await array.getChunk([4])).data);
      expect(text(last.subarray(GROWN - 4 * CHUNK))).toEqual(
        text(new Float32Array(5 * CHUNK - GROWN).fill(Number.NaN)),
      );
    }
    // Append only: the reader that opened before still reads the same old samples.
    expect(text(numbers((await zarr.get(early)).data))).toEqual(text(before));

    // The superseded version of chunk 3 is still served by its hash, and it is a valid Zarr
    // chunk of the old array: zarrita decodes it with the old zarr.json.
    const old = await lake.app.inject({
      method: 'GET',
      url: `/api/chunks/${oldSha}`,
      headers: auth(),
    });
    expect(old.statusCode).toBe(200);
    const oldBytes = new Uint8Array(old.rawPayload);
    expect(await sha256Hex(oldBytes)).toBe(oldSha);
    const snapshot = new Map<string, Uint8Array>([
      ['/zarr.json', new Uint8Array(oldMetadata)],
      ['/c/3', oldBytes],
    ]);
    const oldArray = await zarr.open(
      zarr.root({ get: async (key: `/${string}`) => snapshot.get(key) }),
      {
        kind: 'array',
      },
    );
    const oldTail = await zarr.get(oldArray, [zarr.slice(3 * CHUNK, LENGTH)]);
    expect(text(numbers(oldTail.data))).toEqual(text(before.subarray(3 * CHUNK)));
  });
});
