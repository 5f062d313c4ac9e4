// The one conformance suite every chunk store runs, in Node and in Chromium.
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../shared/chunk/index.ts';
import { JioError } from '../errors.ts';
import type { ChunkStoreClock } from './memory-chunk-store.ts';
import type { ChunkOwner, ChunkPutItem, ChunkStore } from './types.ts';

export interface ChunkStoreTarget {
  open(clock: ChunkStoreClock): Promise<ChunkStore>;
  dispose?(store: ChunkStore): Promise<void>;
}

class TestClock implements ChunkStoreClock {
  time = 1_000_000;
  now(): number {
    return this.time;
  }
  advance(ms = 1000): void {
    this.time += ms;
  }
}

async function chunk(
  seed: number,
  size = 1024,
  owner: ChunkOwner = { signalId: 'sig', level: 0 },
): Promise<ChunkPutItem> {
  const bytes = new Uint8Array(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return { sha256: await sha256Hex(bytes), bytes, owner };
}

async function expectJioError(
  promise: Promise<unknown>,
  code: string,
  reason?: string,
): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(JioError);
  expect((error as JioError).code).toBe(code);
  if (reason !== undefined) expect((error as JioError).details.reason).toBe(reason);
}

export function runChunkStoreConformance(name: string, target: ChunkStoreTarget): void {
  describe(`chunk store conformance: ${name}`, () => {
    const withStore = (run: (store: ChunkStore, clock: TestClock) => Promise<void>) => async () => {
      const clock = new TestClock();
      const store = await target.open(clock);
      try {
        await run(store, clock);
      } finally {
        await target.dispose?.(store);
      }
    };

    it(
      'stores bytes by hash and gives them back',
      withStore(async (store) => {
        const a = await chunk(1);
        const b = await chunk(2, 3000);
        await store.put([a, b]);
        const missing = '0'.repeat(64);
        const [gotA, gotB, none] = await store.get([a.sha256, b.sha256, missing]);
        expect(gotA).toEqual(a.bytes);
        expect(gotB).toEqual(b.bytes);
        expect(none).toBeUndefined();
        expect(await store.has([a.sha256, missing])).toEqual([true, false]);
        expect((await store.get([a.sha256], { verify: true }))[0]).toEqual(a.bytes);
      }),
    );

    it(
      'keeps its own copy: changing the caller’s buffer after put changes nothing stored',
      withStore(async (store) => {
        const a = await chunk(3);
        await store.put([a]);
        a.bytes.fill(0);
        const [back] = await store.get([a.sha256]);
        expect(back === undefined ? '' : await sha256Hex(back)).toBe(a.sha256);
      }),
    );

    it(
      'refuses a batch with a wrong hash and stores none of it',
      withStore(async (store) => {
        const good = await chunk(4);
        const bad = {
          ...(await chunk(5)),
          sha256: good.sha256.replace(/^./, (c) => (c === '0' ? '1' : '0')),
        };
        await expectJioError(store.put([good, bad]), 'bad_request', 'hash_mismatch');
        expect(await store.has([good.sha256])).toEqual([false]);
        await expectJioError(
          store.put([{ ...good, sha256: 'XYZ' }]),
          'bad_request',
          'invalid_hash',
        );
        await expectJioError(store.get(['nope']), 'bad_request', 'invalid_hash');
        await expectJioError(
          store.put([{ ...good, owner: { signalId: '', level: 0 } }]),
          'bad_request',
          'invalid_owner',
        );
        await expectJioError(
          store.put([{ ...good, owner: { signalId: 's', level: -1 } }]),
          'bad_request',
          'invalid_owner',
        );
      }),
    );

    it(
      'is idempotent and counts a shared chunk once in the total, once per owner by signal',
      withStore(async (store) => {
        const a = await chunk(6, 1000, { signalId: 's1', level: 0 });
        await store.put([a]);
        await store.put([a]);
        await Promise.all([
          store.put([{ ...a, owner: { signalId: 's2', level: 1 } }]),
          store.put([a]),
        ]);
        const usage = await store.usage();
        expect(usage.count).toBe(1);
        expect(usage.totalBytes).toBe(1000);
        expect(usage.bySignal).toEqual({
          s1: { bytes: 1000, byLevel: { 0: 1000 } },
          s2: { bytes: 1000, byLevel: { 1: 1000 } },
        });
        const [info] = await store.info([a.sha256]);
        expect(info?.owners).toHaveLength(2);
      }),
    );

    it(
      'tracks unsynced chunks until the lake acknowledges them',
      withStore(async (store, clock) => {
        const mine = await chunk(7);
        const cached = await chunk(8);
        await store.put([mine], { unsynced: true });
        clock.advance();
        await store.put([cached]);
        expect((await store.listUnsynced()).map((i) => i.sha256)).toEqual([mine.sha256]);
        expect((await store.usage()).unsyncedBytes).toBe(1024);
        expect((await store.evict(10_000)).evicted).toEqual([cached.sha256]);
        expect(await store.has([mine.sha256])).toEqual([true]);
        await store.markSynced([mine.sha256]);
        expect(await store.listUnsynced()).toEqual([]);
        expect((await store.evict(10_000)).evicted).toEqual([mine.sha256]);
      }),
    );

    it(
      'lists every chunk it holds, whatever its state',
      withStore(async (store) => {
        const mine = await chunk(9);
        const cached = await chunk(10);
        expect(await store.list()).toEqual([]);
        await store.put([mine], { unsynced: true });
        await store.put([cached]);
        const listed = await store.list();
        expect(listed.map((info) => info.sha256).sort()).toEqual(
          [mine.sha256, cached.sha256].sort(),
        );
        expect(listed.find((info) => info.sha256 === mine.sha256)?.unsynced).toBe(true);
        await store.delete([mine.sha256]);
        expect((await store.list()).map((info) => info.sha256)).toEqual([cached.sha256]);
      }),
    );

    it(
      'evicts raw levels before coarse ones, least recently used first, never pinned chunks',
      withStore(async (store, clock) => {
        const raw1 = await chunk(10, 1000, { signalId: 's', level: 0 });
        const raw2 = await chunk(11, 1000, { signalId: 's', level: 0 });
        const raw3 = await chunk(12, 1000, { signalId: 's', level: 0 });
        const coarse = await chunk(13, 1000, { signalId: 's', level: 2 });
        const pinned = await chunk(14, 1000, { signalId: 's', level: 0 });
        for (const item of [coarse, raw1, raw2, raw3, pinned]) {
          await store.put([item]);
          clock.advance();
        }
        await store.pin('kit-a', [pinned.sha256]);
        // Reading raw1 makes it the most recently used raw chunk.
        await store.get([raw1.sha256]);
        clock.advance();
        expect((await store.usage()).pinnedBytes).toBe(1000);
        expect((await store.usage()).byKit).toEqual({ 'kit-a': 1000 });
        const first = await store.evict(1500);
        expect(first.evicted).toEqual([raw2.sha256, raw3.sha256]);
        expect(first.freedBytes).toBe(2000);
        const rest = await store.evict(1_000_000);
        expect(rest.evicted).toEqual([raw1.sha256, coarse.sha256]);
        expect(await store.has([pinned.sha256])).toEqual([true]);
        await store.unpin('kit-a');
        expect((await store.evict(1)).evicted).toEqual([pinned.sha256]);
        expect((await store.usage()).count).toBe(0);
      }),
    );

    it(
      'pins only what it holds; a chunk stays pinned while any kit pins it',
      withStore(async (store) => {
        const a = await chunk(20);
        await store.put([a]);
        await expectJioError(store.pin('kit', [(await chunk(21)).sha256]), 'not_found');
        await store.pin('k1', [a.sha256]);
        await store.pin('k2', [a.sha256]);
        await store.pin('k2', [a.sha256]);
        await store.unpin('k1');
        expect((await store.evict(1)).evicted).toEqual([]);
        expect((await store.info([a.sha256]))[0]?.kits).toEqual(['k2']);
        await expectJioError(store.pin('', [a.sha256]), 'bad_request', 'invalid_kit');
      }),
    );

    it(
      'deletes whatever the state',
      withStore(async (store) => {
        const a = await chunk(30);
        await store.put([a], { unsynced: true });
        await store.delete([a.sha256]);
        expect(await store.has([a.sha256])).toEqual([false]);
        expect((await store.usage()).totalBytes).toBe(0);
      }),
    );

    it(
      'honours an aborted signal',
      withStore(async (store) => {
        const controller = new AbortController();
        controller.abort();
        const a = await chunk(40);
        await expect(store.put([a], { signal: controller.signal })).rejects.toMatchObject({
          name: 'AbortError',
        });
        expect(await store.has([a.sha256])).toEqual([false]);
      }),
    );
  });
}
