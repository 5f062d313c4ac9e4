// sync: the browser's sync engine against a real lake process, in Chromium (persistent profile:
// IndexedDB on disk as in the app), each case beside a hand-written peer in the same run,
// rounds interleaved, medians; the bench page (./sync/) is served by the lake itself, so the
// engine talks to it same-origin with the session cookie, as the app does.
// - download-1GiB: 1024 chunks of 1 MiB fetched into the chunk store (verified by hash);
//   peer: fetch + a raw IndexedDB put of each.
// - upload-1GiB: a 1 GiB signal recorded on the device (untimed), then the sync cycle that
//   uploads its chunks and pushes manifest and header; peer: fetch PUT of as many fresh
//   1 MiB chunks to the same route.
// - initial-1e5-docs: a first sync of an empty device pulling 10^5 documents; peer: the change
//   feed read page by page into a plain object store. Anchors: RxDB 10 000 docs in 5 s here;
//   PowerSync 2 M docs in over an hour (published).
// - kit-overview-1e8: a 10^8-sample signal uploaded to the lake (its pyramid built there); time
//   until an empty device has synced the documents and filled an overview kit (every pyramid
//   level stored and pinned); peer: fetching the same level chunks without storing them.
// --quick shrinks each case (32 MiB, 1 000 documents, 10^6 samples, one round). A full run
// takes about 18 minutes on the 2-core VM (the 1 GiB cases are the sizes).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';
import { chromiumArgs, requireChromium } from '../../scripts/chromium.mjs';
import { startLakeProcess, type LakeProcess } from '../../server/test-support/lake-process.ts';
import { bundlePage, gpuAdapterOf, openBenchPage, tempDir } from '../lib/browser.ts';
import { pageCaller } from '../lib/page-api.ts';
import { interleave, resultFrom } from '../lib/stats.ts';
import type { BenchContext, BenchDefinition, BenchResult } from '../lib/types.ts';
import { type PageApi, pageApiKey } from './sync/protocol.ts';

const pageDir = fileURLToPath(new URL('./sync/', import.meta.url));
const call = pageCaller<PageApi>(pageApiKey);
const MIB = 1024 * 1024;
const BACKEND = 'fieldlake-sync/indexeddb+lake';

interface Sizes {
  mib: number;
  docs: number;
  samples: number;
  rounds: number;
}
const full: Sizes = { mib: 1024, docs: 100_000, samples: 100_000_000, rounds: 3 };
const quick: Sizes = { mib: 32, docs: 1000, samples: 1_000_000, rounds: 1 };

interface Session {
  lake: LakeProcess;
  page: Page;
  api: (route: string, init?: RequestInit) => Promise<Response>;
}

/** A lake serving the bench page, and a Chromium page signed in to it. */
async function session(ctx: BenchContext, appDir: string, name: string): Promise<Session> {
  const dir = await tempDir(ctx, `sync-${name}`);
  const lake = await startLakeProcess(path.join(dir, 'data'), ['--app', appDir]);
  ctx.defer(() => lake.stop());
  const profile = path.join(dir, 'profile');
  await mkdir(profile, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: requireChromium(),
    args: chromiumArgs,
    headless: true,
  });
  ctx.defer(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  const api = (route: string, init: RequestInit = {}) =>
    fetch(`${lake.url}${route}`, {
      ...init,
      headers: {
        authorization: `Bearer ${lake.token}`,
        ...(init.headers as Record<string, string> | undefined),
      },
    });
  // The session cookie the page's engine uses, as the app's would: the lake's printed link was
  // spent by startLakeProcess, so a fresh one-time link of a new admin.
  const created = await api('/api/users', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: `bench-${name}`, role: 'admin' }),
  });
  const { link } = (await created.json()) as { link: string };
  await page.goto(`${lake.url}${new URL(link).pathname}${new URL(link).search}`);
  await openBenchPage(page, `${lake.url}/index.html`, pageApiKey);
  ctx.noteBrowser(
    `Chromium ${context.browser()?.version() ?? 'unknown'}`,
    await gpuAdapterOf(page),
  );
  return { lake, page, api };
}

async function putJson(s: Session, route: string, body: unknown, method = 'PUT'): Promise<void> {
  const response = await s.api(route, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok)
    throw new Error(`${method} ${route}: ${String(response.status)} ${await response.text()}`);
}

async function siteAndDataset(s: Session, datasetId: string): Promise<void> {
  await putJson(s, '/api/docs/site%2Fbench', { type: 'site', name: 'Bench' });
  await putJson(s, `/api/docs/${encodeURIComponent(datasetId)}`, {
    type: 'dataset',
    site: 'site/bench',
    name: datasetId,
  });
}

function mbPerS(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

async function download(ctx: BenchContext, appDir: string, sizes: Sizes): Promise<BenchResult> {
  const s = await session(ctx, appDir, 'download');
  const hashes: string[] = [];
  for (let i = 0; i < sizes.mib; i++) {
    const bytes = randomBytes(MIB);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const response = await s.api(`/api/chunks/${sha}`, { method: 'PUT', body: bytes });
    if (!response.ok) throw new Error(`seeding chunk: ${String(response.status)}`);
    hashes.push(sha);
  }
  const bytes = sizes.mib * MIB;
  const samples = await interleave(
    sizes.rounds,
    async (round) => {
      const ms = await call(s.page, 'downloadOurs', hashes, round);
      ctx.log(`sync/download: ours ${mbPerS(bytes, ms).toFixed(1)} MB/s`);
      return mbPerS(bytes, ms);
    },
    async (round) => {
      const ms = await call(s.page, 'downloadPeer', hashes, round);
      ctx.log(`sync/download: peer ${mbPerS(bytes, ms).toFixed(1)} MB/s`);
      return mbPerS(bytes, ms);
    },
  );
  return resultFrom(
    {
      case: `sync/download-${label(sizes.mib)}`,
      metric: 'throughput',
      unit: 'MB/s',
      direction: 'higher',
      backend: BACKEND,
      target: null,
    },
    samples.ours,
    { name: 'fetch + raw IndexedDB put per chunk', samples: samples.peer },
  );
}

async function upload(ctx: BenchContext, appDir: string, sizes: Sizes): Promise<BenchResult> {
  const s = await session(ctx, appDir, 'upload');
  await siteAndDataset(s, 'dataset/up');
  const bytes = sizes.mib * MIB;
  const samples = await interleave(
    sizes.rounds,
    async (round) => {
      const ms = await call(s.page, 'uploadOurs', 'dataset/up', sizes.mib, round);
      ctx.log(`sync/upload: ours ${mbPerS(bytes, ms).toFixed(1)} MB/s`);
      return mbPerS(bytes, ms);
    },
    async (round) => {
      const ms = await call(s.page, 'uploadPeer', sizes.mib, round);
      ctx.log(`sync/upload: peer ${mbPerS(bytes, ms).toFixed(1)} MB/s`);
      return mbPerS(bytes, ms);
    },
  );
  return resultFrom(
    {
      case: `sync/upload-${label(sizes.mib)}`,
      metric: 'throughput',
      unit: 'MB/s',
      direction: 'higher',
      backend: BACKEND,
    },
    samples.ours,
    { name: 'fetch PUT per chunk', samples: samples.peer },
  );
}

async function initialDocs(ctx: BenchContext, appDir: string, sizes: Sizes): Promise<BenchResult> {
  const s = await session(ctx, appDir, 'docs');
  await putJson(s, '/api/docs/site%2Fbench', { type: 'site', name: 'Bench' });
  for (let start = 0; start < sizes.docs; start += 1000) {
    const items = Array.from({ length: Math.min(1000, sizes.docs - start) }, (_, i) => ({
      id: `note/${String(start + i)}`,
      doc: {
        type: 'note',
        site: 'site/bench',
        n: start + i,
        text: `observation ${String(start + i)} at the pump`,
      },
    }));
    await putJson(s, '/api/bulk', { items }, 'POST');
  }
  const samples = await interleave(
    sizes.rounds,
    async (round) => {
      const [ms, docs] = await call(s.page, 'initialOurs', round);
      ctx.log(`sync/initial: ours ${String(docs)} docs in ${(ms / 1000).toFixed(1)} s`);
      return docs / (ms / 1000);
    },
    async (round) => {
      const [ms, docs] = await call(s.page, 'initialPeer', round);
      ctx.log(`sync/initial: peer ${String(docs)} docs in ${(ms / 1000).toFixed(1)} s`);
      return docs / (ms / 1000);
    },
  );
  return resultFrom(
    {
      case: `sync/initial-${exp(sizes.docs)}-docs`,
      metric: 'documents_per_s',
      unit: 'docs/s',
      direction: 'higher',
      backend: BACKEND,
      anchor:
        'RxDB: 10 000 docs in 5 s measured here; PowerSync: 2 M docs in over an hour (published)',
    },
    samples.ours,
    { name: 'change feed pages into a plain object store', samples: samples.peer },
  );
}

function npy(samples: number): Buffer {
  const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${String(samples)},), }`;
  const padded = header.padEnd(Math.ceil((header.length + 11) / 64) * 64 - 11, ' ') + '\n';
  const head = Buffer.alloc(10 + padded.length);
  head.write('\x93NUMPY', 0, 'latin1');
  head.writeUInt8(1, 6);
  head.writeUInt8(0, 7);
  head.writeUInt16LE(padded.length, 8);
  head.write(padded, 10, 'latin1');
  const values = new Float32Array(samples);
  for (let i = 0; i < samples; i++) values[i] = Math.sin(i / 1000) + (i % 97) / 97;
  return Buffer.concat([head, Buffer.from(values.buffer)]);
}

async function kitOverview(ctx: BenchContext, appDir: string, sizes: Sizes): Promise<BenchResult> {
  const s = await session(ctx, appDir, 'kit');
  await siteAndDataset(s, 'dataset/kit');
  const started = performance.now();
  const response = await s.api(
    '/api/uploads?dataset=dataset%2Fkit&format=npy&t0=2026-01-01T00:00:00Z&sampleRate=1000',
    {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array(npy(sizes.samples)),
    },
  );
  if (response.status !== 201)
    throw new Error(`upload: ${String(response.status)} ${await response.text()}`);
  ctx.log(
    `sync/kit-overview: ${String(sizes.samples)} samples uploaded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const hashes = await call(s.page, 'overviewHashes', 'dataset/kit');
  const samples = await interleave(
    sizes.rounds,
    async (round) => {
      const [ms, chunks] = await call(s.page, 'kitOverviewOurs', 'dataset/kit', round);
      ctx.log(
        `sync/kit-overview: ours ${String(chunks)} level chunks in ${(ms / 1000).toFixed(2)} s`,
      );
      return ms / 1000;
    },
    async () => {
      const [ms] = await call(s.page, 'kitOverviewPeer', hashes);
      return ms / 1000;
    },
  );
  return resultFrom(
    {
      case: `sync/kit-overview-${exp(sizes.samples)}`,
      metric: 'time_to_offline_overview',
      unit: 's',
      direction: 'lower',
      backend: BACKEND,
    },
    samples.ours,
    { name: 'fetch of the same level chunks, not stored', samples: samples.peer },
  );
}

function label(mib: number): string {
  return mib >= 1024 ? `${String(mib / 1024)}GiB` : `${String(mib)}MiB`;
}

function exp(n: number): string {
  const e = Math.log10(n);
  return Number.isInteger(e) ? `1e${String(e)}` : String(n);
}

export const sync: BenchDefinition = {
  name: 'sync',
  description:
    'The sync engine in Chromium against a lake process: chunk download and upload, initial document sync, kit overview; beside hand-written peers',
  async run(ctx) {
    const sizes = ctx.quick ? quick : full;
    const work = await tempDir(ctx, 'sync-page');
    const appDir = await bundlePage(pageDir, work);
    const results = [
      await download(ctx, appDir, sizes),
      await upload(ctx, appDir, sizes),
      await initialDocs(ctx, appDir, sizes),
      await kitOverview(ctx, appDir, sizes),
    ];
    return results;
  },
};
