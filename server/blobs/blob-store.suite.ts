// The behaviour every BlobStore must have (types.ts), whatever holds the bytes: the filesystem
// store runs it from fs-blob-store.test.ts, the scale-out S3 store will run it too. Only the
// interface is used here, never the layout of a particular store.
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobStoreError, type BlobStore, type BlobStoreErrorCode } from './types.ts';
import { zarrNodeName } from './zarr-path.ts';

export interface OpenedBlobStore {
  store: BlobStore;
  /** Removes everything the store held (called after close()). */
  cleanup(): Promise<void>;
}

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function randomBlob(length: number): Uint8Array {
  return new Uint8Array(randomBytes(length));
}

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  let length = 0;
  for await (const piece of source) {
    pieces.push(new Uint8Array(piece));
    length += piece.length;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/**
 * Byte-exact comparison. (toEqual walks a typed array element by element: seconds for a few
 * MiB; this compares natively and reports the hash when the bytes differ.)
 */
export function expectBytes(
  actual: Uint8Array | undefined,
  expected: Uint8Array,
  label?: string,
): void {
  expect(actual, label).toBeInstanceOf(Uint8Array);
  if (actual === undefined) return;
  expect(actual.length, label).toBe(expected.length);
  const same = Buffer.compare(actual, expected) === 0;
  expect(same ? 'same bytes' : `other bytes (sha256 ${sha256Of(actual)})`, label).toBe(
    'same bytes',
  );
}

/** `bytes` as a stream of `size`-byte pieces; throws instead of yielding piece `failAt`. */
export async function* streamOf(
  bytes: Uint8Array,
  size: number,
  failAt?: number,
): AsyncGenerator<Uint8Array> {
  for (let at = 0, index = 0; at < bytes.length; at += size, index += 1) {
    // A real body arrives asynchronously; yielding to the event loop keeps the test honest.
    await Promise.resolve();
    if (index === failAt) throw new Error('connection reset (simulated)');
    yield bytes.slice(at, at + size);
  }
}

/** The BlobStoreError a promise rejects with (fails the test on anything else). */
export async function rejection(
  promise: Promise<unknown>,
  code: BlobStoreErrorCode,
): Promise<BlobStoreError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(BlobStoreError);
  const error = caught as BlobStoreError;
  expect(error.code, error.message).toBe(code);
  return error;
}

async function listAll(store: BlobStore): Promise<string[]> {
  const hashes: string[] = [];
  for await (const hash of store.list()) hashes.push(hash);
  return hashes.sort();
}

function json(bytes: Uint8Array | undefined): unknown {
  expect(bytes).toBeDefined();
  return JSON.parse(new TextDecoder().decode(bytes));
}

export function runBlobStoreConformance(name: string, open: () => Promise<OpenedBlobStore>): void {
  describe(`BlobStore conformance: ${name}`, () => {
    let opened: OpenedBlobStore;
    let store: BlobStore;

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });

    afterEach(async () => {
      await store.close();
      await opened.cleanup();
    });

    describe('put and read', () => {
      it('stores a blob and reads it back whole, streamed and by stat', async () => {
        const bytes = randomBlob(100_000);
        const sha = sha256Of(bytes);
        expect(await store.put(sha, bytes)).toEqual({ created: true, length: bytes.length });
        expect(await store.stat(sha)).toEqual({ length: bytes.length });
        expectBytes(await store.readAll(sha), bytes);
        expectBytes(await collect(await store.read(sha)), bytes);
      });

      it('stores a streamed source of small pieces', async () => {
        const bytes = randomBlob(3 * 1024 * 1024 + 17);
        const sha = sha256Of(bytes);
        expect(await store.put(sha, streamOf(bytes, 7_001))).toEqual({
          created: true,
          length: bytes.length,
        });
        expect(sha256Of(await collect(await store.read(sha)))).toBe(sha);
      });

      it('stores the empty blob', async () => {
        const empty = new Uint8Array(0);
        const sha = sha256Of(empty);
        expect(await store.put(sha, empty)).toEqual({ created: true, length: 0 });
        expectBytes(await store.readAll(sha), empty);
        expectBytes(await collect(await store.read(sha)), empty);
      });

      it('reads ranges', async () => {
        const bytes = randomBlob(5_000);
        const sha = sha256Of(bytes);
        await store.put(sha, bytes);
        for (const [start, end] of [
          [0, 5_000],
          [0, 1],
          [4_999, 5_000],
          [1_234, 3_456],
          [2_000, 2_000],
          [5_000, 5_000],
        ] as const) {
          const got = await collect(await store.read(sha, { start, end }));
          expectBytes(got, bytes.slice(start, end), `[${start}, ${end})`);
        }
      });

      it('rejects a range outside the blob', async () => {
        const bytes = randomBlob(100);
        const sha = sha256Of(bytes);
        await store.put(sha, bytes);
        await rejection(store.read(sha, { start: 0, end: 101 }), 'invalid');
        await rejection(store.read(sha, { start: 50, end: 40 }), 'invalid');
        await rejection(store.read(sha, { start: -1, end: 10 }), 'invalid');
      });

      it('answers not_found (or undefined from stat) for a missing blob', async () => {
        const sha = sha256Of(randomBlob(10));
        expect(await store.stat(sha)).toBeUndefined();
        await rejection(store.read(sha), 'not_found');
        await rejection(store.readAll(sha), 'not_found');
      });

      it('is idempotent: a second put of the same hash creates nothing', async () => {
        const bytes = randomBlob(10_000);
        const sha = sha256Of(bytes);
        await store.put(sha, bytes);
        expect(await store.put(sha, bytes)).toEqual({ created: false, length: bytes.length });
        expect(await store.put(sha, streamOf(bytes, 999))).toEqual({
          created: false,
          length: bytes.length,
        });
        expectBytes(await store.readAll(sha), bytes);
        expect(await listAll(store)).toEqual([sha]);
      });

      it('does not need the source of a blob already stored', async () => {
        const bytes = randomBlob(1_000);
        const sha = sha256Of(bytes);
        await store.put(sha, bytes);
        // A body that would fail if read: an already stored blob answers without it.
        const unreadable = streamOf(bytes, 100, 0);
        expect(await store.put(sha, unreadable)).toEqual({ created: false, length: 1_000 });
      });

      it('stores concurrent puts of the same blob once', async () => {
        const bytes = randomBlob(200_000);
        const sha = sha256Of(bytes);
        const results = await Promise.all([
          store.put(sha, streamOf(bytes, 10_000)),
          store.put(sha, streamOf(bytes, 30_000)),
          store.put(sha, bytes),
        ]);
        expect(results.every((result) => result.length === bytes.length)).toBe(true);
        expect(results.some((result) => result.created)).toBe(true);
        expectBytes(await store.readAll(sha), bytes);
        expect(await listAll(store)).toEqual([sha]);
      });
    });

    describe('nothing kept on failure', () => {
      it('keeps nothing when the bytes do not match the hash', async () => {
        const bytes = randomBlob(50_000);
        const wrong = sha256Of(randomBlob(10));
        await rejection(store.put(wrong, bytes), 'hash_mismatch');
        await rejection(store.put(wrong, streamOf(bytes, 4_096)), 'hash_mismatch');
        expect(await store.stat(wrong)).toBeUndefined();
        await rejection(store.readAll(wrong), 'not_found');
        expect(await listAll(store)).toEqual([]);
      });

      it('keeps nothing when a single bit differs', async () => {
        const bytes = randomBlob(4_096);
        const sha = sha256Of(bytes);
        const flipped = bytes.slice();
        flipped[2_000] = (flipped[2_000] ?? 0) ^ 1;
        await rejection(store.put(sha, flipped), 'hash_mismatch');
        expect(await store.stat(sha)).toBeUndefined();
        expect(await store.put(sha, bytes)).toEqual({ created: true, length: 4_096 });
      });

      it('enforces maxLength while streaming', async () => {
        const bytes = randomBlob(10_000);
        const sha = sha256Of(bytes);
        await rejection(store.put(sha, bytes, { maxLength: 9_999 }), 'too_large');
        await rejection(store.put(sha, streamOf(bytes, 1_000), { maxLength: 9_999 }), 'too_large');
        expect(await store.stat(sha)).toBeUndefined();
        expect(await listAll(store)).toEqual([]);
        expect(await store.put(sha, streamOf(bytes, 1_000), { maxLength: 10_000 })).toEqual({
          created: true,
          length: 10_000,
        });
      });

      it('stops reading an endless source at maxLength', async () => {
        let produced = 0;
        async function* endless(): AsyncGenerator<Uint8Array> {
          for (;;) {
            await Promise.resolve();
            produced += 1;
            yield new Uint8Array(1_024);
          }
        }
        await rejection(
          store.put(sha256Of(randomBlob(1)), endless(), { maxLength: 64 * 1024 }),
          'too_large',
        );
        expect(produced).toBeLessThanOrEqual(65);
      });

      it('keeps nothing when the source fails midway (aborted)', async () => {
        const bytes = randomBlob(300_000);
        const sha = sha256Of(bytes);
        const error = await rejection(store.put(sha, streamOf(bytes, 10_000, 12)), 'aborted');
        expect(error.cause).toBeInstanceOf(Error);
        expect(await store.stat(sha)).toBeUndefined();
        expect(await listAll(store)).toEqual([]);
        expect(await store.put(sha, bytes)).toEqual({ created: true, length: bytes.length });
      });
    });

    describe('resumable uploads', () => {
      it('appends pieces, reports what is held, completes with the hash verified', async () => {
        const bytes = randomBlob(250_000);
        const sha = sha256Of(bytes);
        expect(await store.partial(sha)).toEqual({ held: 0, total: null });
        expect(await store.append(sha, 0, bytes.length, bytes.slice(0, 100_000))).toEqual({
          complete: false,
          held: 100_000,
        });
        expect(await store.partial(sha)).toEqual({ held: 100_000, total: 250_000 });
        expect(await store.stat(sha)).toBeUndefined();
        expect(
          await store.append(
            sha,
            100_000,
            bytes.length,
            streamOf(bytes.slice(100_000, 200_000), 3_000),
          ),
        ).toEqual({ complete: false, held: 200_000 });
        expect(await store.partial(sha)).toEqual({ held: 200_000, total: 250_000 });
        expect(await store.append(sha, 200_000, bytes.length, bytes.slice(200_000))).toEqual({
          complete: true,
          created: true,
          length: 250_000,
        });
        expectBytes(await store.readAll(sha), bytes);
        expect(await store.partial(sha)).toEqual({ held: 0, total: null });
      });

      it('completes in one piece, and with an empty piece at the end', async () => {
        const bytes = randomBlob(1_000);
        const sha = sha256Of(bytes);
        expect(await store.append(sha, 0, 1_000, bytes)).toEqual({
          complete: true,
          created: true,
          length: 1_000,
        });
        const other = randomBlob(1_000);
        const otherSha = sha256Of(other);
        expect(await store.append(otherSha, 0, 1_000, other.slice(0, 400))).toEqual({
          complete: false,
          held: 400,
        });
        expect(await store.append(otherSha, 400, 1_000, new Uint8Array(0))).toEqual({
          complete: false,
          held: 400,
        });
        expect(await store.append(otherSha, 400, 1_000, other.slice(400))).toMatchObject({
          complete: true,
        });
        expectBytes(await store.readAll(otherSha), other);
      });

      it('refuses a piece at the wrong offset and says what is held', async () => {
        const bytes = randomBlob(3_000);
        const sha = sha256Of(bytes);
        const early = await rejection(
          store.append(sha, 10, 3_000, bytes.slice(10, 20)),
          'offset_mismatch',
        );
        expect(early.details.held).toBe(0);
        await store.append(sha, 0, 3_000, bytes.slice(0, 1_000));
        const replay = await rejection(
          store.append(sha, 0, 3_000, bytes.slice(0, 1_000)),
          'offset_mismatch',
        );
        expect(replay.details.held).toBe(1_000);
        const gap = await rejection(
          store.append(sha, 2_000, 3_000, bytes.slice(2_000)),
          'offset_mismatch',
        );
        expect(gap.details.held).toBe(1_000);
        expect(await store.partial(sha)).toEqual({ held: 1_000, total: 3_000 });
        expect(await store.append(sha, 1_000, 3_000, bytes.slice(1_000))).toMatchObject({
          complete: true,
        });
        expectBytes(await store.readAll(sha), bytes);
      });

      it('serializes concurrent pieces at the same offset', async () => {
        const bytes = randomBlob(40_000);
        const sha = sha256Of(bytes);
        const results = await Promise.allSettled([
          store.append(sha, 0, 40_000, streamOf(bytes.slice(0, 20_000), 1_000)),
          store.append(sha, 0, 40_000, streamOf(bytes.slice(0, 20_000), 1_000)),
        ]);
        const fulfilled = results.filter((result) => result.status === 'fulfilled');
        const rejected = results.filter((result) => result.status === 'rejected');
        expect(fulfilled).toHaveLength(1);
        expect(rejected).toHaveLength(1);
        const reason: unknown = rejected[0]?.reason;
        expect(reason).toBeInstanceOf(BlobStoreError);
        expect((reason as BlobStoreError).code).toBe('offset_mismatch');
        expect(await store.partial(sha)).toEqual({ held: 20_000, total: 40_000 });
      });

      it('refuses a piece that goes beyond the total, keeping what was held', async () => {
        const bytes = randomBlob(1_000);
        const sha = sha256Of(bytes);
        await store.append(sha, 0, 1_000, bytes.slice(0, 500));
        await rejection(store.append(sha, 500, 1_000, randomBlob(501)), 'invalid');
        expect(await store.partial(sha)).toEqual({ held: 500, total: 1_000 });
        // Streamed: the right bytes, then one too many. Whatever the store keeps of the
        // pieces before the extra byte, it says so, and the upload can still complete.
        async function* tooLong(): AsyncGenerator<Uint8Array> {
          yield* streamOf(bytes.slice(500), 100);
          yield new Uint8Array(1);
        }
        const error = await rejection(store.append(sha, 500, 1_000, tooLong()), 'invalid');
        const { held } = await store.partial(sha);
        expect(held).toBeGreaterThanOrEqual(500);
        expect(held).toBeLessThan(1_000);
        if (error.details.held !== undefined) expect(error.details.held).toBe(held);
        expect(await store.append(sha, held, 1_000, bytes.slice(held))).toMatchObject({
          complete: true,
        });
        expectBytes(await store.readAll(sha), bytes);
      });

      it('refuses a different total once bytes are held', async () => {
        const bytes = randomBlob(1_000);
        const sha = sha256Of(bytes);
        await store.append(sha, 0, 1_000, bytes.slice(0, 100));
        await rejection(store.append(sha, 100, 2_000, bytes.slice(100, 200)), 'invalid');
        expect(await store.partial(sha)).toEqual({ held: 100, total: 1_000 });
      });

      it('refuses nonsense offsets and totals', async () => {
        const sha = sha256Of(randomBlob(8));
        await rejection(store.append(sha, -1, 10, new Uint8Array(1)), 'invalid');
        await rejection(store.append(sha, 0, -10, new Uint8Array(1)), 'invalid');
        await rejection(store.append(sha, 0, 1.5, new Uint8Array(1)), 'invalid');
        await rejection(store.append(sha, 11, 10, new Uint8Array(0)), 'invalid');
        expect(await store.partial(sha)).toEqual({ held: 0, total: null });
      });

      it('discards an upload that completes with the wrong bytes', async () => {
        const bytes = randomBlob(2_000);
        const sha = sha256Of(bytes);
        await store.append(sha, 0, 2_000, bytes.slice(0, 1_000));
        await rejection(store.append(sha, 1_000, 2_000, randomBlob(1_000)), 'hash_mismatch');
        expect(await store.stat(sha)).toBeUndefined();
        expect(await store.partial(sha)).toEqual({ held: 0, total: null });
        expect(await listAll(store)).toEqual([]);
        // It starts over cleanly.
        await store.append(sha, 0, 2_000, bytes.slice(0, 1_000));
        expect(await store.append(sha, 1_000, 2_000, bytes.slice(1_000))).toMatchObject({
          complete: true,
        });
        expectBytes(await store.readAll(sha), bytes);
      });

      it('keeps what arrived when a piece is cut off, and resumes from there', async () => {
        const bytes = randomBlob(100_000);
        const sha = sha256Of(bytes);
        await store.append(sha, 0, 100_000, bytes.slice(0, 10_000));
        const cut = await rejection(
          store.append(sha, 10_000, 100_000, streamOf(bytes.slice(10_000), 5_000, 6)),
          'aborted',
        );
        const { held } = await store.partial(sha);
        // What is held is at least what was held before and at most what arrived, and the
        // error says the same.
        expect(held).toBeGreaterThanOrEqual(10_000);
        expect(held).toBeLessThanOrEqual(40_000);
        expect(cut.details.held).toBe(held);
        expect(await store.stat(sha)).toBeUndefined();
        expect(await store.append(sha, held, 100_000, bytes.slice(held))).toMatchObject({
          complete: true,
        });
        expectBytes(await store.readAll(sha), bytes);
      });

      it('abandons an upload', async () => {
        const bytes = randomBlob(1_000);
        const sha = sha256Of(bytes);
        await store.append(sha, 0, 1_000, bytes.slice(0, 300));
        await store.abandon(sha);
        expect(await store.partial(sha)).toEqual({ held: 0, total: null });
        await store.abandon(sha);
        await rejection(store.append(sha, 300, 1_000, bytes.slice(300)), 'offset_mismatch');
      });

      it('answers complete when the blob was stored meanwhile', async () => {
        const bytes = randomBlob(1_000);
        const sha = sha256Of(bytes);
        await store.append(sha, 0, 1_000, bytes.slice(0, 300));
        await store.put(sha, bytes);
        expect(await store.append(sha, 300, 1_000, bytes.slice(300))).toEqual({
          complete: true,
          created: false,
          length: 1_000,
        });
        expect(await store.partial(sha)).toEqual({ held: 0, total: null });
      });

      it('keeps uploads of different hashes apart', async () => {
        const a = randomBlob(1_000);
        const b = randomBlob(1_000);
        await store.append(sha256Of(a), 0, 1_000, a.slice(0, 600));
        await store.append(sha256Of(b), 0, 1_000, b.slice(0, 200));
        expect(await store.partial(sha256Of(a))).toEqual({ held: 600, total: 1_000 });
        expect(await store.partial(sha256Of(b))).toEqual({ held: 200, total: 1_000 });
      });
    });

    describe('delete and list', () => {
      it('lists stored blobs only', async () => {
        const hashes: string[] = [];
        for (let i = 0; i < 5; i += 1) {
          const bytes = randomBlob(100 + i);
          hashes.push(sha256Of(bytes));
          await store.put(sha256Of(bytes), bytes);
        }
        const unfinished = randomBlob(100);
        await store.append(sha256Of(unfinished), 0, 100, unfinished.slice(0, 50));
        expect(await listAll(store)).toEqual(hashes.sort());
      });

      it('deletes a blob (and deleting a missing one is fine)', async () => {
        const bytes = randomBlob(100);
        const sha = sha256Of(bytes);
        await store.put(sha, bytes);
        await store.delete(sha);
        expect(await store.stat(sha)).toBeUndefined();
        await rejection(store.readAll(sha), 'not_found');
        expect(await listAll(store)).toEqual([]);
        await store.delete(sha);
        expect(await store.put(sha, bytes)).toEqual({ created: true, length: 100 });
      });
    });

    describe('the Zarr view', () => {
      const dataset = zarrNodeName('dataset/site-1/run 7');
      const signal = zarrNodeName('temp.°C');

      it('writes and reads metadata, replacing it', async () => {
        const root = { zarr_format: 3, node_type: 'group', attributes: {} };
        await store.writeZarrMetadata([], root);
        expect(json(await store.readZarr([], ['zarr.json']))).toEqual(root);
        const group = { zarr_format: 3, node_type: 'group', attributes: { title: 'Run 7' } };
        await store.writeZarrMetadata([dataset], group);
        expect(json(await store.readZarr([dataset], ['zarr.json']))).toEqual(group);
        const renamed = { ...group, attributes: { title: 'Run 7, again' } };
        await store.writeZarrMetadata([dataset], renamed);
        expect(json(await store.readZarr([dataset], ['zarr.json']))).toEqual(renamed);
      });

      it('answers undefined for what does not exist', async () => {
        expect(await store.readZarr([dataset], ['zarr.json'])).toBeUndefined();
        expect(await store.readZarr([dataset, signal], ['c', '0'])).toBeUndefined();
      });

      it('points a chunk key at a blob, and replaces it with a new version', async () => {
        const v1 = randomBlob(4_000);
        const v2 = randomBlob(4_000);
        await store.put(sha256Of(v1), v1);
        await store.put(sha256Of(v2), v2);
        await store.setZarrChunk([dataset, signal], ['c', '0'], sha256Of(v1));
        expectBytes(await store.readZarr([dataset, signal], ['c', '0']), v1);
        await store.setZarrChunk([dataset, signal], ['c', '0'], sha256Of(v2));
        expectBytes(await store.readZarr([dataset, signal], ['c', '0']), v2);
        // The superseded version stays readable by its hash until the collector deletes it.
        expectBytes(await store.readAll(sha256Of(v1)), v1);
        await store.setZarrChunk([dataset, signal], ['c', '0'], sha256Of(v2));
        expectBytes(await store.readZarr([dataset, signal], ['c', '0']), v2);
      });

      it('keeps a chunk key readable after its blob is deleted (it is the current version)', async () => {
        const bytes = randomBlob(1_000);
        const sha = sha256Of(bytes);
        await store.put(sha, bytes);
        await store.setZarrChunk([dataset, signal], ['c', '5'], sha);
        await store.delete(sha);
        expectBytes(await store.readZarr([dataset, signal], ['c', '5']), bytes);
      });

      it('refuses a chunk key for a missing blob', async () => {
        await rejection(
          store.setZarrChunk([dataset, signal], ['c', '0'], sha256Of(randomBlob(3))),
          'not_found',
        );
        expect(await store.readZarr([dataset, signal], ['c', '0'])).toBeUndefined();
      });

      it('holds pyramid levels beside the signal', async () => {
        const bytes = randomBlob(512);
        await store.put(sha256Of(bytes), bytes);
        const pyramid = [dataset, `${signal}.pyramid`, '1'];
        await store.writeZarrMetadata([dataset, `${signal}.pyramid`], { node_type: 'group' });
        await store.writeZarrMetadata(pyramid, { node_type: 'array' });
        await store.setZarrChunk(pyramid, ['c', '12', '0'], sha256Of(bytes));
        expectBytes(await store.readZarr(pyramid, ['c', '12', '0']), bytes);
        expect(await store.readZarr(pyramid, ['c', '12'])).toBeUndefined();
        expect(json(await store.readZarr(pyramid, ['zarr.json']))).toEqual({ node_type: 'array' });
      });

      it('removes a node and everything under it, not the blobs', async () => {
        const bytes = randomBlob(100);
        const sha = sha256Of(bytes);
        await store.put(sha, bytes);
        const other = zarrNodeName('other');
        await store.writeZarrMetadata([dataset], { node_type: 'group' });
        await store.writeZarrMetadata([dataset, signal], { node_type: 'array' });
        await store.setZarrChunk([dataset, signal], ['c', '0'], sha);
        await store.writeZarrMetadata([other], { node_type: 'group' });
        await store.removeZarrNode([dataset]);
        expect(await store.readZarr([dataset], ['zarr.json'])).toBeUndefined();
        expect(await store.readZarr([dataset, signal], ['c', '0'])).toBeUndefined();
        expect(await store.readZarr([other], ['zarr.json'])).toBeDefined();
        expectBytes(await store.readAll(sha), bytes);
        await store.removeZarrNode([dataset]);
        // The node can be written again.
        await store.writeZarrMetadata([dataset], { node_type: 'group' });
        expect(await store.readZarr([dataset], ['zarr.json'])).toBeDefined();
      });
    });

    describe('hostile input', () => {
      const ok = zarrNodeName('ok');
      const badSegments = [
        '..',
        '.',
        '',
        'a/b',
        '/',
        '%2e%2e',
        '..%2f',
        '\0',
        'a\0b',
        '.pyramid',
        'a.pyramid.pyramid',
        '~2e~2e',
        '~41',
        '~2',
        'a.b',
        'zarr.json',
        'é',
        '\\',
        'a\\..',
      ];
      const badKeys = [
        ['..'],
        ['c'],
        ['c', '-1'],
        ['c', '01'],
        ['c', '1.5'],
        ['c', '1', '..'],
        ['c', '..', '1'],
        ['c', ''],
        ['c', '1e3'],
        ['C', '1'],
        ['c/1'],
        ['..', 'zarr.json'],
        [],
      ];

      it('rejects bad hashes everywhere', async () => {
        const bytes = randomBlob(10);
        for (const bad of [
          '',
          'abc',
          sha256Of(bytes).toUpperCase(),
          `../${sha256Of(bytes).slice(3)}`,
          `${sha256Of(bytes)}/`,
          `${sha256Of(bytes).slice(1)}\0`,
        ]) {
          await rejection(store.stat(bad), 'invalid');
          await rejection(store.put(bad, bytes), 'invalid');
          await rejection(store.partial(bad), 'invalid');
          await rejection(store.append(bad, 0, 10, bytes), 'invalid');
          await rejection(store.abandon(bad), 'invalid');
          await rejection(store.read(bad), 'invalid');
          await rejection(store.readAll(bad), 'invalid');
          await rejection(store.delete(bad), 'invalid');
          await rejection(store.setZarrChunk([ok], ['c', '0'], bad), 'invalid');
        }
      });

      it.each(badSegments)('rejects the path segment %j', async (segment) => {
        const bytes = randomBlob(10);
        const sha = sha256Of(bytes);
        await store.put(sha, bytes);
        await rejection(store.writeZarrMetadata([segment], {}), 'invalid');
        await rejection(store.writeZarrMetadata([ok, segment], {}), 'invalid');
        await rejection(store.setZarrChunk([ok, segment], ['c', '0'], sha), 'invalid');
        await rejection(store.readZarr([segment], ['zarr.json']), 'invalid');
        await rejection(store.removeZarrNode([ok, segment]), 'invalid');
      });

      it.each(badKeys.map((key) => [key]))('rejects the key %j', async (key) => {
        const bytes = randomBlob(10);
        const sha = sha256Of(bytes);
        await store.put(sha, bytes);
        await rejection(store.setZarrChunk([ok], key, sha), 'invalid');
        await rejection(store.readZarr([ok], key), 'invalid');
      });

      it('never lets a name escape its node', async () => {
        const bytes = randomBlob(10);
        const sha = sha256Of(bytes);
        await store.put(sha, bytes);
        for (const name of ['..', '../..', '%2e%2e', '\0', '/', 'a.pyramid', '.', '~']) {
          await store.writeZarrMetadata([zarrNodeName(name)], { name });
          await store.setZarrChunk([zarrNodeName(name)], ['c', '0'], sha);
        }
        for (const name of ['..', '../..', '%2e%2e', '\0', '/', 'a.pyramid', '.', '~']) {
          expect(json(await store.readZarr([zarrNodeName(name)], ['zarr.json']))).toEqual({ name });
        }
        // Nothing landed at the root's own keys.
        expect(await store.readZarr([], ['zarr.json'])).toBeUndefined();
        expect(await store.readZarr([], ['c', '0'])).toBeUndefined();
      });
    });
  });
}
