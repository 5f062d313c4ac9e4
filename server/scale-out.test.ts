// Scale-out: two lake instances on one PostgreSQL and one S3 bucket, writes and reads
// interleaved through both, give the same answers as one embedded lake doing the same work
// (revisions are deterministic, so even they match).
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from './app.ts';
import { createSession, createUser } from './auth/accounts.ts';
import type { S3Config } from './blobs/s3/config.ts';
import { type OpenLake, openLake } from './lake-context.ts';
import {
  type PostgresCluster,
  postgresUnavailable,
  startPostgres,
} from './test-support/postgres.ts';
import { startS3, type TestS3 } from './test-support/s3.ts';

const unavailable = postgresUnavailable();
const dirs: string[] = [];

interface Instance {
  app: FastifyInstance;
  opened: OpenLake;
}

async function instance(options: { databaseUrl?: string; s3?: S3Config }): Promise<Instance> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fieldlake-scale-'));
  dirs.push(dir);
  const log = pino({ level: 'silent' });
  const opened = await openLake({ dataDir: dir, log, gcIntervalMs: 0, ...options });
  const app = await buildServer({ lake: opened, loggerInstance: log });
  await app.ready();
  return { app, opened };
}

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const bytesCodec = [{ name: 'bytes', configuration: { endian: 'little' } }];

/** The same work, each step through the instance `pick` chooses; returns what was observed. */
async function work(pick: (step: number) => Instance, token: string): Promise<unknown[]> {
  const seen: unknown[] = [];
  const headers = { authorization: `Bearer ${token}` };
  const call = async (step: number, options: InjectOptions) => {
    const response = await pick(step).app.inject(options);
    return { status: response.statusCode, body: response.body, raw: response.rawPayload };
  };
  let step = 0;
  const bulk = async (items: unknown[]) => {
    const r = await call(step++, { method: 'POST', url: '/api/bulk', headers, payload: { items } });
    seen.push(r.status, r.body);
  };
  await bulk([
    { id: 'site/a', doc: { type: 'site', name: 'A' } },
    { id: 'ds', doc: { type: 'dataset', site: 'site/a', title: 'run' } },
    {
      id: 'sig',
      doc: {
        type: 'signal',
        datasetId: 'ds',
        name: 'v',
        dtype: 'float32',
        chunkLength: 4,
        codecs: bytesCodec,
        fillValue: 'NaN',
        length: 0,
      },
    },
  ]);
  const chunks = [0, 1, 2].map((c) =>
    Buffer.from(new Float32Array([c, c + 0.5, c + 1, c + 1.5]).buffer),
  );
  for (const chunk of chunks) {
    const r = await call(step++, {
      method: 'PUT',
      url: `/api/chunks/${sha(chunk)}`,
      headers: { ...headers, 'content-type': 'application/octet-stream' },
      payload: chunk,
    });
    seen.push(r.status);
  }
  await bulk([
    {
      id: 'sig/manifest/0',
      doc: {
        type: 'chunk-page',
        signalId: 'sig',
        page: 0,
        entries: chunks.map((c) => ({ sha256: sha(c), count: 4 })),
      },
    },
  ]);
  await bulk([
    {
      id: 'sig',
      doc: {
        type: 'signal',
        datasetId: 'ds',
        name: 'v',
        dtype: 'float32',
        chunkLength: 4,
        codecs: bytesCodec,
        fillValue: 'NaN',
        length: 12,
      },
    },
    { id: 'note', doc: { type: 'annotation', datasetId: 'ds', text: 'first' }, assumedRev: null },
  ]);
  // A conflict: the same conditional write through the other instance.
  await bulk([
    { id: 'note', doc: { type: 'annotation', datasetId: 'ds', text: 'again' }, assumedRev: null },
  ]);
  for (const chunk of chunks) {
    const r = await call(step++, {
      url: `/api/chunks/${sha(chunk)}`,
      headers: { ...headers, range: 'bytes=4-11' },
    });
    seen.push(r.status, r.raw.toString('hex'));
  }
  const slice = await call(step++, { url: '/api/datasets/ds/signals/v.csv?time=none', headers });
  seen.push(slice.status, slice.body);
  const feed = await call(step++, { url: '/api/changes?include_docs=true', headers });
  seen.push(feed.status, feed.body);
  const zarr = await call(step++, { url: '/api/zarr/ds/v/c/2', headers });
  seen.push(zarr.status, zarr.raw.toString('hex'));
  return seen;
}

describe.skipIf(unavailable !== undefined)('scale-out on PostgreSQL + S3', () => {
  let postgres: PostgresCluster;
  let s3: TestS3;
  beforeAll(async () => {
    postgres = await startPostgres();
    s3 = await startS3();
  }, 60_000);
  afterAll(async () => {
    await s3.stop();
    await postgres.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('two instances interleaved answer as one embedded lake does', async () => {
    const databaseUrl = await postgres.createDatabase();
    const first = await instance({ databaseUrl, s3: s3.config });
    const second = await instance({ databaseUrl, s3: s3.config });
    const single = await instance({});
    try {
      // The same admin on both sides: accounts live in the shared database.
      const tokenFor = async (opened: OpenLake) => {
        const { user } = await createUser(opened.lake, { name: 'admin', role: 'admin' });
        return (await createSession(opened.lake, user.id)).secret;
      };
      const sharedToken = await tokenFor(first.opened);
      const singleToken = await tokenFor(single.opened);
      const both = [first, second];
      const pair = await work((step) => both[step % 2] ?? first, sharedToken);
      const alone = await work(() => single, singleToken);
      expect(pair).toEqual(alone);
      // And each instance alone sees the shared state.
      const feed = await second.app.inject({
        url: '/api/changes',
        headers: { authorization: `Bearer ${sharedToken}` },
      });
      expect(feed.json<{ results: unknown[] }>().results).toHaveLength(5);
    } finally {
      for (const lake of [first, second, single]) {
        await lake.app.close();
        await lake.opened.close();
      }
    }
  }, 60_000);
});
