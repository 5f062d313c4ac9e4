// The S3 blob store against a real S3 API (s3rver) with the real SDK client: the shared
// conformance suite, then what only S3 can show — the layout in the bucket, multipart puts,
// two stateless instances racing on one bucket, crash leftovers of other instances, the
// mapping of object-store failures, and the configuration from the environment.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, ListObjectsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3, type TestS3 } from '../../test-support/s3.ts';
import {
  collect,
  expectBytes,
  randomBlob,
  rejection,
  runBlobStoreConformance,
  sha256Of,
  streamOf,
} from '../blob-store.suite.ts';
import { BlobStoreError, type BlobStore } from '../types.ts';
import { zarrNodeName } from '../zarr-path.ts';
import { S3ConfigError, s3ConfigFromEnv, type S3Config } from './config.ts';
import { openS3BlobStore } from './s3-blob-store.ts';

const MiB = 1024 * 1024;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let s3: TestS3;
let prefixes = 0;

beforeAll(async () => {
  s3 = await startS3();
});

afterAll(async () => {
  await s3.stop();
});

/** A fresh prefix of the test bucket: an empty store for each test. */
function freshConfig(): S3Config {
  prefixes += 1;
  return { ...s3.config, prefix: `t${prefixes}` };
}

/** Every key under the config's prefix (relative to it), as the bucket lists them. */
async function keysOf(config: S3Config): Promise<string[]> {
  const client = s3.client();
  const root = rootOf(config);
  const keys: string[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await client.send(
      new ListObjectsCommand({
        Bucket: config.bucket,
        Prefix: root,
        ...(marker === undefined ? {} : { Marker: marker }),
      }),
    );
    for (const entry of page.Contents ?? []) keys.push((entry.Key ?? '').slice(root.length));
    marker = page.Contents?.at(-1)?.Key;
    if (page.IsTruncated !== true || marker === undefined) break;
  }
  return keys.sort();
}

/** The store's keys start with this: the prefix and a slash, or nothing. */
function rootOf(config: S3Config): string {
  return config.prefix === undefined ? '' : `${config.prefix}/`;
}

async function rawGet(config: S3Config, key: string): Promise<Uint8Array> {
  const output = await s3
    .client()
    .send(new GetObjectCommand({ Bucket: config.bucket, Key: `${rootOf(config)}${key}` }));
  return (await output.Body?.transformToByteArray()) ?? new Uint8Array();
}

async function withStores(
  count: number,
  test: (stores: BlobStore[], config: S3Config) => Promise<void>,
): Promise<void> {
  const config = freshConfig();
  const stores: BlobStore[] = [];
  try {
    for (let i = 0; i < count; i += 1) stores.push(await openS3BlobStore(config));
    await test(stores, config);
  } finally {
    for (const store of stores) await store.close();
  }
}

async function withStore(test: (store: BlobStore, config: S3Config) => Promise<void>) {
  await withStores(1, async ([store], config) => {
    if (store === undefined) throw new Error('unreachable');
    await test(store, config);
  });
}

runBlobStoreConformance('S3 (s3rver)', async () => ({
  store: await openS3BlobStore(freshConfig()),
  // The whole bucket goes with the server at the end of the file.
  cleanup: async () => {},
}));

describe('S3BlobStore in the bucket', () => {
  it('stores objects/<sha256> and nothing else, at the root of a bucket or under a prefix', async () => {
    const bucket = await s3.newBucket();
    const bytes = randomBlob(10_000);
    const sha = sha256Of(bytes);
    for (const config of [bucket, { ...bucket, prefix: 'lake/a' }]) {
      const store = await openS3BlobStore(config);
      try {
        // Another prefix of the same bucket is another store.
        expect(await store.stat(sha)).toBeUndefined();
        await store.put(sha, streamOf(bytes, 1_000));
        await rejection(store.put(sha256Of(randomBlob(5)), bytes), 'hash_mismatch');
        expectBytes(await rawGet(config, `objects/${sha}`), bytes);
      } finally {
        await store.close();
      }
    }
    expect(await keysOf(bucket)).toEqual([`lake/a/objects/${sha}`, `objects/${sha}`]);
  });

  it('puts a long blob as a multipart upload, visible only once verified', async () => {
    await withStore(async (store, config) => {
      const bytes = randomBlob(17 * MiB + 5);
      const sha = sha256Of(bytes);
      const wrong = bytes.slice();
      wrong[16 * MiB] = (wrong[16 * MiB] ?? 0) ^ 1;
      await rejection(store.put(sha, streamOf(wrong, MiB)), 'hash_mismatch');
      await rejection(store.put(sha, streamOf(bytes, MiB), { maxLength: 17 * MiB }), 'too_large');
      expect(await keysOf(config)).toEqual([]);
      expect(await store.put(sha, streamOf(bytes, MiB))).toEqual({
        created: true,
        length: bytes.length,
      });
      expect(await keysOf(config)).toEqual([`objects/${sha}`]);
      expectBytes(await store.readAll(sha), bytes);
      const range = await collect(await store.read(sha, { start: 8 * MiB - 3, end: 8 * MiB + 3 }));
      expectBytes(range, bytes.subarray(8 * MiB - 3, 8 * MiB + 3));
    });
  });

  it('keeps appended pieces under uploads/<sha256>/ and removes them once stored', async () => {
    await withStore(async (store, config) => {
      const bytes = randomBlob(9 * MiB);
      const sha = sha256Of(bytes);
      // One append longer than a piece is stored as several pieces: memory stays bounded.
      expect(
        await store.append(sha, 0, bytes.length, streamOf(bytes.subarray(0, 8 * MiB + 10), MiB)),
      ).toEqual({ complete: false, held: 8 * MiB + 10 });
      const pieces = await keysOf(config);
      expect(pieces).toHaveLength(2);
      for (const key of pieces)
        expect(key).toMatch(/^uploads\/[0-9a-f]{64}\/\d{16}-9437184-[0-9a-f]{16}$/);
      expect(
        await store.append(sha, 8 * MiB + 10, bytes.length, bytes.subarray(8 * MiB + 10)),
      ).toMatchObject({ complete: true, created: true });
      expect(await keysOf(config)).toEqual([`objects/${sha}`]);
      expectBytes(await store.readAll(sha), bytes);
    });
  });

  it('holds the current version at zarr/<path>/<key>; old hashes stay readable', async () => {
    await withStore(async (store, config) => {
      const v1 = randomBlob(5_000);
      const v2 = randomBlob(6_000);
      await store.put(sha256Of(v1), v1);
      await store.put(sha256Of(v2), v2);
      const dataset = zarrNodeName('site/run 1');
      const node = [dataset, zarrNodeName('vib.x')];
      await store.writeZarrMetadata([], { node_type: 'group' });
      await store.writeZarrMetadata(node, { node_type: 'array' });
      await store.setZarrChunk(node, ['c', '0'], sha256Of(v1));
      await store.setZarrChunk(node, ['c', '0'], sha256Of(v2));
      await store.setZarrChunk(node, ['c', '1'], sha256Of(v1));
      const key = `zarr/${node.join('/')}/c/0`;
      expectBytes(await rawGet(config, key), v2);
      expectBytes(await store.readAll(sha256Of(v1)), v1);
      // The key is a copy: collecting the object does not touch the view.
      await store.delete(sha256Of(v2));
      expectBytes(await rawGet(config, key), v2);
      expect(await keysOf(config)).toEqual([
        `objects/${sha256Of(v1)}`,
        `zarr/${node.join('/')}/c/0`,
        `zarr/${node.join('/')}/c/1`,
        `zarr/${node.join('/')}/zarr.json`,
        'zarr/zarr.json',
      ]);
      await store.removeZarrNode([dataset]);
      expect(await keysOf(config)).toEqual([`objects/${sha256Of(v1)}`, 'zarr/zarr.json']);
      await store.removeZarrNode([]);
      expect(await keysOf(config)).toEqual([`objects/${sha256Of(v1)}`]);
    });
  });

  it('pages through listings: blobs, pieces of an upload, keys of a node', async () => {
    // A page of 2 keys instead of 1000: every listing takes several pages.
    const config = freshConfig();
    const store = await openS3BlobStore(config, { listPageSize: 2 });
    try {
      const hashes: string[] = [];
      for (let i = 0; i < 7; i += 1) {
        const bytes = randomBlob(10 + i);
        hashes.push(sha256Of(bytes));
        await store.put(sha256Of(bytes), bytes);
      }
      const listed: string[] = [];
      for await (const sha of store.list()) listed.push(sha);
      expect(listed.sort()).toEqual(hashes.sort());

      const upload = randomBlob(700);
      const uploadSha = sha256Of(upload);
      for (let at = 0; at < 600; at += 100) {
        await store.append(uploadSha, at, 700, upload.subarray(at, at + 100));
      }
      expect(await store.partial(uploadSha)).toEqual({ held: 600, total: 700 });
      expect(await store.append(uploadSha, 600, 700, upload.subarray(600))).toMatchObject({
        complete: true,
      });
      expectBytes(await store.readAll(uploadSha), upload);

      const node = [zarrNodeName('big')];
      await store.writeZarrMetadata(node, { node_type: 'array' });
      for (let i = 0; i < 9; i += 1) await store.setZarrChunk(node, ['c', String(i)], uploadSha);
      expect((await keysOf(config)).filter((key) => key.startsWith('zarr/'))).toHaveLength(10);
      await store.removeZarrNode(node);
      expect((await keysOf(config)).filter((key) => !key.startsWith('objects/'))).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe('S3BlobStore: two instances on one bucket', () => {
  it('race the same put (one part and multipart) and store it once', async () => {
    await withStores(2, async ([a, b], config) => {
      if (a === undefined || b === undefined) throw new Error('unreachable');
      for (const length of [300_000, 9 * MiB]) {
        const bytes = randomBlob(length);
        const sha = sha256Of(bytes);
        const results = await Promise.all([
          a.put(sha, streamOf(bytes, 64 * 1024)),
          b.put(sha, streamOf(bytes, 100_000)),
          a.put(sha, bytes),
        ]);
        expect(results.some((result) => result.created)).toBe(true);
        for (const store of [a, b]) {
          expect(await store.stat(sha)).toEqual({ length });
          expectBytes(await store.readAll(sha), bytes);
        }
      }
      const listed: string[] = [];
      for await (const sha of b.list()) listed.push(sha);
      expect(listed).toHaveLength(2);
      expect((await keysOf(config)).every((key) => key.startsWith('objects/'))).toBe(true);
    });
  });

  it('race the same resumable upload: pieces overlap, the blob completes once, verified', async () => {
    await withStores(2, async ([a, b], config) => {
      if (a === undefined || b === undefined) throw new Error('unreachable');
      for (let round = 0; round < 6; round += 1) {
        const total = 200_000;
        const bytes = randomBlob(total);
        const sha = sha256Of(bytes);
        const cut = 60_000 + round * 10_000;
        // Two clients (or one client retrying through another instance) send the same
        // first piece; instances do not share locks, so both may be taken.
        const first = await Promise.allSettled([
          a.append(sha, 0, total, streamOf(bytes.subarray(0, cut), 7_000)),
          b.append(sha, 0, total, bytes.subarray(0, cut + 1_000)),
        ]);
        for (const result of first) {
          if (result.status === 'rejected') {
            expect(result.reason).toBeInstanceOf(BlobStoreError);
            expect((result.reason as BlobStoreError).code).toBe('offset_mismatch');
          }
        }
        const { held } = await a.partial(sha);
        expect(await b.partial(sha)).toEqual({ held, total });
        expect([cut, cut + 1_000]).toContain(held);
        // Both resume from what is held, the second a little later each round so that it
        // meets the first at another step: writing pieces, reading them back, storing the blob,
        // deleting the pieces.
        const rest = await Promise.allSettled([
          a.append(sha, held, total, streamOf(bytes.subarray(held), 9_000)),
          delay(round * 5).then(() => b.append(sha, held, total, bytes.subarray(held))),
        ]);
        const outcomes = rest.map((result) =>
          result.status === 'fulfilled'
            ? result.value
            : {
                error: (result.reason as BlobStoreError).code,
                held: (result.reason as BlobStoreError).details.held,
              },
        );
        expect(outcomes.some((outcome) => 'complete' in outcome && outcome.complete)).toBe(true);
        for (const outcome of outcomes) {
          if ('error' in outcome) {
            // It met the other instance's pieces: refused with what is held, somewhere between
            // where both started and the end (a slow machine catches the streaming one
            // mid-way). When every piece was in but not yet stored, resuming at the end
            // completes it.
            expect(outcome.error).toBe('offset_mismatch');
            expect(outcome.held).toBeGreaterThanOrEqual(held);
            expect(outcome.held).toBeLessThanOrEqual(total);
            if (outcome.held === total) {
              expect(await b.append(sha, total, total, new Uint8Array(0))).toMatchObject({
                complete: true,
              });
            }
          } else {
            expect(outcome).toMatchObject({ complete: true });
          }
        }
        for (const store of [a, b]) {
          expectBytes(await store.readAll(sha), bytes);
          expect(await store.partial(sha)).toEqual({ held: 0, total: null });
        }
      }
      expect((await keysOf(config)).filter((key) => !key.startsWith('objects/'))).toEqual([]);
    });
  });

  it('read overlapping pieces once and ignore pieces after a gap or of another total', async () => {
    await withStore(async (store, config) => {
      const total = 1_000;
      const bytes = randomBlob(total);
      const sha = sha256Of(bytes);
      const client = s3.client();
      const plant = async (offset: number, end: number, pieceTotal = total) => {
        const nonce = Math.floor(Math.random() * 2 ** 48)
          .toString(16)
          .padStart(16, '0');
        const name = `${String(offset).padStart(16, '0')}-${pieceTotal}-${nonce}`;
        await client.send(
          new PutObjectCommand({
            Bucket: config.bucket,
            Key: `${rootOf(config)}uploads/${sha}/${name}`,
            Body: bytes.slice(offset, end),
          }),
        );
      };
      // What two instances appending at once may leave: the same offset twice, overlaps.
      await plant(0, 300);
      await plant(0, 500);
      await plant(400, 700);
      await plant(650, 720);
      await plant(800, 900); // after a gap: not held
      await plant(720, 990, 2_000); // another total: not part of this upload
      expect(await store.partial(sha)).toEqual({ held: 720, total });
      expect(await store.append(sha, 720, total, bytes.subarray(720))).toEqual({
        complete: true,
        created: true,
        length: total,
      });
      expectBytes(await store.readAll(sha), bytes);
      expect(await keysOf(config)).toEqual([`objects/${sha}`]);
    });
  });

  it('clean up after an instance that died between the pieces and the blob', async () => {
    await withStores(2, async ([a, b], config) => {
      if (a === undefined || b === undefined) throw new Error('unreachable');
      // Died after its last piece, before storing the blob: the upload completes on resume.
      const bytes = randomBlob(3_000);
      const sha = sha256Of(bytes);
      await a.append(sha, 0, 3_000, bytes.subarray(0, 1_000));
      const client = s3.client();
      await client.send(
        new PutObjectCommand({
          Bucket: config.bucket,
          Key: `${rootOf(config)}uploads/${sha}/${'1000'.padStart(16, '0')}-3000-00000000000000aa`,
          Body: bytes.slice(1_000),
        }),
      );
      expect(await b.partial(sha)).toEqual({ held: 3_000, total: 3_000 });
      expect(await b.append(sha, 3_000, 3_000, new Uint8Array(0))).toEqual({
        complete: true,
        created: true,
        length: 3_000,
      });
      expectBytes(await a.readAll(sha), bytes);

      // Died after storing the blob, before deleting the pieces: nothing is unfinished.
      const other = randomBlob(2_000);
      const otherSha = sha256Of(other);
      await a.append(otherSha, 0, 2_000, other.subarray(0, 500));
      await client.send(
        new PutObjectCommand({
          Bucket: config.bucket,
          Key: `${rootOf(config)}objects/${otherSha}`,
          Body: other,
        }),
      );
      expect(await b.partial(otherSha)).toEqual({ held: 0, total: null });
      expect((await keysOf(config)).filter((key) => key.startsWith('uploads/'))).toEqual([]);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Failures of the object store, from a fake S3 endpoint that answers what each test asks.

interface Fake {
  url: string;
  /** Answer for requests other than the bucket check: status and S3 error code. */
  answer: (request: IncomingMessage) => { status: number; code: string } | undefined;
  close(): Promise<void>;
}

async function startFake(): Promise<Fake> {
  const fake: Fake = { url: '', answer: () => undefined, close: async () => {} };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    request.on('end', () => {
      if (request.method === 'HEAD' && (request.url === '/bucket' || request.url === '/bucket/')) {
        response.writeHead(200).end();
        return;
      }
      const answer = fake.answer(request);
      if (
        answer === undefined &&
        request.method === 'GET' &&
        /^\/bucket\/?\?/.test(request.url ?? '')
      ) {
        response.writeHead(200, { 'content-type': 'application/xml' });
        response.end(
          '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>bucket</Name><IsTruncated>false</IsTruncated></ListBucketResult>',
        );
        return;
      }
      const { status, code } = answer ?? { status: 404, code: 'NoSuchKey' };
      response.writeHead(status, { 'content-type': 'application/xml' });
      response.end(
        request.method === 'HEAD'
          ? undefined
          : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => {
        resolve();
      });
    });
  return fake;
}

describe('S3BlobStore when the object store fails', () => {
  it('maps full, too large, failing and unreachable stores to blob store errors', async () => {
    const fake = await startFake();
    const store = await openS3BlobStore({
      endpoint: fake.url,
      region: 'us-east-1',
      bucket: 'bucket',
      accessKeyId: 'key',
      secretAccessKey: 'secret',
    });
    try {
      const bytes = randomBlob(100);
      const sha = sha256Of(bytes);
      const onPut = (status: number, code: string) => {
        fake.answer = (request) => (request.method === 'PUT' ? { status, code } : undefined);
      };
      onPut(507, 'XMinioStorageFull');
      await rejection(store.put(sha, bytes), 'no_space');
      onPut(403, 'QuotaExceeded');
      await rejection(store.put(sha, bytes), 'no_space');
      onPut(400, 'EntityTooLarge');
      await rejection(store.put(sha, bytes), 'too_large');
      onPut(503, 'SlowDown');
      await rejection(store.put(sha, bytes), 'unavailable');
      // A failing piece: nothing more is held than before, and the error says so.
      const failed = await rejection(store.append(sha, 0, 100, bytes), 'unavailable');
      expect(failed.details.held).toBe(0);
      fake.answer = () => ({ status: 500, code: 'InternalError' });
      await rejection(store.read(sha), 'unavailable');
      await rejection(store.stat(sha), 'unavailable');
      // A misconfiguration is not a blob's fault: it passes through as the store's error.
      fake.answer = () => ({ status: 403, code: 'AccessDenied' });
      const denied = await store.readAll(sha).catch((error: unknown) => error);
      expect(denied).not.toBeInstanceOf(BlobStoreError);
      expect((denied as Error).name).toBe('AccessDenied');
      await fake.close();
      await rejection(store.stat(sha), 'unavailable');
    } finally {
      await store.close();
      await fake.close();
    }
  });

  it('refuses to open a missing bucket, bad credentials or an unreachable store', async () => {
    const missing = await openS3BlobStore({ ...s3.config, bucket: 'no-such-bucket' }).catch(
      (error: unknown) => error,
    );
    expect(missing).toBeInstanceOf(S3ConfigError);
    expect((missing as Error).message).toMatch(/no-such-bucket .*does not exist/);
    const denied = await openS3BlobStore({ ...s3.config, accessKeyId: 'nobody' }).catch(
      (error: unknown) => error,
    );
    expect(denied).toBeInstanceOf(S3ConfigError);
    expect((denied as Error).message).toMatch(/denied/);
    const fake = await startFake();
    const { accessKeyId: _id, secretAccessKey: _secret, ...anonymous } = s3.config;
    const noCredentials = await openS3BlobStore({ ...anonymous, endpoint: fake.url }).catch(
      (error: unknown) => error,
    );
    expect(noCredentials).toBeInstanceOf(S3ConfigError);
    expect((noCredentials as Error).message).toMatch(/no credentials/);
    await fake.close();
    await rejection(
      openS3BlobStore({ ...s3.config, endpoint: fake.url, bucket: 'bucket' }),
      'unavailable',
    );
  });
});

describe('s3ConfigFromEnv', () => {
  it('is undefined without FIELDLAKE_S3_* variables (the filesystem store)', () => {
    expect(s3ConfigFromEnv({})).toBeUndefined();
    expect(s3ConfigFromEnv({ FIELDLAKE_S3_BUCKET: ' ', HOME: '/root' })).toBeUndefined();
  });

  it('reads every variable, with defaults for S3-compatible stores', () => {
    expect(
      s3ConfigFromEnv({
        FIELDLAKE_S3_ENDPOINT: 'http://minio:9000',
        FIELDLAKE_S3_BUCKET: 'lake',
        FIELDLAKE_S3_PREFIX: '/prod/a/',
        FIELDLAKE_S3_ACCESS_KEY_ID: 'id',
        FIELDLAKE_S3_SECRET_ACCESS_KEY: 'secret',
      }),
    ).toEqual({
      endpoint: 'http://minio:9000',
      region: 'us-east-1',
      bucket: 'lake',
      prefix: 'prod/a',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
      forcePathStyle: true,
    });
    expect(
      s3ConfigFromEnv({
        FIELDLAKE_S3_REGION: 'eu-west-3',
        FIELDLAKE_S3_BUCKET: 'my.lake',
        FIELDLAKE_S3_FORCE_PATH_STYLE: 'yes',
      }),
    ).toEqual({ region: 'eu-west-3', bucket: 'my.lake', forcePathStyle: true });
    expect(
      s3ConfigFromEnv({ FIELDLAKE_S3_REGION: 'eu-west-3', FIELDLAKE_S3_BUCKET: 'lake' }),
    ).toEqual({ region: 'eu-west-3', bucket: 'lake', forcePathStyle: false });
  });

  it.each([
    [{ FIELDLAKE_S3_REGION: 'us-east-1' }, /FIELDLAKE_S3_BUCKET is not set .*FIELDLAKE_S3_REGION/],
    [{ FIELDLAKE_S3_BUCKET: 'lake' }, /FIELDLAKE_S3_REGION is not set/],
    [
      { FIELDLAKE_S3_BUCKET: 'lake', FIELDLAKE_S3_ENDPOINT: 'minio:9000' },
      /FIELDLAKE_S3_ENDPOINT .*http/,
    ],
    [
      { FIELDLAKE_S3_BUCKET: 'lake', FIELDLAKE_S3_ENDPOINT: 'not a url' },
      /FIELDLAKE_S3_ENDPOINT is not a URL/,
    ],
    [
      { FIELDLAKE_S3_BUCKET: 'Lake_1', FIELDLAKE_S3_REGION: 'x' },
      /FIELDLAKE_S3_BUCKET must be a bucket name/,
    ],
    [
      { FIELDLAKE_S3_BUCKET: 'lake', FIELDLAKE_S3_REGION: 'eu west' },
      /FIELDLAKE_S3_REGION must be/,
    ],
    [
      { FIELDLAKE_S3_BUCKET: 'lake', FIELDLAKE_S3_REGION: 'x', FIELDLAKE_S3_ACCESS_KEY_ID: 'id' },
      /FIELDLAKE_S3_ACCESS_KEY_ID and FIELDLAKE_S3_SECRET_ACCESS_KEY go together/,
    ],
    [
      {
        FIELDLAKE_S3_BUCKET: 'lake',
        FIELDLAKE_S3_REGION: 'x',
        FIELDLAKE_S3_FORCE_PATH_STYLE: 'maybe',
      },
      /FIELDLAKE_S3_FORCE_PATH_STYLE must be true or false/,
    ],
    [
      { FIELDLAKE_S3_BUCKET: 'lake', FIELDLAKE_S3_REGION: 'x', FIELDLAKE_S3_PREFIX: 'a/../b' },
      /FIELDLAKE_S3_PREFIX must be/,
    ],
    [
      { FIELDLAKE_S3_BUCKET: 'lake', FIELDLAKE_S3_REGION: 'x', FIELDLAKE_S3_PREFIX: 'a//b' },
      /FIELDLAKE_S3_PREFIX must be/,
    ],
  ])('refuses %j', (env, message) => {
    expect(() => s3ConfigFromEnv(env)).toThrow(S3ConfigError);
    expect(() => s3ConfigFromEnv(env)).toThrow(message);
  });
});
