// storage: Fieldlake's storage layer in Chromium against plain IndexedDB (and Dexie for the
// query): chunk writes and reads through the chunk store, a 10^8-sample signal iterated chunk by
// chunk (speed and peak memory), and a 3-clause query over 10^5 documents. The page
// (bench/suites/storage/) runs the workloads and times them with performance.now; each case
// alternates ours and the peer every round (interleave) on the same data.
//
// Chromium runs with a persistent temp profile: IndexedDB is then on disk as in the app (an
// incognito-like context keeps it in memory), and the page is cross-origin isolated, so
// performance.measureUserAgentSpecificMemory() is available. ForceEagerMeasureMemory makes each
// measurement run at once (~20 ms, with a GC) instead of waiting for the next GC (8-13 s per
// call measured here), so it can be sampled while the signal is iterated. The renderer's RSS
// (from /proc) is logged beside it, and becomes the memory figure when the API is missing.
//
// A full run takes ~85 s on the 2-core VM: chunks ~17 s, the 10^8-sample signal ~7 s to append
// and ~20 s of passes, the 10^5 documents to write through Storage.bulkWrite and ~20 s of
// queries (`viaBulkWrite` can still route part of the setup around bulkWrite, as rows; the
// recorded run writes every document through bulkWrite). Diagnostics (hashing alone, put's transaction without
// hashing, a raw pass with read-ahead, the query's read paths) are logged, not reported.
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { chromiumArgs, requireChromium } from '../../scripts/chromium.mjs';
import { bundlePage, gpuAdapterOf, openBenchPage, serveStatic, tempDir } from '../lib/browser.ts';
import { packageVersion } from '../lib/env.ts';
import { pageCaller } from '../lib/page-api.ts';
import { interleave, median, resultFrom } from '../lib/stats.ts';
import type { BenchContext, BenchDefinition, BenchResult } from '../lib/types.ts';
import { pageApiKey } from './storage/protocol.ts';
import type { PageApi, Side } from './storage/protocol.ts';
import { maxRss, rendererPids, sampleRss } from './storage/rss.ts';

const pageDir = fileURLToPath(new URL('./storage/', import.meta.url));
const mb = 1e6;

const call = pageCaller<PageApi>(pageApiKey);

/** 100000 → `1e5`, other counts as they are. */
function count(n: number): string {
  const exponent = Math.log10(n);
  return Number.isInteger(exponent) && exponent >= 3 ? `1e${exponent}` : String(n);
}

/** Debian's Chromium with a persistent temp profile (IndexedDB on disk); closed through ctx.defer. */
async function launchWithProfile(
  ctx: BenchContext,
  profile: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: requireChromium(),
    args: [...chromiumArgs, '--enable-blink-features=ForceEagerMeasureMemory'],
    headless: true,
  });
  ctx.defer(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

interface Sizes {
  chunks: number;
  batch: number;
  chunkRounds: number;
  /** Reads are cheaper (~0.4 s a side) and noisier: more rounds. */
  readRounds: number;
  samples: number;
  piece: number;
  iterateRounds: number;
  memoryRounds: number;
  docs: number;
  docBatch: number;
  /** Documents of the query setup written through bulkWrite; the rest go in as the same rows. */
  viaBulkWrite: number;
  queryRounds: number;
}

const fullSizes: Sizes = {
  chunks: 128,
  batch: 16,
  chunkRounds: 4,
  readRounds: 8,
  samples: 1e8,
  piece: 2 ** 22,
  iterateRounds: 3,
  memoryRounds: 1,
  docs: 1e5,
  docBatch: 1000,
  viaBulkWrite: 1e5,
  queryRounds: 5,
};

const quickSizes: Sizes = {
  chunks: 32,
  batch: 16,
  chunkRounds: 2,
  readRounds: 2,
  samples: 1e7,
  piece: 2 ** 22,
  iterateRounds: 2,
  memoryRounds: 1,
  docs: 1e4,
  docBatch: 1000,
  viaBulkWrite: 1e4,
  queryRounds: 3,
};

async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const sizes = ctx.quick ? quickSizes : fullSizes;
  const dexieVersion = await packageVersion('dexie');
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;

  const work = await tempDir(ctx, 'storage');
  const profile = await tempDir(ctx, 'storage-profile');
  const dist = await bundlePage(pageDir, work);
  const server = await serveStatic(ctx, dist);
  const { context, page } = await launchWithProfile(ctx, profile);
  const pageErrors = await openBenchPage(page, server.url, pageApiKey);
  const info = await call(page, 'info');
  const version = context.browser()?.version();
  ctx.noteBrowser(`Chromium ${version ?? 'unknown'}`, await gpuAdapterOf(page));
  const renderers = await rendererPids(profile);
  ctx.log(
    `page up at ${elapsed()}: memory API ${info.memoryApi ? 'available' : 'unavailable'}, ` +
      `renderer pids ${renderers.join(', ') || 'not found'}`,
  );

  // 1 + 2. Chunk writes and reads: the same prepared chunks, a fresh database per write round.
  await call(page, 'prepareChunks', sizes.chunks, 7);
  for (const side of ['ours', 'peer'] as const) {
    await call(page, 'chunkWrite', side, 0, sizes.batch); // warm-up, not counted
    await call(page, 'chunkRead', side, sizes.batch);
  }
  const write = await interleave(
    sizes.chunkRounds,
    async (round) => (await call(page, 'chunkWrite', 'ours', round + 1, sizes.batch)).mbPerS,
    async (round) => (await call(page, 'chunkWrite', 'peer', round + 1, sizes.batch)).mbPerS,
  );
  ctx.log(`chunk-write MB/s at ${elapsed()}: ${JSON.stringify(write)}`);
  const read = await interleave(
    sizes.readRounds,
    async () => (await call(page, 'chunkRead', 'ours', sizes.batch)).mbPerS,
    async () => (await call(page, 'chunkRead', 'peer', sizes.batch)).mbPerS,
  );
  ctx.log(`chunk-read MB/s at ${elapsed()}: ${JSON.stringify(read)}`);
  // Diagnostics (not results): what the write case spends on hashing, and on the rest.
  const hashing: number[] = [];
  const noHash: number[] = [];
  for (let i = 0; i < 2; i++) {
    hashing.push((await call(page, 'hashOnly')).mbPerS);
    noHash.push((await call(page, 'chunkWriteNoHash', sizes.batch)).mbPerS);
  }
  ctx.log(
    `diagnostics MB/s: SHA-256 alone (sha256Hex, chunk after chunk) ${JSON.stringify(hashing)}; ` +
      `ChunkStore.put's transaction without hashing ${JSON.stringify(noHash)}`,
  );
  await call(page, 'dropChunks');

  // 3. The signal: one setup (not timed in the results), then memory passes, then timed passes.
  const setup = await call(page, 'setupSignal', sizes.samples, sizes.piece);
  ctx.log(
    `signal of ${setup.samples} samples (${setup.chunks} chunks, ${(setup.bytes / mb).toFixed(0)} MB) ` +
      `appended in ${(setup.ms / 1000).toFixed(1)} s (${(setup.bytes / mb / (setup.ms / 1000)).toFixed(0)} MB/s), at ${elapsed()}`,
  );
  const memory: Record<Side, number[]> = { ours: [], peer: [] };
  if (info.memoryApi) {
    const memorySamples = await interleave(
      sizes.memoryRounds,
      async () => {
        const m = await call(page, 'iterateMemory', 'ours');
        ctx.log(`memory ours: ${JSON.stringify(m)}`);
        return m.peakBytes / mb;
      },
      async () => {
        const m = await call(page, 'iterateMemory', 'peer');
        ctx.log(`memory peer: ${JSON.stringify(m)}`);
        return m.peakBytes / mb;
      },
    );
    memory.ours = memorySamples.ours;
    memory.peer = memorySamples.peer;
  } else {
    // Warm-up passes instead, so the timed passes start in the same state.
    await call(page, 'iterate', 'ours');
    await call(page, 'iterate', 'peer');
  }
  const rss: Record<Side, number[]> = { ours: [], peer: [] };
  const rssBaseline: Record<Side, number[]> = { ours: [], peer: [] };
  const timedPass = async (side: Side): Promise<number> => {
    rssBaseline[side].push((await maxRss(renderers)) / mb);
    const sampler = sampleRss(renderers, 10);
    try {
      return (await call(page, 'iterate', side)).gbPerS;
    } finally {
      rss[side].push((await sampler.stop()).peakBytes / mb);
    }
  };
  const iterate = await interleave(
    sizes.iterateRounds,
    () => timedPass('ours'),
    () => timedPass('peer'),
  );
  ctx.log(
    `iterate GB/s at ${elapsed()}: ${JSON.stringify(iterate)}; renderer RSS MB before/peak ` +
      JSON.stringify({ baseline: rssBaseline, peak: rss }),
  );
  const batched = await call(page, 'iterateRawBatched', 16);
  ctx.log(`diagnostic: raw pass with 16 gets per transaction ${batched.gbPerS.toFixed(3)} GB/s`);
  await call(page, 'dropSignal');

  // 4. The query over 10^5 documents (setup not timed in the results).
  const qs = await call(page, 'setupQuery', sizes.docs, sizes.docBatch, sizes.viaBulkWrite, 11);
  const rate = (docs: number, ms: number) => `${((docs / ms) * 1000).toFixed(0)} docs/s`;
  ctx.log(
    `${qs.docs} documents: ${qs.bulkWriteDocs} through bulkWrite in ${(qs.bulkWriteMs / 1000).toFixed(1)} s ` +
      `(${rate(qs.bulkWriteDocs, qs.bulkWriteMs)}), ${qs.directDocs} as rows with Dexie bulkPut in ` +
      `${(qs.directMs / 1000).toFixed(1)} s (${rate(qs.directDocs, qs.directMs)}); ${qs.expectedHits} match the query; at ${elapsed()}`,
  );
  await call(page, 'query', 'ours'); // warm-up, not counted
  await call(page, 'query', 'peer');
  const query = await interleave(
    sizes.queryRounds,
    async () => (await call(page, 'query', 'ours')).ms,
    async () => (await call(page, 'query', 'peer')).ms,
  );
  ctx.log(`query ms at ${elapsed()}: ${JSON.stringify(query)}`);
  ctx.log(`diagnostic: query pieces (ms) ${JSON.stringify(await call(page, 'queryParts'))}`);
  await call(page, 'dropQuery');
  if (pageErrors.length > 0)
    throw new Error(`errors on the benchmark page: ${pageErrors.join('; ')}`);

  const raw = 'raw-indexeddb';
  const chunkStore = `fieldlake-chunk-store/dexie-${dexieVersion}`;
  const n = count(sizes.samples);
  const signalMB = (setup.bytes / mb).toFixed(0);
  const results = [
    resultFrom(
      {
        case: 'storage/chunk-write',
        metric: 'write_mb_per_s',
        unit: 'MB/s',
        direction: 'higher',
        backend: chunkStore,
        target: 0.9 * median(write.peer),
        anchor:
          'ours includes SHA-256 verification of every chunk, the peer hashes nothing; ENVIRONMENT.md: ' +
          'Dexie bulkPut 1 MiB ArrayBuffer chunks 152 MB/s, raw IndexedDB write 162 MB/s',
      },
      write.ours,
      { name: `${raw}/put-by-hash`, samples: write.peer },
    ),
    resultFrom(
      {
        case: 'storage/chunk-read',
        metric: 'read_mb_per_s',
        unit: 'MB/s',
        direction: 'higher',
        backend: chunkStore,
        target: 0.9 * median(read.peer),
        anchor: 'ENVIRONMENT.md: Dexie read 276 MB/s, raw IndexedDB read 249 MB/s',
      },
      read.ours,
      { name: `${raw}/get-by-hash`, samples: read.peer },
    ),
    resultFrom(
      {
        case: `storage/iterate-${n}`,
        metric: 'iterate_gb_per_s',
        unit: 'GB/s',
        direction: 'higher',
        backend: 'fieldlake-signal-store',
        anchor: 'IndexedDB reads ~0.3 GB/s against ~28 GB/s for a SIMD kernel (ENVIRONMENT.md)',
      },
      iterate.ours,
      { name: `${raw}/get-per-chunk`, samples: iterate.peer },
    ),
  ];
  if (memory.ours.length > 0) {
    results.push(
      resultFrom(
        {
          case: `storage/iterate-${n}`,
          metric: 'peak_memory_mb',
          unit: 'MB',
          direction: 'lower',
          backend: 'fieldlake-signal-store',
          speedFigure: false,
          target: 16,
          anchor: `measureUserAgentSpecificMemory (live memory, after GC), sampled during the pass; the signal is ${signalMB} MB`,
        },
        memory.ours,
        { name: `${raw}/get-per-chunk`, samples: memory.peer },
      ),
    );
  }
  if (memory.ours.length === 0 && renderers.length > 0) {
    results.push(
      resultFrom(
        {
          case: `storage/iterate-${n}`,
          metric: 'peak_rss_mb',
          unit: 'MB',
          direction: 'lower',
          backend: 'fieldlake-signal-store',
          speedFigure: false,
          target: null,
          anchor: `renderer RSS from /proc every 10 ms during the timed passes (garbage included), ${median(rssBaseline.ours).toFixed(0)} MB before; the signal is ${signalMB} MB`,
        },
        rss.ours,
        { name: `${raw}/get-per-chunk`, samples: rss.peer },
      ),
    );
  }
  results.push(
    resultFrom(
      {
        case: `storage/query-${count(sizes.docs)}`,
        metric: 'query_ms',
        unit: 'ms',
        direction: 'lower',
        backend: 'fieldlake-query-storage/indexeddb',
      },
      query.ours,
      { name: `dexie-${dexieVersion}/toArray+filter`, samples: query.peer },
    ),
  );
  return results;
}

export const storage: BenchDefinition = {
  name: 'storage',
  description:
    "Fieldlake's storage layer (src/jio) in Chromium with an on-disk temp profile, against plain IndexedDB, timed in a " +
    'cross-origin-isolated page, ours and the peer alternated every round (medians). chunk-write: 128 random 1 MiB ' +
    'float32 chunks per round through ChunkStore.put in puts of 16 (each put verifies every SHA-256, then writes bytes ' +
    'and accounting in one transaction) into a fresh database, vs raw IndexedDB putting the same ArrayBuffers keyed by ' +
    'hash, 16 per readwrite transaction, default durability for both: **our figure includes SHA-256 hashing, the ' +
    "peer's does not**; target = 0.9 × the peer's median. chunk-read: the same chunks back with ChunkStore.get of 16 " +
    'hashes vs 16 raw gets per readonly transaction, bytes compared with what was written; target as above. ' +
    'iterate-1e8: a signal of 10^8 random float32 samples (382 chunks of 2^18, the last one partial) appended once ' +
    'in pieces of 2^22 (not timed), then SignalStore.iterate chunk by chunk summing every value (the sum checked ' +
    'exactly) vs raw IndexedDB gets of the same chunk bytes in order, one readonly transaction per chunk (no header, ' +
    'manifest or decode); peak_memory_mb: largest measureUserAgentSpecificMemory() of the page (eager mode, so live ' +
    'memory after a GC, ArrayBuffers included) sampled in a loop during one untimed pass each; target 16 MB, a few ' +
    'chunks. query-1e5: 10^5 annotation-like documents (the first 2000 through Storage.bulkWrite in batches of 1000, ' +
    'the rest as the very rows bulkWrite writes, with Dexie bulkPut: bulkWrite alone would take ~130 s here), then ' +
    'allDocs({query: \'type: "annotation" AND datasetId: "d7" AND severity: >= 2\', include_docs: true}) on query ' +
    'over indexeddb vs Dexie opening the same database and filtering documents.toArray() by hand; both must return ' +
    'the generated ids. MB = 10^6 B, GB = 10^9 B. Ratio > 1 = Fieldlake ahead.',
  run,
};
