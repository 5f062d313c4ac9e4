// The slice route through HTTP on a real lake: signals written with their chunks, pages and
// pyramid by the lake's own writer, read back in every format and compared with the samples
// they were made from (levels with a reduction written here, independent of the reducer).
import { existsSync } from 'node:fs';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RecordBatchReader, tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Dtype, SignalArray } from '../../src/shared/chunk/index.ts';
import type { NewSignal } from '../../src/shared/signal/types.ts';
import { LAKE_PRINCIPAL, writeOrThrow } from '../signals/write-docs.ts';
import { writeSignal } from '../signals/write-signal.ts';
import { startTestLake, type TestLake } from '../test-support/test-lake.ts';

/**
 * A data directory in memory where there is one: the blob store fsyncs every chunk, and the
 * paged signal below has over a thousand of them.
 */
async function dataDir(): Promise<string> {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return mkdtemp(path.join(base, 'fieldlake-slice-'));
}

const T0 = '2024-01-01T00:00:00Z';
const T0_US = Date.UTC(2024, 0, 1) * 1000;

/** Sample i of each test signal: deterministic, with NaN and ±Infinity in the floats. */
function sample(dtype: Dtype, i: number): number {
  switch (dtype) {
    case 'float32':
      if (i % 97 === 5) return Number.NaN;
      if (i === 10) return Number.POSITIVE_INFINITY;
      if (i === 11) return Number.NEGATIVE_INFINITY;
      return Math.fround(Math.sin(i / 7) * 100 + i / 1000);
    case 'float64':
      return i % 101 === 3 ? Number.NaN : Math.sin(i / 7) * 1e6 + 1 / 3;
    case 'int16':
      return ((i * 7919) % 65536) - 32768;
    case 'int32':
      return (i * 2654435761) | 0;
  }
}

function samples(dtype: Dtype, start: number, end: number): number[] {
  return Array.from({ length: Math.max(0, end - start) }, (_, k) => sample(dtype, start + k));
}

const ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  int16: Int16Array,
  int32: Int32Array,
} as const;

function* pieces(dtype: Dtype, length: number, piece = 100): Generator<SignalArray> {
  for (let start = 0; start < length; start += piece) {
    const values = samples(dtype, start, Math.min(length, start + piece));
    yield ARRAYS[dtype].from(values);
  }
}

interface TestSignal {
  name: string;
  dtype: Dtype;
  length: number;
  spec: Partial<NewSignal>;
}

const DATASET = 'ds/main';
const SIGNALS: TestSignal[] = [
  // 64-sample chunks and 4-bucket level chunks, so short slices cross chunk boundaries; the
  // last raw chunk is partial (1000 = 15·64 + 40).
  {
    name: 'f32',
    dtype: 'float32',
    length: 1000,
    spec: { chunkLength: 64, t0: T0, sampleRate: 100, unit: 'm/s²' },
  },
  {
    name: 'f64',
    dtype: 'float64',
    length: 300,
    spec: { chunkLength: 64, t0: T0, sampleRate: 1000 },
  },
  { name: 'i16', dtype: 'int16', length: 300, spec: { chunkLength: 64 } },
  {
    name: 'i32',
    dtype: 'int32',
    length: 300,
    spec: { chunkLength: 128, timeSignalId: `${DATASET}/f64` },
  },
  // 1 035 chunks: the manifest has two pages.
  {
    name: 'paged',
    dtype: 'float32',
    length: 16 * 1034 + 5,
    spec: { chunkLength: 16, t0: T0, sampleRate: 1 },
  },
  { name: 'odd.csv', dtype: 'float32', length: 10, spec: { chunkLength: 64 } },
  { name: 'empty', dtype: 'float32', length: 0, spec: { chunkLength: 64, t0: T0, sampleRate: 1 } },
];

/** The garbage collector, exposed at run time when the process was started without it. */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function signalId(name: string): string {
  return `${DATASET}/${name}`;
}

function url(name: string, query = ''): string {
  return `/api/datasets/${encodeURIComponent(DATASET)}/signals/${encodeURIComponent(name)}${query}`;
}

/** A bucket as the pyramid rules define it, computed here from the samples. */
function bucket(dtype: Dtype, length: number, bucketLength: number, b: number): number[] {
  const values = samples(dtype, b * bucketLength, Math.min(length, (b + 1) * bucketLength));
  const seen = values.filter((v) => !Number.isNaN(v));
  const finite = values.filter((v) => Number.isFinite(v));
  const min = seen.length === 0 ? Number.NaN : Math.min(...seen);
  const max = seen.length === 0 ? Number.NaN : Math.max(...seen);
  const mean =
    finite.length === 0 ? Number.NaN : finite.reduce((sum, v) => sum + v, 0) / finite.length;
  return [min, max, mean, finite.length];
}

function text(values: ArrayLike<number | bigint | null>): string[] {
  return Array.from(values, (v) => (typeof v === 'number' && Object.is(v, -0) ? '-0' : String(v)));
}

function expectClose(actual: number, expected: number): void {
  if (Number.isNaN(expected)) expect(actual).toBeNaN();
  else
    expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(expected)));
}

/** The values of a .npy file: a small reader, independent of the encoder. */
function readNpy(bytes: Buffer, dtype: Dtype): { shape: number[]; values: number[] } {
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]));
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  const shape = /'shape': \(([^)]*)\)/
    .exec(header)?.[1]
    ?.split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(Number);
  const data = new Uint8Array(bytes.subarray(10 + headerLength)).buffer;
  return { shape: shape ?? [], values: Array.from(new ARRAYS[dtype](data)) };
}

function csvRows(body: string): string[][] {
  return body
    .trimEnd()
    .split('\n')
    .map((line) => line.split(','));
}

function csvNumber(field: string | undefined): number {
  return field === '' || field === undefined ? Number.NaN : Number(field);
}

describe('GET /api/datasets/:id/signals/:name', () => {
  let lake: TestLake;
  let dir: string;

  beforeAll(async () => {
    dir = await dataDir();
    lake = await startTestLake({ dir, listen: true });
    await writeOrThrow(
      lake.opened,
      LAKE_PRINCIPAL,
      { id: 'site/a', doc: { type: 'site', title: 'Plant A' } },
      { id: 'site/b', doc: { type: 'site', title: 'Plant B' } },
      { id: DATASET, doc: { type: 'dataset', site: 'site/a', title: 'Run 1' } },
    );
    for (const signal of SIGNALS) {
      await writeSignal(
        lake.opened,
        LAKE_PRINCIPAL,
        signalId(signal.name),
        { datasetId: DATASET, name: signal.name, dtype: signal.dtype, ...signal.spec },
        pieces(signal.dtype, signal.length),
        { levelChunkBuckets: 4 },
      );
    }
  }, 60_000);

  afterAll(async () => {
    await lake.close();
    await rm(dir, { recursive: true, force: true });
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    lake.app.inject({
      method: 'GET',
      url: path,
      headers: { ...lake.auth(lake.adminToken), ...headers },
    });

  // (Not the paged signal: a thousand 16-sample chunks are slow to serve whole, and the page
  // crossing has its own test.)
  it.each(SIGNALS.filter((s) => s.length > 0 && s.name !== 'paged'))(
    'serves all of $name ($dtype) as Arrow by default',
    async ({ name, dtype, length, spec }) => {
      const response = await get(url(name));
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/vnd.apache.arrow.stream');
      expect(response.headers['fieldlake-api-version']).toBe('1');
      const table = tableFromIPC(response.rawPayload);
      expect(table.numRows).toBe(length);
      const values = table.getChild('value')?.toArray() as SignalArray;
      expect(values).toBeInstanceOf(ARRAYS[dtype]);
      expect(text(values)).toEqual(text(ARRAYS[dtype].from(samples(dtype, 0, length))));
      const metadata = table.schema.metadata;
      expect(metadata.get('signalId')).toBe(signalId(name));
      expect(metadata.get('dtype')).toBe(dtype);
      expect(metadata.get('level')).toBe('0');
      expect(table.schema.fields.map((f) => f.name)).toEqual(
        spec.sampleRate !== undefined ? ['time', 'value'] : ['value'],
      );
      if (spec.sampleRate !== undefined) {
        const times = table.getChild('time')?.toArray() as BigInt64Array;
        const period = 1e6 / spec.sampleRate;
        expect(times[0]).toBe(BigInt(T0_US));
        expect(times.at(-1)).toBe(BigInt(T0_US + (length - 1) * period));
        expect(metadata.get('t0')).toBe(T0);
        expect(metadata.get('sampleRate')).toBe(String(spec.sampleRate));
      }
    },
  );

  it('slices across chunk boundaries in every format', async () => {
    const expected = samples('float32', 60, 200);
    const arrow = await get(url('f32', '?start=60&end=200'));
    const table = tableFromIPC(arrow.rawPayload);
    expect(text(table.getChild('value')?.toArray() as Float32Array)).toEqual(
      text(Float32Array.from(expected)),
    );
    expect((table.getChild('time')?.toArray() as BigInt64Array)[0]).toBe(BigInt(T0_US + 600_000));
    expect(table.schema.metadata.get('unit')).toBe('m/s²');

    const npy = await get(url('f32.npy', '?start=60&end=200'));
    expect(npy.statusCode).toBe(200);
    expect(npy.headers['content-type']).toBe('application/x-npy');
    expect(Number(npy.headers['content-length'])).toBe(npy.rawPayload.length);
    const parsed = readNpy(npy.rawPayload, 'float32');
    expect(parsed.shape).toEqual([140]);
    expect(text(parsed.values)).toEqual(text(Float32Array.from(expected)));

    const csv = await get(url('f32.csv', '?start=60&end=200'));
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
    const rows = csvRows(csv.body);
    expect(rows[0]).toEqual(['time', 'value']);
    expect(rows[1]?.[0]).toBe('2024-01-01T00:00:00.600Z');
    expect(text(Float32Array.from(rows.slice(1), (row) => csvNumber(row[1])))).toEqual(
      text(Float32Array.from(expected)),
    );
  });

  it('reads a partial last chunk and clamps the end to the length', async () => {
    const response = await get(url('i16.csv', '?start=250&end=100000'));
    const rows = csvRows(response.body);
    expect(rows[0]).toEqual(['index', 'value']);
    expect(rows.slice(1)).toEqual(
      samples('int16', 250, 300).map((v, k) => [String(250 + k), String(v)]),
    );
    expect(response.headers['fieldlake-slice-first']).toBe('250');
    expect(response.headers['fieldlake-slice-rows']).toBe('50');
  });

  it('reads across manifest pages', async () => {
    const start = 16 * 1020;
    const end = 16 * 1034 + 5;
    const response = await get(url('paged.npy', `?start=${start}&end=${end}`));
    expect(readNpy(response.rawPayload, 'float32').values).toEqual(samples('float32', start, end));
  });

  it.each(['float64', 'int32'] as const)('writes %s slices in every format', async (dtype) => {
    const name = dtype === 'float64' ? 'f64' : 'i32';
    const expected = samples(dtype, 30, 140);
    const npy = readNpy((await get(url(`${name}.npy`, '?start=30&end=140'))).rawPayload, dtype);
    expect(text(npy.values)).toEqual(text(expected));
    const csv = csvRows((await get(url(`${name}.csv`, '?start=30&end=140'))).body);
    expect(text(csv.slice(1).map((row) => csvNumber(row[1])))).toEqual(text(expected));
    const arrow = tableFromIPC((await get(url(name, '?start=30&end=140'))).rawPayload);
    expect(text(arrow.getChild('value')?.toArray() as SignalArray)).toEqual(text(expected));
  });

  it('slices by ISO 8601 instants', async () => {
    // 100 Hz from T0: [1 s, 2.005 s) is samples 100 … 200.
    const response = await get(
      url(
        'f32.npy',
        `?start=${encodeURIComponent('2024-01-01T00:00:01Z')}&end=${encodeURIComponent('2024-01-01T01:00:02.005+01:00')}`,
      ),
    );
    expect(response.statusCode).toBe(200);
    expect(text(readNpy(response.rawPayload, 'float32').values)).toEqual(
      text(Float32Array.from(samples('float32', 100, 201))),
    );
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="f32.100-201.npy"; filename*=UTF-8''f32.100-201.npy`,
    );
  });

  it('serves pyramid levels: the buckets that overlap the range', async () => {
    // Level 1 (64 samples a bucket, 4 buckets a chunk): samples [200, 700) touch buckets 3 … 10.
    const response = await get(url('f32', '?level=1&start=200&end=700'));
    expect(response.statusCode).toBe(200);
    const table = tableFromIPC(response.rawPayload);
    expect(table.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
      'time:Timestamp<MICROSECOND, UTC>',
      'min:Float32',
      'max:Float32',
      'mean:Float32',
      'count:Int64',
    ]);
    expect(table.schema.metadata.get('bucketLength')).toBe('64');
    expect(table.numRows).toBe(8);
    for (let row = 0; row < 8; row++) {
      const [min, max, mean, count] = bucket('float32', 1000, 64, 3 + row);
      expect(text([table.getChild('min')?.get(row) as number])).toEqual(text([min ?? 0]));
      expect(text([table.getChild('max')?.get(row) as number])).toEqual(text([max ?? 0]));
      expectClose(table.getChild('mean')?.get(row) as number, mean ?? 0);
      expect(table.getChild('count')?.get(row)).toBe(BigInt(count ?? 0));
      // Bucket b starts at sample 64·b: 0.64 s at 100 Hz.
      const times = table.getChild('time')?.toArray() as BigInt64Array;
      expect(times[row]).toBe(BigInt(T0_US + (3 + row) * 640_000));
    }

    // Level 2 as npy (n, 4) and CSV; the last bucket is partial (1000 = 3·256 + 232).
    const npy = readNpy((await get(url('f32.npy', '?level=2'))).rawPayload, 'float32');
    expect(npy.shape).toEqual([4, 4]);
    const csv = csvRows((await get(url('f32.csv', '?level=2&time=none'))).body);
    expect(csv[0]).toEqual(['bucket', 'min', 'max', 'mean', 'count']);
    for (let b = 0; b < 4; b++) {
      const expected = bucket('float32', 1000, 256, b);
      const fromNpy = npy.values.slice(4 * b, 4 * b + 4);
      // CSV prints each float32 as its shortest text: read it back as a float32.
      const fromCsv = (csv[b + 1] ?? []).slice(1).map((field) => Math.fround(csvNumber(field)));
      for (const got of [fromNpy, fromCsv]) {
        expect(text(got.slice(0, 2))).toEqual(text(expected.slice(0, 2).map(Math.fround)));
        expectClose(got[2] ?? 0, expected[2] ?? 0);
        expect(got[3]).toBe(expected[3]);
      }
    }
    expect(csv[4]?.[4]).toBe(String(bucket('float32', 1000, 256, 3)[3]));

    // int16 levels are float32; the coarsest level is one bucket.
    const top = tableFromIPC((await get(url('i16', '?level=3'))).rawPayload);
    expect(top.numRows).toBe(1);
    expect(top.getChild('count')?.get(0)).toBe(300n);
    expect(top.getChild('min')?.get(0)).toBe(Math.min(...samples('int16', 0, 300)));
  });

  it('answers 0 rows, in every format, for an empty range or signal', async () => {
    for (const path of [url('f32', '?start=5&end=5'), url('empty'), url('f32', '?start=5000')]) {
      const table = tableFromIPC((await get(path)).rawPayload);
      expect(table.numRows).toBe(0);
    }
    const npy = await get(url('f32.npy', '?start=5&end=5&level=1'));
    expect(readNpy(npy.rawPayload, 'float32').shape).toEqual([0, 4]);
    const csv = await get(url('empty.csv'));
    expect(csv.body).toBe('time,value\n');
  });

  it('chooses the format by suffix, then query, then Accept', async () => {
    const byAccept = await get(url('i16'), { accept: 'text/csv' });
    expect(byAccept.headers['content-type']).toMatch(/^text\/csv/);
    const byQuery = await get(url('i16', '?format=npy'), { accept: 'text/csv' });
    expect(byQuery.headers['content-type']).toBe('application/x-npy');
    // A signal whose own name ends in .csv is that signal, as Arrow.
    const odd = await get(url('odd.csv'));
    expect(odd.headers['content-type']).toBe('application/vnd.apache.arrow.stream');
    expect(tableFromIPC(odd.rawPayload).numRows).toBe(10);
    const oddCsv = await get(url('odd.csv.csv'));
    expect(csvRows(oddCsv.body)).toHaveLength(11);
    expect(oddCsv.headers['content-disposition']).toContain('filename="odd.csv.0-10.csv"');
  });

  it.each([
    ['start after end', url('f32', '?start=20&end=10'), 'invalid_range'],
    ['a bound that is neither', url('f32', '?start=soon'), 'invalid_range'],
    ['a negative bound', url('f32', '?end=-3'), 'invalid_range'],
    ['a level beyond the pyramid', url('f32', '?level=4'), 'invalid_level'],
    ['a non-numeric level', url('f32', '?level=two'), 'invalid_request'],
    ['an unknown format', url('f32', '?format=parquet'), 'invalid_request'],
    ['an unknown parameter', url('f32', '?levle=1'), 'invalid_request'],
    ['times on an irregular signal', url('i32', '?start=2024-01-01T00:00:00Z'), 'irregular_signal'],
    ['times without a time base', url('i16', '?start=2024-01-01T00:00:00Z'), 'no_time_base'],
    ['time=iso without a time base', url('i16', '?time=iso'), 'no_time_base'],
    ['time=iso in npy', url('f32.npy', '?time=iso'), 'invalid_option'],
    ['two formats', url('f32.csv', '?format=npy'), 'conflicting_format'],
  ])('answers 400 for %s', async (_, path, reason) => {
    const response = await get(path);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'bad_request', status: 400, reason } });
  });

  it('answers 404 for unknown datasets, signals and levels, and for datasets out of sight', async () => {
    const missing = [
      `/api/datasets/nope/signals/f32`,
      url('nope'),
      url('nope.csv'),
      `/api/datasets/${encodeURIComponent('site/a')}/signals/f32`,
    ];
    for (const path of missing) {
      const response = await get(path);
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ error: { code: 'not_found' } });
    }
    const { token } = await lake.addUser('tech', 'technician', ['site/b']);
    const hidden = await lake.app.inject({
      method: 'GET',
      url: url('f32'),
      headers: lake.auth(token),
    });
    expect(hidden.statusCode).toBe(404);
    const granted = await lake.addUser('tech-a', 'technician', ['site/a']);
    const seen = await lake.app.inject({
      method: 'GET',
      url: url('f32.csv', '?end=2'),
      headers: lake.auth(granted.token),
    });
    expect(seen.statusCode).toBe(200);
  });

  it('answers 404 for a level the header names but the lake does not hold', async () => {
    const id = signalId('f32');
    const header = await lake.opened.lake.meta.getDoc(`${id}/level/3`);
    expect(header).toBeDefined();
    await writeOrThrow(lake.opened, LAKE_PRINCIPAL, { id: `${id}/level/3`, deleted: true });
    const response = await get(url('f32', '?level=3'));
    expect(response.statusCode).toBe(404);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const response = await lake.app.inject({
      method: 'HEAD',
      url: url('f32.npy', '?start=60&end=200'),
      headers: lake.auth(lake.adminToken),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-npy');
    expect(response.rawPayload.length).toBe(0);
  });

  it('answers 401 without credentials and 403 to a collector token', async () => {
    const anonymous = await lake.app.inject({ method: 'GET', url: url('f32') });
    expect(anonymous.statusCode).toBe(401);
    const collector = await lake.addToken('collector', { policy: 'policy/x' });
    const refused = await lake.app.inject({
      method: 'GET',
      url: url('f32'),
      headers: lake.auth(collector),
    });
    expect(refused.statusCode).toBe(403);
  });

  describe('with a corrupt chunk on disk', () => {
    async function corrupt(name: string, chunk: number) {
      const page = await lake.opened.lake.meta.getDoc(`${signalId(name)}/manifest/0`);
      const entries = page?.body.entries as { sha256: string }[];
      const target = entries[chunk]?.sha256;
      const blobs = lake.opened.lake.blobs;
      const readAll = blobs.readAll.bind(blobs);
      return vi.spyOn(blobs, 'readAll').mockImplementation(async (sha256) => {
        const bytes = await readAll(sha256);
        if (sha256 !== target) return bytes;
        const flipped = new Uint8Array(bytes);
        flipped[7] = (flipped[7] ?? 0) ^ 0x10;
        return flipped;
      });
    }

    it('answers 500 when the first chunk is corrupt', async () => {
      const spy = await corrupt('f32', 1);
      try {
        const response = await get(url('f32', '?start=64&end=300'));
        expect(response.statusCode).toBe(500);
        expect(response.json()).toMatchObject({
          error: { code: 'internal', reason: 'corrupt_chunk' },
        });
      } finally {
        spy.mockRestore();
      }
    });

    it('cuts the stream when a later chunk is corrupt', async () => {
      const spy = await corrupt('f32', 3);
      try {
        const base = lake.url ?? '';
        const response = await fetch(`${base}${url('f32.csv')}`, {
          headers: lake.auth(lake.adminToken),
        });
        expect(response.status).toBe(200);
        await expect(response.text()).rejects.toThrow();
      } finally {
        spy.mockRestore();
      }
      // The lake still serves afterwards.
      const after = await get(url('f32.npy', '?end=3'));
      expect(after.statusCode).toBe(200);
    });
  });
});

describe('streaming a long slice', () => {
  const LENGTH = 5e7;
  let lake: TestLake;
  let dir: string;

  beforeAll(async () => {
    dir = await dataDir();
    lake = await startTestLake({ dir, listen: true });
    await writeOrThrow(
      lake.opened,
      LAKE_PRINCIPAL,
      { id: 'site/a', doc: { type: 'site', title: 'Plant A' } },
      { id: DATASET, doc: { type: 'dataset', site: 'site/a', title: 'Long run' } },
    );
    // One chunk's worth of samples, repeated: identical chunks are stored once (content
    // addressing), so writing 200 MB costs a second, while the read still fetches, hashes and
    // decodes every chunk by index like any other signal.
    const chunk = new Float32Array(2 ** 18).map((_, i) => Math.sin(i / 100));
    function* repeated(): Generator<Float32Array> {
      for (let start = 0; start < LENGTH; start += chunk.length) {
        yield chunk.subarray(0, Math.min(chunk.length, LENGTH - start));
      }
    }
    await writeSignal(
      lake.opened,
      LAKE_PRINCIPAL,
      signalId('long'),
      { datasetId: DATASET, name: 'long', t0: T0, sampleRate: 10_000 },
      repeated(),
    );
  }, 60_000);

  afterAll(async () => {
    await lake.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Reads a response over a real socket, keeping only its first MiB and last 8 bytes. */
  function download(path: string, onPiece: (received: number) => void = () => undefined) {
    return new Promise<{ status: number; rows: string; bytes: number; head: Buffer; tail: Buffer }>(
      (resolve, reject) => {
        const request = http.get(
          `${lake.url ?? ''}${path}`,
          { headers: lake.auth(lake.adminToken) },
          (response) => {
            const head = Buffer.alloc(2 ** 20);
            let tail = Buffer.alloc(0);
            let bytes = 0;
            response.on('data', (piece: Buffer) => {
              if (bytes < head.length) piece.copy(head, bytes);
              bytes += piece.length;
              onPiece(bytes);
              tail = Buffer.concat([tail, piece.subarray(-8)]).subarray(-8);
            });
            response.on('end', () => {
              resolve({
                status: response.statusCode ?? 0,
                rows: String(response.headers['fieldlake-slice-rows']),
                bytes,
                head: head.subarray(0, Math.min(bytes, head.length)),
                tail,
              });
            });
            response.on('error', reject);
          },
        );
        request.on('error', reject);
      },
    );
  }

  it('stops reading chunks when the client goes away', async () => {
    const blobs = lake.opened.lake.blobs;
    const spy = vi.spyOn(blobs, 'readAll');
    try {
      await new Promise<void>((resolve, reject) => {
        const request = http.get(
          `${lake.url ?? ''}${url('long')}`,
          { headers: lake.auth(lake.adminToken) },
          (response) => {
            let received = 0;
            response.on('data', (piece: Buffer) => {
              received += piece.length;
              if (received > 4 * 2 ** 20) {
                request.destroy();
                resolve();
              }
            });
          },
        );
        request.on('error', (error) => {
          if (!request.destroyed) reject(error);
        });
      });
      const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
      await settle();
      const reads = spy.mock.calls.length;
      await settle();
      expect(spy.mock.calls.length).toBe(reads);
      // 191 chunks in all; a few were read ahead of the socket, not the rest.
      expect(reads).toBeLessThan(20);
    } finally {
      spy.mockRestore();
    }
    // The lake still serves.
    expect((await download(url('long', '?end=10'))).status).toBe(200);
  });

  it('streams 5·10^7 samples as Arrow with flat server memory', async () => {
    // The client here is a plain socket reader, so that what grows is the server's part.
    const gc = collector();
    // What the process holds: sampled after full collections (the second one finishes the
    // first one's sweep of dead buffers), so the figure is what the stream retains, not how
    // far V8 lets garbage pile up before collecting it (up to ~64 MB of dead buffers, which
    // made unforced peaks range from 26 to 72 MB in trials of the same code).
    const footprint = () => {
      gc();
      gc();
      const usage = process.memoryUsage();
      return usage.rss + usage.arrayBuffers;
    };
    // A first slice compiles the code paths and lets the allocator reach its working size:
    // what is measured below is growth with the slice's length, not one-time costs.
    expect((await download(url('long', `?end=${2 ** 22}`))).status).toBe(200);
    const baseline = footprint();
    let peak = baseline;
    let sampled = 0;
    const result = await download(url('long'), (received) => {
      if (received - sampled >= 16 * 2 ** 20) {
        sampled = received;
        peak = Math.max(peak, footprint());
      }
    });
    const grown = (peak - baseline) / 2 ** 20;
    console.info(
      `Arrow slice of ${LENGTH} float32 samples with times (${(result.bytes / 2 ** 20).toFixed(0)} MiB): ` +
        `rss + arrayBuffers grew ${grown.toFixed(1)} MiB`,
    );
    expect(result.status).toBe(200);
    expect(result.rows).toBe(String(LENGTH));
    // 8 bytes of time and 4 of value a row, plus framing; then the end-of-stream marker.
    expect(result.bytes).toBeGreaterThan(LENGTH * 12);
    expect(result.bytes).toBeLessThan(LENGTH * 12 * 1.001);
    expect([...result.tail]).toEqual([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    const first = RecordBatchReader.from(result.head).next();
    if (first.done === true) throw new Error('no record batch');
    expect((first.value.getChild('time')?.toArray() as BigInt64Array)[1]).toBe(BigInt(T0_US + 100));
    expect(first.value.getChild('value')?.get(5)).toBe(Math.fround(Math.sin(5 / 100)));
    expect(grown).toBeLessThan(64);
  }, 60_000);
});
