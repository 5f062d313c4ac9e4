import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeChunk } from '../../shared/chunk/index.ts';
import { openIndexedDbChunkStore } from '../chunks/indexeddb-chunk-store.ts';
import { MemoryChunkStore } from '../chunks/memory-chunk-store.ts';
import type { ChunkStore } from '../chunks/types.ts';
import { JioError } from '../errors.ts';
import { createStorageRegistry, registerCoreStorages } from '../registry.ts';
import { registerIndexedDbStorage } from '../storages/indexeddb/index.ts';
import type { Storage } from '../types.ts';
import { fromJsonNumber } from './json-number.ts';
import { SignalStore } from './signal-store.ts';
import { manifestPageSize, pageId } from './types.ts';

const environment = { indexedDB: new IDBFactory(), IDBKeyRange };
const registry = createStorageRegistry();
registerCoreStorages(registry);
registerIndexedDbStorage(registry, environment);
let count = 0;

interface Setup {
  storage: Storage;
  chunks: ChunkStore;
  signals: SignalStore;
}

const backends: [string, () => Setup][] = [
  [
    'memory',
    () => {
      const storage = registry.create({ type: 'memory', name: `signals-${++count}` });
      const chunks = new MemoryChunkStore();
      return { storage, chunks, signals: new SignalStore(storage, chunks) };
    },
  ],
  [
    'indexeddb (fake-indexeddb)',
    () => {
      const database = `signals-${++count}`;
      const storage = registry.create({ type: 'indexeddb', database });
      const chunks = openIndexedDbChunkStore(database, environment);
      return { storage, chunks, signals: new SignalStore(storage, chunks) };
    },
  ],
];

function ramp(from: number, length: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => from + i);
}

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof JioError
      ? `${error.code}/${error.details.reason ?? ''}`
      : String(error);
  }
}

describe.each(backends)('signals on %s', (_name, setup) => {
  it('appends across chunk boundaries and reads any slice back', async () => {
    const { signals } = setup();
    await signals.create('s', {
      datasetId: 'd',
      name: 'vibration',
      chunkLength: 8,
      sampleRate: 100,
      t0: '2026-11-01T00:00:00Z',
      unit: 'mm/s',
    });
    const pieces = [3, 5, 1, 16, 7, 0, 9];
    let offset = 0;
    for (const length of pieces) {
      await signals.append('s', ramp(offset, length));
      offset += length;
    }
    const header = await signals.header('s');
    expect(header).toMatchObject({
      length: offset,
      chunkLength: 8,
      dtype: 'float32',
      sampleRate: 100,
      unit: 'mm/s',
    });
    expect(Array.from(await signals.read('s', 0, offset))).toEqual(Array.from(ramp(0, offset)));
    for (const [start, end] of [
      [0, 0],
      [0, 1],
      [7, 9],
      [8, 16],
      [5, 37],
      [offset - 1, offset],
    ] as const) {
      expect(Array.from(await signals.read('s', start, end)), `[${start}, ${end})`).toEqual(
        Array.from(ramp(start, end - start)),
      );
    }
  });

  it('iterates chunk by chunk, only within the range', async () => {
    const { signals } = setup();
    await signals.create('s', { datasetId: 'd', name: 'x', chunkLength: 4 });
    await signals.append('s', ramp(0, 18));
    const pieces = [];
    for await (const piece of signals.iterate('s', { start: 3, end: 13 })) {
      pieces.push([piece.chunkIndex, piece.start, Array.from(piece.values)]);
    }
    expect(pieces).toEqual([
      [0, 3, [3]],
      [1, 4, [4, 5, 6, 7]],
      [2, 8, [8, 9, 10, 11]],
      [3, 12, [12]],
    ]);
  });

  it('names the chunk of each piece and says whether it holds NaN', async () => {
    const { signals } = setup();
    await signals.create('s', { datasetId: 'd', name: 'x', chunkLength: 4 });
    await signals.append('s', Float32Array.from([1, 2, 3, 4, 5, Number.NaN, 7, 8, 9]));
    const pieces = [];
    for await (const piece of signals.iterate('s')) pieces.push(piece);
    expect(pieces.map((piece) => piece.nanFree)).toEqual([true, false, true]);
    for (const piece of pieces) {
      const entry = await signals.entry('s', piece.chunkIndex);
      expect(piece.sha256).toBe(entry.sha256);
    }
  });

  it('keeps per-chunk statistics in the manifest, NaN and infinities included', async () => {
    const { signals } = setup();
    await signals.create('s', { datasetId: 'd', name: 'x', chunkLength: 4 });
    await signals.append(
      's',
      Float32Array.from([
        1,
        Number.NaN,
        3,
        -2,
        Number.NaN,
        Number.NaN,
        Number.NaN,
        Number.NaN,
        5,
        Number.POSITIVE_INFINITY,
      ]),
    );
    const first = await signals.entry('s', 0);
    expect(first).toMatchObject({ count: 4, finite: 3, nanCount: 1, min: -2, max: 3 });
    expect(fromJsonNumber(first.mean)).toBeCloseTo(2 / 3, 6);
    expect(await signals.entry('s', 1)).toMatchObject({
      count: 4,
      finite: 0,
      nanCount: 4,
      min: 'NaN',
      max: 'NaN',
      mean: 'NaN',
    });
    expect(await signals.entry('s', 2)).toMatchObject({
      count: 2,
      finite: 1,
      nanCount: 0,
      min: 5,
      max: 'Infinity',
      mean: 5,
    });
  });

  it('writes a new version of a partial last chunk; the old version stays retrievable', async () => {
    const { signals, chunks } = setup();
    await signals.create('s', { datasetId: 'd', name: 'x', chunkLength: 8 });
    await signals.append('s', ramp(0, 5));
    const before = await signals.entry('s', 0);
    await signals.append('s', ramp(5, 2));
    const after = await signals.entry('s', 0);
    expect(after.sha256).not.toBe(before.sha256);
    expect(after.count).toBe(7);
    const [old] = await chunks.get([before.sha256]);
    expect(old).toBeDefined();
    const layout = {
      dtype: 'float32' as const,
      chunkLength: 8,
      codecs: [{ name: 'bytes' as const, configuration: { endian: 'little' as const } }],
    };
    expect(
      Array.from(
        await decodeChunk(old ?? new Uint8Array(), layout, {
          sha256: before.sha256,
          validCount: 5,
        }),
      ),
    ).toEqual([0, 1, 2, 3, 4]);
  });

  it('appends in O(new data): only the header, the last page and new chunks are touched', async () => {
    const { storage, chunks } = setup();
    const reads: string[] = [];
    const writes: string[] = [];
    const counting: Storage = Object.create(storage) as Storage;
    counting.get = (id, options) => {
      reads.push(id);
      return storage.get(id, options);
    };
    counting.bulkWrite = (items, options) => {
      writes.push(...items.map((item) => item.id));
      return storage.bulkWrite(items, options);
    };
    const signals = new SignalStore(counting, chunks);
    await signals.create('s', { datasetId: 'd', name: 'x', chunkLength: 2 });
    // 1 030 chunks: past the first manifest page.
    await signals.append('s', ramp(0, 2 * (manifestPageSize + 6)));
    reads.length = 0;
    writes.length = 0;
    await signals.append('s', ramp(0, 3));
    expect(new Set(reads)).toEqual(new Set(['s', pageId('s', 1)]));
    expect(writes.sort()).toEqual([pageId('s', 1), 's'].sort());
    expect((await signals.header('s')).length).toBe(2 * (manifestPageSize + 6) + 3);
    expect((await signals.entry('s', manifestPageSize + 7)).count).toBe(1);
    // Reads cross the manifest page boundary, with read-ahead batches on both sides of it.
    const edge = 2 * manifestPageSize;
    expect(Array.from(await signals.read('s', edge - 9, edge + 9))).toEqual(
      Array.from(ramp(edge - 9, 18)),
    );
  });

  it('marks a device’s own samples unsynced', async () => {
    const { signals, chunks } = setup();
    await signals.create('s', { datasetId: 'd', name: 'x', chunkLength: 4 });
    await signals.append('s', ramp(0, 6), { unsynced: true });
    const entry = await signals.entry('s', 1);
    const [info] = await chunks.info([entry.sha256]);
    expect(info).toMatchObject({ unsynced: true, owners: [{ signalId: 's', level: 0 }] });
  });

  it('serialises concurrent appends to one signal', async () => {
    const { signals } = setup();
    await signals.create('s', { datasetId: 'd', name: 'x', chunkLength: 4 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => signals.append('s', ramp(i * 3, 3))));
    const all = Array.from(await signals.read('s', 0, 30)).sort((a, b) => a - b);
    expect(all).toEqual(Array.from(ramp(0, 30)));
  });

  it('refuses bad input with a clear JioError and stores nothing', async () => {
    const { signals, storage } = setup();
    expect(await code(signals.create('bad', { datasetId: '', name: 'x' }))).toBe(
      'bad_request/invalid_signal',
    );
    expect(
      await code(signals.create('bad', { datasetId: 'd', name: 'x', chunkLength: 1000 })),
    ).toBe('bad_request/invalid_layout');
    expect(
      await code(signals.create('bad', { datasetId: 'd', name: 'x', dtype: 'uint8' as 'int16' })),
    ).toBe('bad_request/invalid_layout');
    expect(await code(signals.create('bad', { datasetId: 'd', name: 'x', sampleRate: -1 }))).toBe(
      'bad_request/invalid_signal',
    );
    expect(await code(signals.create('bad', { datasetId: 'd', name: 'x', t0: 'yesterday' }))).toBe(
      'bad_request/invalid_signal',
    );
    expect(await code(storage.get('bad'))).toBe('not_found/');
    await signals.create('s', { datasetId: 'd', name: 'x', chunkLength: 4, dtype: 'int16' });
    expect(await code(signals.create('s', { datasetId: 'd', name: 'again' }))).toBe(
      'conflict/exists',
    );
    expect(await code(signals.append('s', new Float32Array(3)))).toBe('bad_request/dtype_mismatch');
    await signals.append('s', Int16Array.from([1, 2, 3]));
    for (const [start, end] of [
      [-1, 2],
      [0, 4],
      [2, 1],
      [0.5, 2],
    ] as const) {
      expect(await code(signals.read('s', start, end)), `[${start}, ${end})`).toBe(
        'bad_request/out_of_range',
      );
    }
    expect(await code(signals.append('missing', Int16Array.from([1])))).toBe('not_found/');
    await storage.put('not-a-signal', { type: 'site' });
    expect(await code(signals.read('not-a-signal', 0, 0))).toBe('bad_request/not_a_signal');
    expect((await signals.header('s')).length).toBe(3);
  });

  it('says which chunk is missing when the chunk store lacks it', async () => {
    const { signals, chunks } = setup();
    await signals.create('s', { datasetId: 'd', name: 'x', chunkLength: 4 });
    await signals.append('s', ramp(0, 8));
    await chunks.delete([(await signals.entry('s', 1)).sha256]);
    expect(Array.from(await signals.read('s', 0, 4))).toEqual([0, 1, 2, 3]);
    expect(await code(signals.read('s', 0, 8))).toBe('not_found/chunk_missing');
  });
});

describe('signals over a chunk store that returns damaged bytes', () => {
  it('reports corrupt data as a JioError, not a codec exception', async () => {
    const storage = registry.create({ type: 'memory', name: `corrupt-${++count}` });
    const chunks = new MemoryChunkStore();
    const damaged: ChunkStore = Object.create(chunks) as ChunkStore;
    damaged.get = async (hashes, options) =>
      (await chunks.get(hashes, options)).map((bytes) => bytes?.subarray(0, 5));
    await new SignalStore(storage, chunks).create('s', {
      datasetId: 'd',
      name: 'x',
      chunkLength: 4,
    });
    await new SignalStore(storage, chunks).append('s', ramp(0, 6));
    const signals = new SignalStore(storage, damaged);
    expect(await code(signals.read('s', 0, 6))).toBe('internal/corrupt');
    expect(await code(signals.append('s', ramp(6, 1)))).toBe('internal/corrupt');
  });
});

describe('signals: random appends and slices', () => {
  it('match a plain array', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 3 }),
        fc.tuple(fc.nat(), fc.nat()),
        async (appends, chunkPower, [a, b]) => {
          const storage = registry.create({ type: 'memory', name: `prop-${++count}` });
          const signals = new SignalStore(storage, new MemoryChunkStore());
          await signals.create('s', {
            datasetId: 'd',
            name: 'x',
            chunkLength: 2 ** chunkPower,
            dtype: 'float64',
          });
          const reference: number[] = [];
          for (const length of appends) {
            const values = Float64Array.from({ length }, () => Math.random() * 100 - 50);
            reference.push(...values);
            await signals.append('s', values);
          }
          const total = reference.length;
          const start = total === 0 ? 0 : a % (total + 1);
          const end = start + (total === start ? 0 : b % (total - start + 1));
          expect(Array.from(await signals.read('s', start, end))).toEqual(
            reference.slice(start, end),
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});
