// compute: Fieldlake's kernels in Chromium workers, beside the peers the issue names, rounds
// interleaved in one run, medians.
// - minmax/w1024/…: windowed min+max (window 1024) over 1 GiB of float32 already in a shared
//   WebAssembly memory (the page is cross-origin isolated, as the app is). Peers: a plain C
//   loop compiled here with gcc -O3 -march=native -ffast-math (the machine's ceiling; without
//   -ffast-math gcc does not vectorise the min/max reduction), numpy's fmin/fmax reductions
//   (python3, OpenBLAS variables unset), a plain JS loop, and one worker against two.
// - minmax/stored-4GiB/…: the same statistics over a signal recorded in IndexedDB, run by the
//   app's worker pool, against reading the chunks without computing; peak renderer RSS.
// - fft/…, stft/1e8: see ./compute/fft-rows.ts.
// --quick: 64 MiB (256 MiB stored), two rounds; a minute.
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { chromiumArgs, requireChromium } from '../../scripts/chromium.mjs';
import {
  browserVersion,
  bundlePage,
  gpuAdapterOf,
  launchChromium,
  openBenchPage,
  serveStatic,
  tempDir,
} from '../lib/browser.ts';
import { startLineServer } from '../lib/line-server.ts';
import { pageCaller } from '../lib/page-api.ts';
import { interleave, resultFrom } from '../lib/stats.ts';
import type { BenchContext, BenchDefinition, BenchResult } from '../lib/types.ts';
import { fftRows } from './compute/fft-rows.ts';
import { type MinmaxMode, type PageApi, pageApiKey } from './compute/protocol.ts';
import { rendererPids, sampleRss } from './storage/rss.ts';
import {
  type PageApi as StoredApi,
  pageApiKey as storedApiKey,
} from './compute-stored/protocol.ts';

const here = fileURLToPath(new URL('./compute/', import.meta.url));
const storedHere = fileURLToPath(new URL('./compute-stored/', import.meta.url));
const call = pageCaller<PageApi>(pageApiKey);
const WINDOW = 1024;

function gbPerS(bytes: number, ms: number): number {
  return bytes / 1e9 / (ms / 1000);
}

async function minmaxRows(ctx: BenchContext, page: Page, work: string): Promise<BenchResult[]> {
  const bytes = ctx.quick ? 64 * 2 ** 20 : 2 ** 30;
  const samples = bytes / 4;
  const rounds = ctx.quick ? 2 : 7;
  const native = path.join(work, 'native-minmax');
  execFileSync('gcc', [
    '-O3',
    '-march=native',
    '-ffast-math',
    '-o',
    native,
    path.join(here, 'native-minmax.c'),
    '-lm',
  ]);
  const c = startLineServer(ctx, native, [String(samples)]);
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const numpy = startLineServer(
    ctx,
    'python3',
    [path.join(here, 'numpy_minmax.py'), String(samples)],
    env,
  );
  await Promise.all([c.ask('fill 1'), numpy.ask('fill 1'), call(page, 'prepare', bytes, 2)]);
  ctx.log(`compute/minmax: ${String(bytes / 2 ** 20)} MiB prepared in the page, in C and in numpy`);

  const page1 =
    (mode: MinmaxMode, workers = 1) =>
    () =>
      call(page, 'minmax', mode, WINDOW, workers);
  const ask = (server: typeof c) => async () => Number(await server.ask(`run ${String(WINDOW)} 1`));
  // Warm-up: every path once, not counted.
  for (const mode of ['wasm', 'wasm-copyin', 'js', 'js-loop'] as const) await page1(mode)();
  await page1('wasm', 2)();
  await ask(c)();
  await ask(numpy)();

  const rows: BenchResult[] = [];
  const row = (
    name: string,
    backend: string,
    samplesOf: { ours: number[]; peer: number[] },
    peer: string,
    target: number | null,
  ): void => {
    const result = resultFrom(
      { case: name, metric: 'throughput', unit: 'GB/s', direction: 'higher', backend, target },
      samplesOf.ours.map((ms) => gbPerS(bytes, ms)),
      { name: peer, samples: samplesOf.peer.map((ms) => gbPerS(bytes, ms)) },
    );
    ctx.log(
      `${name}: ${result.value.toFixed(2)} GB/s vs ${peer} ${(result.peerValue ?? 0).toFixed(2)} GB/s (ratio ${(result.ratio ?? 0).toFixed(3)})`,
    );
    rows.push(result);
  };
  const C = 'native-c/gcc-O3-march=native-ffast-math';
  row(
    'minmax/w1024/wasm/1worker',
    'wasm-simd128',
    await interleave(rounds, page1('wasm'), ask(c)),
    C,
    28,
  );
  row(
    'minmax/w1024/wasm/2workers',
    'wasm-simd128',
    await interleave(rounds, page1('wasm', 2), page1('wasm')),
    'wasm-simd128/1worker',
    null,
  );
  row(
    'minmax/w1024/wasm-copyin/1worker',
    'wasm-simd128',
    await interleave(rounds, page1('wasm-copyin'), ask(c)),
    C,
    null,
  );
  row(
    'minmax/w1024/js/1worker',
    'js',
    await interleave(rounds, page1('js'), page1('js-loop')),
    'plain-js-loop',
    null,
  );
  row(
    'minmax/w1024/wasm/1worker-vs-numpy',
    'wasm-simd128',
    await interleave(rounds, page1('wasm'), ask(numpy)),
    `numpy-${execFileSync('python3', ['-c', 'import numpy; print(numpy.__version__)']).toString().trim()}/fmin+fmax.reduce`,
    null,
  );
  // NaN every 997 samples, in the page and in C: the NaN-safe path is the only path (pmin/pmax
  // with the accumulator first skip NaN), so this row shows what NaN-laden data costs.
  await Promise.all([call(page, 'sprinkleNaN', 997), c.ask('nan 997')]);
  row(
    'minmax/w1024/wasm-nan/1worker',
    'wasm-simd128',
    await interleave(rounds, page1('wasm'), ask(c)),
    C,
    null,
  );
  return rows;
}

/**
 * minmax/stored-4GiB: windowed statistics (window 1024) over a 4 GiB float32 signal recorded in
 * IndexedDB, run by the app's worker pool (workers read the chunks themselves), beside reading
 * the same chunks on the page without computing; peak renderer RSS sampled from /proc.
 */
async function storedRows(ctx: BenchContext, work: string): Promise<BenchResult[]> {
  const bytes = ctx.quick ? 256 * 2 ** 20 : 4 * 2 ** 30;
  const rounds = ctx.quick ? 1 : 2;
  const label = ctx.quick ? '256MiB' : '4GiB';
  const dist = await bundlePage(storedHere, path.join(work, 'stored'));
  const server = await serveStatic(ctx, dist);
  const profile = path.join(work, 'profile');
  await mkdir(profile, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: requireChromium(),
    args: chromiumArgs,
    headless: true,
  });
  ctx.defer(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors = await openBenchPage(page, server.url, storedApiKey);
  const stored = pageCaller<StoredApi>(storedApiKey);
  const writeMs = await stored(page, 'write', bytes);
  ctx.log(
    `compute/stored: ${String(bytes / 2 ** 20)} MiB recorded in IndexedDB in ${(writeMs / 1000).toFixed(1)} s`,
  );
  await stored(page, 'compute', 1); // warm-up: the pool measures its backends once (cached)
  const peaks: number[] = [];
  const computeMs = (workers: number) => async () => {
    // Dedicated workers live in the page's renderer process: its RSS holds the whole job.
    const sampler = sampleRss(await rendererPids(profile), 50);
    const run = await stored(page, 'compute', workers);
    peaks.push((await sampler.stop()).peakBytes);
    if (run.windows !== Math.ceil(bytes / 4 / WINDOW))
      throw new Error(`${String(run.windows)} windows`);
    ctx.log(
      `compute/stored: ${String(workers)} worker(s) on ${run.backend}: ${(run.ms / 1000).toFixed(2)} s`,
    );
    return run.ms;
  };
  const readMs = () => stored(page, 'read');
  const one = await interleave(rounds, computeMs(1), readMs);
  const two = await interleave(rounds, computeMs(2), computeMs(1));
  if (pageErrors.length > 0)
    throw new Error(`errors on the benchmark page: ${pageErrors.join('; ')}`);
  const rate = (list: number[]) => list.map((ms) => gbPerS(bytes, ms));
  const rows = [
    resultFrom(
      {
        case: `minmax/stored-${label}/1worker`,
        metric: 'throughput',
        unit: 'GB/s',
        direction: 'higher',
        backend: 'fieldlake-compute-pool',
      },
      rate(one.ours),
      { name: 'SignalStore.iterate on the page, no compute', samples: rate(one.peer) },
    ),
    resultFrom(
      {
        case: `minmax/stored-${label}/2workers`,
        metric: 'throughput',
        unit: 'GB/s',
        direction: 'higher',
        backend: 'fieldlake-compute-pool',
      },
      rate(two.ours),
      { name: 'fieldlake-compute-pool/1worker', samples: rate(two.peer) },
    ),
    resultFrom(
      {
        case: `minmax/stored-${label}/peak-renderer-memory`,
        metric: 'peak_rss_mb',
        unit: 'MB',
        direction: 'lower',
        backend: 'fieldlake-compute-pool',
        speedFigure: false,
      },
      peaks.map((peak) => peak / 1e6),
    ),
  ];
  for (const row of rows)
    ctx.log(`${row.case}: ${row.value.toFixed(2)} ${row.unit} (peer ${String(row.peerValue)})`);
  return rows;
}

async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const work = await tempDir(ctx, 'compute');
  const dist = await bundlePage(here, work);
  const server = await serveStatic(ctx, dist);
  const browser = await launchChromium(ctx);
  const page = await browser.newPage();
  const pageErrors = await openBenchPage(page, server.url, pageApiKey);
  ctx.noteBrowser(browserVersion(browser), await gpuAdapterOf(page));
  const rows = [...(await minmaxRows(ctx, page, work)), ...(await fftRows(ctx, browser, work))];
  if (pageErrors.length > 0)
    throw new Error(`errors on the benchmark page: ${pageErrors.join('; ')}`);
  await page.close();
  rows.push(...(await storedRows(ctx, work)));
  return rows;
}

export const compute: BenchDefinition = {
  name: 'compute',
  description:
    'Fieldlake kernels in Chromium workers (page cross-origin isolated), each beside a peer in the same run, interleaved rounds, medians. ' +
    'minmax/w1024: windowed min+max, window 1024, over 1 GiB float32 already in a shared WebAssembly memory (wasm: SIMD128 pmin/pmax, ' +
    'NaN-safe by operand order; copyin: each 1 MiB copied into wasm memory first; js: the reference kernel, which also computes mean and count), ' +
    'vs a C loop built with gcc -O3 -march=native -ffast-math, numpy fmin/fmax.reduce on reshape(-1, 1024), a plain JS loop, or one worker. ' +
    'GB = 10^9 B of input. minmax/stored: the same statistics over a 4 GiB signal recorded in IndexedDB, run by the app worker pool ' +
    '(1 and 2 workers) vs reading the same chunks without computing, with the peak renderer RSS. fft/{r2c,c2c}/{f32,f64}/N: µs per ' +
    'forward transform of planOn(createFftKernels()) (pffft-wasm SIMD for float32 sizes it takes, own js otherwise; copies in and out ' +
    'included) vs raw pffft-wasm, kissfft-wasm (on buffers already in their memory) and fft.js. stft/1e8: Hann 1024/512 over 10^8 ' +
    'float32 samples in a worker (s) vs scipy.signal.stft in blocks. The other algorithms: `npm run bench -- compute-kernels`.',
  run,
};
