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
import { createSession, createToken, createUser } from './auth/accounts.ts';
import { type OpenLake, openLake, type OpenLakeOptions } from './lake-context.ts';
import {
  type PostgresCluster,
  postgresUnavailable,
  startPostgres,
} from './test-support/postgres.ts';
import { startS3, type TestS3 } from './test-support/s3.ts';
import { TRANSFORMER_LEASE } from './ingest/transformer.ts';

const unavailable = postgresUnavailable();
const dirs: string[] = [];

interface Instance {
  app: FastifyInstance;
  opened: OpenLake;
}

async function instance(
  options: Pick<OpenLakeOptions, 'databaseUrl' | 's3' | 'transformer'>,
): Promise<Instance> {
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

  it('any instance ingests: one transforms at a time (a lease), the other takes over', async () => {
    const databaseUrl = await postgres.createDatabase();
    const shared = {
      databaseUrl,
      s3: { ...s3.config, prefix: 'ingest-lease' },
      transformer: { pollMs: 50, leaseTtlMs: 2000 },
    };
    const a = await instance(shared);
    const b = await instance(shared);
    const open = [a, b];
    try {
      const { user } = await createUser(a.opened.lake, { name: 'admin', role: 'admin' });
      const admin = {
        authorization: `Bearer ${(await createSession(a.opened.lake, user.id)).secret}`,
      };
      const T0 = Date.UTC(2026, 0, 1);
      const setup = await b.app.inject({
        method: 'POST',
        url: '/api/bulk',
        headers: admin,
        payload: {
          items: [
            { id: 'site/p', doc: { type: 'site', name: 'P' } },
            { id: 'ds/p', doc: { type: 'dataset', site: 'site/p', title: 'plant' } },
            {
              id: 'policy/p',
              doc: {
                type: 'ingestion-policy',
                site: 'site/p',
                datasetId: 'ds/p',
                signals: [{ field: 'v', name: 'v', sampleRate: 1, t0: new Date(T0).toISOString() }],
              },
            },
          ],
        },
      });
      expect(setup.statusCode).toBe(200);
      const { secret } = await createToken(a.opened.lake, {
        kind: 'collector',
        label: 'plant',
        policy: 'policy/p',
      });
      const post = (to: Instance, seconds: number[]) =>
        to.app.inject({
          method: 'POST',
          url: '/api/ingest/policy%2Fp?format=fluent-bit-json',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          payload: JSON.stringify(seconds.map((s) => ({ date: T0 / 1000 + s, v: s }))),
        });
      const placed = async (to: Instance, count: number) => {
        for (let i = 0; i < 400; i++) {
          const counts = await to.opened.lake.meta.ingestCounts('policy/p');
          if (counts.pending === 0 && counts.done === count) return counts;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        throw new Error(`not placed: ${JSON.stringify(await to.opened.lake.meta.ingestCounts())}`);
      };
      const values = async (to: Instance) => {
        const r = await to.app.inject({
          url: '/api/datasets/ds%2Fp/signals/v.csv?time=none',
          headers: admin,
        });
        return r.body
          .trim()
          .split('\n')
          .slice(1)
          .map((line) => Number(line.split(',')[1]));
      };
      // Each batch through one instance, its retry through the other: logged once in all.
      for (let batch = 0; batch < 6; batch++) {
        const seconds = [3 * batch, 3 * batch + 1, 3 * batch + 2];
        const first = await post(open[batch % 2] ?? a, seconds);
        expect(first.statusCode, first.body).toBe(202);
        expect((await post(open[(batch + 1) % 2] ?? a, seconds)).statusCode).toBe(200);
      }
      await placed(b, 6);
      expect(await values(a)).toEqual(Array.from({ length: 18 }, (_, s) => s));
      // An instance that died holding the lease: nothing is placed until it expires, then
      // another instance takes over.
      // (The lease of whoever transformed so far expires first: nothing renews it while idle.)
      await new Promise((resolve) => setTimeout(resolve, shared.transformer.leaseTtlMs + 200));
      expect(await a.opened.lake.meta.acquireLease(TRANSFORMER_LEASE, 'died', 1500)).toBe(true);
      expect((await post(b, [18, 19])).statusCode).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await b.opened.lake.meta.ingestCounts('policy/p')).toMatchObject({ pending: 1 });
      await placed(b, 7);
      // An instance that shuts down hands the lease over at once.
      await a.app.close();
      await a.opened.close();
      open.splice(0, 1);
      expect((await post(b, [20])).statusCode).toBe(202);
      await placed(b, 8);
      expect(await values(b)).toEqual(Array.from({ length: 21 }, (_, s) => s));
    } finally {
      for (const lake of open) {
        await lake.app.close();
        await lake.opened.close();
      }
    }
  }, 60_000);
});
