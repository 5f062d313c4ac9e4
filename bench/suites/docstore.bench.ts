// docstore: the local document store, measured for decision 0007. Ours is Dexie 4 with our own
// engine on RxDB's replication protocol (seq-stamped writes, a seq-indexed change feed, conditional
// bulk writes in one rw transaction); the peer is RxDB 17 (open-source core) on its Dexie storage.
// The page (bench/suites/docstore/) holds the workloads and times them with performance.now; the
// same seeded random documents go to both engines, and every sample alternates the engines
// (interleave). Bundle sizes come from minified vite builds of one entry per option (size/).
// A full run takes about 2 minutes on the 2-core VM: the two 10^5-document databases per engine
// alone take ~90 s to fill (RxDB ~25-35 s each), so they are built twice, not three times, and the
// cheaper workloads take their extra samples on them.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import {
  browserVersion,
  openBenchPage,
  bundlePage,
  gpuAdapterOf,
  launchChromium,
  serveStatic,
  tempDir,
} from '../lib/browser.ts';
import { packageVersion } from '../lib/env.ts';
import { pageCaller } from '../lib/page-api.ts';
import { interleave, resultFrom } from '../lib/stats.ts';
import type { BenchContext, BenchDefinition, BenchResult } from '../lib/types.ts';
import { pageApiKey } from './docstore/protocol.ts';
import { Random, chunkPage } from './docstore/data.ts';
import type { Engine, OpsMetrics, PageApi, PopulateMetrics, Sizes } from './docstore/protocol.ts';

const pageDir = fileURLToPath(new URL('./docstore/', import.meta.url));

const call = pageCaller<PageApi>(pageApiKey);

/** Minified vite build of one entry; bytes of all its JS, raw and gzip -9. */
async function bundleBytes(
  entry: string,
  workDir: string,
): Promise<{ raw: number; gzip: number; files: number }> {
  const outDir = path.join(workDir, `size-${path.basename(entry, '.ts')}`);
  await build({
    root: path.dirname(entry),
    configFile: false,
    envDir: false,
    publicDir: false,
    logLevel: 'warn',
    cacheDir: path.join(workDir, 'vite-cache-size'),
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      minify: true,
      reportCompressedSize: false,
      modulePreload: false,
      rolldownOptions: { input: entry },
    },
  });
  let raw = 0;
  let gzip = 0;
  let files = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const name of await readdir(dir)) {
      const file = path.join(dir, name);
      if ((await stat(file)).isDirectory()) await walk(file);
      else if (name.endsWith('.js')) {
        const body = await readFile(file);
        raw += body.length;
        gzip += gzipSync(body, { level: 9 }).length;
        files++;
      }
    }
  };
  await walk(outDir);
  return { raw, gzip, files };
}

/** 100000 → `1e5`, 10000 → `1e4`, other counts as they are. */
function count(n: number): string {
  const exponent = Math.log10(n);
  return Number.isInteger(exponent) && exponent >= 3 ? `1e${exponent}` : String(n);
}

async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const sizes: Sizes = ctx.quick
    ? { docs: 10_000, batch: 1000, updates: 1000, staleFraction: 0.1, appends: 50, queries: 5 }
    : { docs: 100_000, batch: 1000, updates: 1000, staleFraction: 0.1, appends: 200, queries: 9 };
  // Inserting 10^5 documents takes ~30 s per engine pair on the 2-core VM, so the 10^5 databases
  // are built twice (two interleaved rounds, each engine first once) and the cheaper workloads
  // then run more interleaved samples on them (alternating between the two databases).
  const rounds = 2;
  const opsRounds = ctx.quick ? 2 : 6;
  const appendRounds = 2;
  const openRounds = ctx.quick ? 2 : 5;
  const [rxdbVersion, dexieVersion] = await Promise.all([
    packageVersion('rxdb'),
    packageVersion('dexie'),
  ]);
  const ours = `dexie-${dexieVersion}+seq-engine`;
  const peer = `rxdb-${rxdbVersion}/storage-dexie`;
  const pageKB = Math.round(JSON.stringify(chunkPage(new Random(1), 'sig-x', 0)).length / 1000);

  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  const work = await tempDir(ctx, 'docstore');
  const bundles = {
    ours: await bundleBytes(path.join(pageDir, 'size', 'dexie.ts'), work),
    peer: await bundleBytes(path.join(pageDir, 'size', 'rxdb.ts'), work),
  };
  ctx.log(
    `bundle (minified, gzip -9): dexie option ${bundles.ours.gzip} B (${bundles.ours.raw} B raw), ` +
      `rxdb option ${bundles.peer.gzip} B (${bundles.peer.raw} B raw, ${bundles.peer.files} files)`,
  );

  const dist = await bundlePage(pageDir, work);
  const server = await serveStatic(ctx, dist);
  const browser = await launchChromium(ctx);
  const page = await browser.newPage();
  let freeStorageWarning = false;
  page.on('console', (message) => {
    if (message.text().includes('RxDB Open Core RxStorage')) freeStorageWarning = true;
  });
  const pageErrors = await openBenchPage(page, server.url, pageApiKey);
  ctx.noteBrowser(browserVersion(browser), await gpuAdapterOf(page));

  // Warm-up (not counted): every code path of both engines once, on small databases.
  const warm: Sizes = { ...sizes, docs: 2000, appends: 10, queries: 2 };
  for (const engine of ['dexie', 'rxdb'] as const) {
    await call(page, 'populate', engine, 99, 7, warm);
    await call(page, 'ops', engine, 99, 0);
    await call(page, 'appends', engine, 99, 0);
  }
  await call(page, 'dropAll');

  const probe = await call(page, 'probeCollectionLimit');
  for (const attempt of probe.attempts) {
    ctx.log(
      `rxdb ${attempt.collections} collections: ${attempt.ok ? 'opened' : `failed (${attempt.error ?? ''})`} in ${attempt.ms.toFixed(0)} ms`,
    );
  }
  ctx.log(`page, warm-up and probe done at ${elapsed()}`);

  // Workloads 1 and 2: one fresh database per engine and round, same seed for both.
  const populated: Record<Engine, PopulateMetrics[]> = { dexie: [], rxdb: [] };
  const populate = async (engine: Engine, round: number) => {
    const m = await call(page, 'populate', engine, round, 1000 + round, sizes);
    populated[engine].push(m);
    ctx.log(`populate ${round} ${engine}: ${JSON.stringify(m)} (at ${elapsed()})`);
    return m.insertDocsPerS;
  };
  await interleave(
    rounds,
    (round) => populate('dexie', round),
    (round) => populate('rxdb', round),
  );

  // Workloads 3, 5, 6 and then 4 on those databases, alternating between them.
  const opsSamples: Record<Engine, OpsMetrics[]> = { dexie: [], rxdb: [] };
  const ops = async (engine: Engine, i: number) => {
    const m = await call(page, 'ops', engine, i % rounds, i);
    opsSamples[engine].push(m);
    return m.conditionalBatchMs;
  };
  await interleave(
    opsRounds,
    (i) => ops('dexie', i),
    (i) => ops('rxdb', i),
  );
  ctx.log(`ops done at ${elapsed()}: ${JSON.stringify(opsSamples)}`);
  const appendMs = await interleave(
    appendRounds,
    (i) => call(page, 'appends', 'dexie', i % rounds, i),
    (i) => call(page, 'appends', 'rxdb', i % rounds, i),
  );
  ctx.log(`appends done at ${elapsed()}: ${JSON.stringify(appendMs)}`);
  await call(page, 'dropAll');

  const open13 = await interleave(
    openRounds,
    () => call(page, 'openEmpty', 'dexie', 13),
    () => call(page, 'openEmpty', 'rxdb', 13),
  );
  if (pageErrors.length > 0)
    throw new Error(`errors on the benchmark page: ${pageErrors.join('; ')}`);
  ctx.log(
    `rxdb "free Dexie storage" console warning seen: ${freeStorageWarning}; done at ${elapsed()}`,
  );

  const n = count(sizes.docs);
  const fromPopulate = (pick: (m: PopulateMetrics) => number) =>
    [populated.dexie.map(pick), { name: peer, samples: populated.rxdb.map(pick) }] as const;
  const fromOps = (pick: (m: OpsMetrics) => number) =>
    [opsSamples.dexie.map(pick), { name: peer, samples: opsSamples.rxdb.map(pick) }] as const;
  const limitNote = probe.attempts
    .map((a) => `${a.collections}: ${a.ok ? 'ok' : (a.error?.split(':')[0] ?? 'error')}`)
    .join(', ');
  return [
    resultFrom(
      {
        case: `insert/${n}-small-docs/batch${sizes.batch}`,
        metric: 'insert_docs_per_s',
        unit: 'docs/s',
        direction: 'higher',
        backend: ours,
        anchor: 'ENVIRONMENT.md: RxDB (Dexie storage) 10k docs bulkInsert 1.4 s',
      },
      ...fromPopulate((m) => m.insertDocsPerS),
    ),
    resultFrom(
      {
        case: `change-feed/${n}-docs/page${sizes.batch}`,
        metric: 'feed_docs_per_s',
        unit: 'docs/s',
        direction: 'higher',
        backend: ours,
      },
      ...fromPopulate((m) => m.feedDocsPerS),
    ),
    resultFrom(
      {
        case: `conditional-write/${sizes.updates}-updates/${Math.round(sizes.staleFraction * 100)}pct-stale`,
        metric: 'batch_ms',
        unit: 'ms',
        direction: 'lower',
        backend: ours,
      },
      ...fromOps((m) => m.conditionalBatchMs),
    ),
    resultFrom(
      {
        case: `manifest-append/${pageKB}KB-page+header/x${sizes.appends}`,
        metric: 'append_ms',
        unit: 'ms',
        direction: 'lower',
        backend: ours,
      },
      appendMs.ours,
      { name: peer, samples: appendMs.peer },
    ),
    resultFrom(
      {
        case: `query/${n}-docs/type+datasetId+severity`,
        metric: 'query_ms',
        unit: 'ms',
        direction: 'lower',
        backend: ours,
      },
      ...fromOps((m) => m.queryMs),
    ),
    resultFrom(
      {
        case: `open/5-stores/${n}-docs`,
        metric: 'open_ms',
        unit: 'ms',
        direction: 'lower',
        backend: ours,
      },
      ...fromOps((m) => m.openMs),
    ),
    resultFrom(
      {
        case: 'open/13-stores/empty',
        metric: 'open_ms',
        unit: 'ms',
        direction: 'lower',
        backend: ours,
        anchor: `RxDB open-source limit probed: ${limitNote} collections`,
      },
      open13.ours,
      { name: peer, samples: open13.peer },
    ),
    resultFrom(
      {
        case: 'bundle/store-option/minified',
        metric: 'js_gzip_bytes',
        unit: 'B',
        direction: 'lower',
        backend: ours,
        speedFigure: false,
      },
      [bundles.ours.gzip],
      { name: `${peer}+replication+leader-election`, samples: [bundles.peer.gzip] },
    ),
  ];
}

export const docstore: BenchDefinition = {
  name: 'docstore',
  description:
    'Local document store in Chromium (decision 0007): Dexie + our engine (seq-stamped writes, seq-indexed change feed, ' +
    'conditional bulk writes in one rw transaction) vs RxDB (open-source core, Dexie storage, no dev-mode), same seeded ' +
    'random Fieldlake-like documents, timed in the page, engines alternated every round. Two interleaved rounds each ' +
    'build a database of 10^5 ~330-byte documents per engine (insert in batches of 1000 = pull pages, then the whole ' +
    'change feed in pages of 1000); on those databases, 6 interleaved samples of: one batch of 1000 conditional updates ' +
    '(10 % stale, to be reported per item), 9 queries type = annotation AND datasetId = X (indexed) AND severity >= 2 ' +
    '(median), reopen of the 5-store layout up to a first read; 2 samples of 200 appends rewriting a ~157 KB chunk-page ' +
    'document + signal header; 5 reopens of 13 empty stores; gzip bytes of a minified build of each option. ' +
    'Ratio > 1 = Dexie-based ahead.',
  run,
};
