// sync: the browser's sync engine against a real lake process, in Chromium (persistent profile:
// IndexedDB on disk as in the app), each case beside a hand-written peer in the same run,
// rounds interleaved, medians; the bench page (./sync/) is served by the lake itself (`--app`),
// so the engine talks to it same-origin with the session cookie, as the app does.
// - download-1GiB: 1024 chunks of 1 MiB fetched into the chunk store (verified by hash) with
//   SyncEngine.fetchChunks + LakeChunks; peer: fetch + a raw IndexedDB put of each. Target:
//   0.7 × the peer.
// - upload-1GiB: a 1 GiB float32 signal recorded on the device (`unsynced`, 1 MiB chunks;
//   untimed), then the sync cycle that uploads its chunks and pushes manifest and header, until
//   the lake acknowledged everything; peer: fetch PUT of as many fresh 1 MiB chunks to the same
//   route (distinct bytes every round, each answered 201). Target: 0.7 × the peer. Logged
//   beside it, not a result: the peer's PUTs with Blob bodies.
// - initial-1e5-docs: a first sync of an empty device pulling 10^5 documents; peer: the change
//   feed read page by page into a plain object store. Anchors: RxDB 10 000 docs in 5 s here;
//   PowerSync 2 M docs in over an hour (published).
// - kit-overview-1e8: a 10^8-sample signal uploaded to the lake (its pyramid built there); time
//   until an empty device has synced the documents and filled an overview kit (every pyramid
//   level chunk fetched with fetchChunks, stored and pinned); peer: fetching the same level
//   chunks without storing them.
// Every timed pass logs where its time went (time inside the engine's stores and lake channel,
// see ./sync/main.ts) and the CPU each process used (./sync/cpu.ts). The four lakes start
// together at the beginning (a lake takes ~5 s to start); each case then gets its own lake and
// Chromium profile, removed when the case ends. --quick shrinks each case (32 MiB, 1 000
// documents, 10^6 samples, one round; under a minute). A full run (the sizes) takes
// about 40 minutes on the shared 2-core VM, two thirds of it the upload case.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';
import { chromiumArgs, requireChromium } from '../../scripts/chromium.mjs';
import { startLakeProcess, type LakeProcess } from '../../server/test-support/lake-process.ts';
import { bundlePage, gpuAdapterOf, openBenchPage, tempDir } from '../lib/browser.ts';
import { pageCaller } from '../lib/page-api.ts';
import { interleave, median, resultFrom } from '../lib/stats.ts';
import type { BenchContext, BenchDefinition, BenchResult } from '../lib/types.ts';
import { formatCpu, meterCpu } from './sync/cpu.ts';
import { type PageApi, pageApiKey, type Timed } from './sync/protocol.ts';

const pageDir = fileURLToPath(new URL('./sync/', import.meta.url));
const call = pageCaller<PageApi>(pageApiKey);
const MIB = 1024 * 1024;
const BACKEND = 'fieldlake-sync/indexeddb+lake';
/** The target for the chunk cases: at least this share of the peer's throughput. */
const TARGET_SHARE = 0.7;

interface Sizes {
  mib: number;
  docs: number;
  samples: number;
  rounds: number;
}
const full: Sizes = { mib: 1024, docs: 100_000, samples: 100_000_000, rounds: 3 };
const quick: Sizes = { mib: 32, docs: 1000, samples: 1_000_000, rounds: 1 };

interface StartedLake {
  lake: LakeProcess;
  dir: string;
}

interface Session {
  lakePid: number;
  profile: string;
  page: Page;
  api: (route: string, init?: RequestInit) => Promise<Response>;
  /** Closes Chromium, stops the lake and removes their files (also done at the end). */
  close(): Promise<void>;
}

/** A lake process serving the bench page from `appDir`, on a data directory of its own. */
async function startLake(ctx: BenchContext, appDir: string, name: string): Promise<StartedLake> {
  const dir = await tempDir(ctx, `sync-${name}`);
  const lake = await startLakeProcess(path.join(dir, 'data'), ['--app', appDir]);
  ctx.defer(() => lake.stop());
  return { lake, dir };
}

/** A Chromium page signed in to the lake `starting` gives, on the bench page it serves. */
async function session(
  ctx: BenchContext,
  name: string,
  starting: Promise<StartedLake>,
): Promise<Session> {
  const began = performance.now();
  const { lake, dir } = await starting;
  const lakePid = lake.child.pid;
  if (lakePid === undefined) throw new Error('the lake process has no pid');
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
  if (!created.ok) throw new Error(`creating the bench user: ${String(created.status)}`);
  const { link } = (await created.json()) as { link: string };
  const signIn = new URL(link);
  await page.goto(`${lake.url}${signIn.pathname}${signIn.search}`);
  await openBenchPage(page, `${lake.url}/index.html`, pageApiKey);
  ctx.noteBrowser(
    `Chromium ${context.browser()?.version() ?? 'unknown'}`,
    await gpuAdapterOf(page),
  );
  ctx.log(`sync/${name}: lake and Chromium ready in ${seconds(performance.now() - began)}`);
  return {
    lakePid,
    profile,
    page,
    api,
    async close() {
      await context.close();
      await lake.stop();
      // Its lake's data and Chromium's profile (GiBs in a full run) go now, not at the end.
      await rm(dir, { recursive: true, force: true });
    },
  };
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

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** The calls that took at least 2 % of the pass, longest first: `lake-chunks.download 20.1 s`. */
function formatCalls(t: Timed): string {
  const parts = Object.entries(t.calls)
    .filter(([, ms]) => ms >= 0.02 * t.ms)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([name, ms]) => `${name} ${seconds(ms)}`);
  return parts.length === 0 ? '' : ` | in calls: ${parts.join(' · ')}`;
}

/**
 * Runs one timed pass of the page (`pass`), metering the CPU of the lake and of Chromium
 * meanwhile, and logs the figure with where the time went.
 */
async function metered(
  ctx: BenchContext,
  s: Session,
  label: string,
  pass: () => Promise<Timed>,
  figure: (t: Timed) => string,
): Promise<Timed> {
  const { value, cpu } = await meterCpu(s.lakePid, s.profile, pass);
  ctx.log(`${label}: ${figure(value)}${formatCalls(value)} | ${formatCpu(cpu)}`);
  return value;
}

/** The target of a chunk case: TARGET_SHARE of the peer's median. */
function withShareTarget(result: BenchResult): BenchResult {
  return {
    ...result,
    target: result.peerValue === null ? null : TARGET_SHARE * result.peerValue,
  };
}

async function download(
  ctx: BenchContext,
  sizes: Sizes,
  starting: Promise<StartedLake>,
): Promise<BenchResult> {
  const s = await session(ctx, 'download', starting);
  const seeding = performance.now();
  const hashes: string[] = [];
  for (let i = 0; i < sizes.mib; i++) {
    const bytes = randomBytes(MIB);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const response = await s.api(`/api/chunks/${sha}`, { method: 'PUT', body: bytes });
    if (response.status !== 201) throw new Error(`seeding chunk: ${String(response.status)}`);
    hashes.push(sha);
  }
  ctx.log(
    `sync/download: ${String(sizes.mib)} chunks seeded in ${seconds(performance.now() - seeding)}`,
  );
  const bytes = sizes.mib * MIB;
  const rate = (t: Timed) => {
    if (t.amount !== bytes)
      throw new Error(`moved ${String(t.amount)} bytes, not ${String(bytes)}`);
    return mbPerS(bytes, t.ms);
  };
  const figure = (t: Timed) => `${rate(t).toFixed(1)} MB/s (${seconds(t.ms)})`;
  const ours: Timed[] = [];
  const samples = await interleave(
    sizes.rounds,
    async (round) => {
      const t = await metered(
        ctx,
        s,
        `sync/download r${String(round)} ours`,
        () => call(s.page, 'downloadOurs', hashes, round),
        figure,
      );
      ours.push(t);
      return rate(t);
    },
    async (round) => {
      const t = await metered(
        ctx,
        s,
        `sync/download r${String(round)} peer`,
        () => call(s.page, 'downloadPeer', hashes, round),
        figure,
      );
      return rate(t);
    },
  );
  // fetchChunks verifies every chunk with SHA-256 before storing it (the peer does not).
  const hashMs = await call(s.page, 'hashMsPerMiB');
  ctx.log(
    `sync/download: SHA-256 of 1 MiB in the page ${hashMs.toFixed(2)} ms → ~${seconds(hashMs * sizes.mib)} of ours' ${seconds(median(ours.map((t) => t.ms)))} is verifying`,
  );
  await s.close();
  return withShareTarget(
    resultFrom(
      {
        case: `sync/download-${label(sizes.mib)}`,
        metric: 'throughput',
        unit: 'MB/s',
        direction: 'higher',
        backend: BACKEND,
      },
      samples.ours,
      { name: 'fetch + raw IndexedDB put per chunk', samples: samples.peer },
    ),
  );
}

async function upload(
  ctx: BenchContext,
  sizes: Sizes,
  starting: Promise<StartedLake>,
): Promise<BenchResult> {
  const s = await session(ctx, 'upload', starting);
  await siteAndDataset(s, 'dataset/up');
  const bytes = sizes.mib * MIB;
  const rate = (t: Timed) => mbPerS(bytes, t.ms);
  const figure = (t: Timed) =>
    `${rate(t).toFixed(1)} MB/s (${seconds(t.ms)}; ${(t.amount / 1e6).toFixed(0)} MB sent)`;
  const samples = await interleave(
    sizes.rounds,
    async (round) => {
      const prepMs = await call(s.page, 'uploadOursPrepare', 'dataset/up', sizes.mib, round);
      ctx.log(
        `sync/upload r${String(round)} ours: signal recorded in ${seconds(prepMs)} (untimed)`,
      );
      const t = await metered(
        ctx,
        s,
        `sync/upload r${String(round)} ours`,
        () => call(s.page, 'uploadOursRun'),
        figure,
      );
      return rate(t);
    },
    async (round) => {
      await call(s.page, 'uploadPeerPrepare', sizes.mib, round, 'bytes');
      const t = await metered(
        ctx,
        s,
        `sync/upload r${String(round)} peer`,
        () => call(s.page, 'uploadPeerRun'),
        figure,
      );
      return rate(t);
    },
  );
  // Diagnostic, not a result: the same PUTs with Blob bodies (fresh bytes again).
  await call(s.page, 'uploadPeerPrepare', sizes.mib, sizes.rounds, 'blob');
  await metered(
    ctx,
    s,
    'sync/upload diagnostic: peer with Blob bodies',
    () => call(s.page, 'uploadPeerRun'),
    figure,
  );
  await s.close();
  return withShareTarget(
    resultFrom(
      {
        case: `sync/upload-${label(sizes.mib)}`,
        metric: 'throughput',
        unit: 'MB/s',
        direction: 'higher',
        backend: BACKEND,
      },
      samples.ours,
      { name: 'fetch PUT per chunk', samples: samples.peer },
    ),
  );
}

async function initialDocs(
  ctx: BenchContext,
  sizes: Sizes,
  starting: Promise<StartedLake>,
): Promise<BenchResult> {
  const s = await session(ctx, 'docs', starting);
  const seeding = performance.now();
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
  ctx.log(
    `sync/initial: ${String(sizes.docs)} documents seeded in ${seconds(performance.now() - seeding)}`,
  );
  // The notes and the site document.
  const expected = sizes.docs + 1;
  const rate = (t: Timed) => {
    if (t.amount !== expected)
      throw new Error(`pulled ${String(t.amount)} documents, not ${String(expected)}`);
    return t.amount / (t.ms / 1000);
  };
  const figure = (t: Timed) =>
    `${rate(t).toFixed(0)} docs/s (${String(t.amount)} in ${seconds(t.ms)})`;
  const samples = await interleave(
    sizes.rounds,
    async (round) => {
      const t = await metered(
        ctx,
        s,
        `sync/initial r${String(round)} ours`,
        () => call(s.page, 'initialOurs', round),
        figure,
      );
      return rate(t);
    },
    async (round) => {
      const t = await metered(
        ctx,
        s,
        `sync/initial r${String(round)} peer`,
        () => call(s.page, 'initialPeer', round),
        figure,
      );
      return rate(t);
    },
  );
  await s.close();
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

/** A float32 .npy file of `samples` values (a sine with a sawtooth on it). */
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

async function kitOverview(
  ctx: BenchContext,
  sizes: Sizes,
  starting: Promise<StartedLake>,
): Promise<BenchResult> {
  const s = await session(ctx, 'kit', starting);
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
    `sync/kit-overview: ${String(sizes.samples)} samples uploaded (pyramid built) in ${seconds(performance.now() - started)}`,
  );
  const hashes = await call(s.page, 'overviewHashes', 'dataset/kit');
  const figure = (t: Timed) => `${seconds(t.ms)} (${String(t.amount)} level chunks)`;
  const samples = await interleave(
    sizes.rounds,
    async (round) => {
      const t = await metered(
        ctx,
        s,
        `sync/kit-overview r${String(round)} ours`,
        () => call(s.page, 'kitOverviewOurs', 'dataset/kit', round),
        figure,
      );
      if (t.amount !== hashes.length)
        throw new Error(
          `the kit holds ${String(t.amount)} chunks, the plan names ${String(hashes.length)}`,
        );
      return t.ms / 1000;
    },
    async (round) => {
      const t = await metered(
        ctx,
        s,
        `sync/kit-overview r${String(round)} peer`,
        () => call(s.page, 'kitOverviewPeer', hashes),
        figure,
      );
      return t.ms / 1000;
    },
  );
  await s.close();
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
    'The sync engine in Chromium against a lake process: chunk download and upload (target 0.7 × the peer), initial document sync, kit overview; beside hand-written peers',
  async run(ctx) {
    const sizes = ctx.quick ? quick : full;
    const began = performance.now();
    const work = await tempDir(ctx, 'sync-page');
    const appDir = await bundlePage(pageDir, work);
    ctx.log(`sync: page bundled in ${seconds(performance.now() - began)}`);
    // Every case's lake starts now, together (each takes seconds to start, mostly waiting).
    const [downloadLake, uploadLake, docsLake, kitLake] = (
      ['download', 'upload', 'docs', 'kit'] as const
    ).map((name) => {
      const starting = startLake(ctx, appDir, name);
      // Awaited by its case; a failure before then must not go unhandled.
      starting.catch(() => undefined);
      return starting;
    }) as [Promise<StartedLake>, Promise<StartedLake>, Promise<StartedLake>, Promise<StartedLake>];
    return [
      await download(ctx, sizes, downloadLake),
      await upload(ctx, sizes, uploadLake),
      await initialDocs(ctx, sizes, docsLake),
      await kitOverview(ctx, sizes, kitLake),
    ];
  },
};
