// compute's rows for the streaming kernels that had none: robust mean/std and median/MAD,
// Welch, resample_poly and the escalated maximum. The page (bench/suites/compute-kernels/)
// runs them in one module worker, timed there with performance.now over the algorithm's calls
// only; samples are made chunk by chunk (2^18) in the worker with compute-fft's stftSample and
// in numpy with the same hash (scipy_kernels.py, one python3 line server), so both sides see
// the same float32 signal. Each row interleaves ours on one backend (wasm, then js) with the
// numpy/scipy peer; MB/s of float32 input (10^6 B), higher is better, ratio = ours / peer.
// Every pass of ours is checked against the peer's first: the same output count, and the
// outputs at every stride-th index (welch: the whole PSD) within 1e-5 norm-wise.
// - robust/mean-std/w1000: 10^7 samples, runRobustBlock (last 999 carried) on the robust
//   registry's kernel; peer scipy.ndimage.uniform_filter1d of x and x² in float64.
// - robust/median-mad/w129: 10^6 samples, the same way; peer numpy sliding_window_view median
//   and MAD in blocks of 2^14 windows (scipy.ndimage.median_filter, median only, logged).
// - welch/1e8: Hann 1024/512, createWelchRunner on ['wasm'] or ['js']; peer scipy.signal.welch
//   per 2^22-sample block (+512), the blocks' segment sums added.
// - resample/up2-down3/1e7: updatePolyphase/finishPolyphase on the polyphase kernel; peer
//   scipy.signal.resample_poly(x, 2, 3) over the whole signal.
// - escalated-max/4ch/1e8: the kernel's run() on 4 interleaved channels into one reused output
//   array (fresh arrays are page-fault bound on this VM); peer numpy
//   fmax.accumulate over reshape(-1, 4) per 2^18-sample block, the last row carried.
// --quick: 10^6 samples (median 10^5), 2 rounds; welch and escalated-max named …/1e6.
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { bundlePage, openBenchPage, serveStatic } from '../../lib/browser.ts';
import { startLineServer, type LineServer } from '../../lib/line-server.ts';
import { pageCaller } from '../../lib/page-api.ts';
import { interleave, median, resultFrom } from '../../lib/stats.ts';
import type { BenchContext, BenchResult } from '../../lib/types.ts';
import { relativeNormError } from '../compute-kernels/probe.ts';
import {
  pageApiKey,
  type KernelBackend,
  type KernelPass,
  type KernelRow,
  type PageApi,
} from '../compute-kernels/protocol.ts';

const pageRoot = fileURLToPath(new URL('../compute-kernels/', import.meta.url));
const call = pageCaller<PageApi>(pageApiKey);

const CHUNK = 2 ** 18;
/** About this many probed outputs per output array: enough to catch a shift or a wrong value. */
const PROBES = 4096;
/** float32 outputs against float32 or float64 peers agree to ~1e-7 here. */
const TOLERANCE = 1e-5;

interface RowSpec {
  row: KernelRow;
  /** The case without its backend: `NAME/wasm`, `NAME/js`. */
  name: (quick: boolean) => string;
  samples: (quick: boolean) => number;
  /** Rounds of a full run (a quick one runs 2). */
  rounds: number;
  peer: (versions: Versions) => string;
  anchor: string | null;
  /** The backend label of the wasm row. */
  wasmLabel: string;
}

interface Versions {
  numpy: string;
  scipy: string;
}

interface PeerPass {
  seconds: number;
  count: number;
  probes: number[][];
}

const specs: RowSpec[] = [
  {
    row: 'mean-std',
    name: () => 'robust/mean-std/w1000',
    samples: (quick) => (quick ? 1e6 : 1e7),
    rounds: 5,
    peer: (v) => `scipy-${v.scipy}/ndimage.uniform_filter1d of x and x² (float64)`,
    anchor:
      'peer: running sums in float64 (uniform_filter1d, O(n)), not compensated; ours keeps ' +
      'double-double sums around a rescanned shift (meanStd.ts), so ours does more per sample',
    wasmLabel: 'wasm',
  },
  {
    row: 'median-mad',
    name: () => 'robust/median-mad/w129',
    samples: (quick) => (quick ? 1e5 : 1e6),
    rounds: 3,
    peer: (v) => `numpy-${v.numpy}/sliding_window_view median+MAD per 2^14 windows`,
    anchor: null,
    wasmLabel: 'wasm',
  },
  {
    row: 'welch',
    name: (quick) => (quick ? 'welch/1e6' : 'welch/1e8'),
    samples: (quick) => (quick ? 1e6 : 1e8),
    rounds: 3,
    peer: (v) => `scipy-${v.scipy}/signal.welch per 2^22-sample block`,
    anchor: null,
    wasmLabel: 'wasm(pffft)',
  },
  {
    row: 'resample',
    name: (quick) => (quick ? 'resample/up2-down3/1e6' : 'resample/up2-down3/1e7'),
    samples: (quick) => (quick ? 1e6 : 1e7),
    rounds: 5,
    peer: (v) => `scipy-${v.scipy}/signal.resample_poly`,
    anchor: null,
    wasmLabel: 'wasm',
  },
  {
    row: 'escalated-max',
    name: (quick) => (quick ? 'escalated-max/4ch/1e6' : 'escalated-max/4ch/1e8'),
    samples: (quick) => (quick ? 1e6 : 1e8),
    rounds: 3,
    peer: (v) => `numpy-${v.numpy}/fmax.accumulate on reshape(-1, 4) per 2^18-sample block`,
    anchor:
      'outputs written into one reused array per pass (a fresh 1 MiB array costs ~1–3 ms of first-touch page faults on this VM, more than the scan; numpy reuses its blocks)',
    wasmLabel: 'wasm',
  },
];

function mbPerS(samples: number, seconds: number): number {
  return (samples * 4) / 1e6 / seconds;
}

async function peerPass(
  server: LineServer,
  row: KernelRow | 'median-filter',
  samples: number,
  stride: number,
): Promise<PeerPass> {
  const answer = await server.ask(`run ${row} ${String(samples)} ${String(stride)}`);
  return JSON.parse(answer) as PeerPass;
}

/** Throws unless `ours` has the peer's output count and probes within TOLERANCE. */
function checkPass(name: string, ours: KernelPass, peer: PeerPass): number {
  if (ours.count !== peer.count)
    throw new Error(`${name}: ${String(ours.count)} outputs, the peer ${String(peer.count)}`);
  if (ours.probes.length !== peer.probes.length)
    throw new Error(`${name}: ${String(ours.probes.length)} output arrays, the peer's differ`);
  let worst = 0;
  ours.probes.forEach((values, i) => {
    const error = relativeNormError(values, peer.probes[i] ?? []);
    if (!(error <= TOLERANCE))
      throw new Error(`${name}: output ${String(i)} differs from the peer's by ${String(error)}`);
    worst = Math.max(worst, error);
  });
  return worst;
}

async function specRows(
  ctx: BenchContext,
  page: Page,
  server: LineServer,
  spec: RowSpec,
  versions: Versions,
): Promise<BenchResult[]> {
  const samples = spec.samples(ctx.quick);
  const rounds = ctx.quick ? 2 : spec.rounds;
  const stride = Math.max(1, Math.floor(samples / PROBES));
  const name = spec.name(ctx.quick);
  // Warm-up on a tenth (at least a chunk), not counted: JIT tiers, wasm compiled, pffft loaded.
  const warm = Math.min(samples, Math.max(CHUNK, Math.ceil(samples / 10 / 4) * 4));
  for (const backend of ['wasm', 'js'] as const)
    await call(page, 'run', spec.row, backend, warm, CHUNK, stride);
  await peerPass(server, spec.row, warm, stride);

  const rows: BenchResult[] = [];
  for (const backend of ['wasm', 'js'] as KernelBackend[]) {
    const ours: KernelPass[] = [];
    const peers: PeerPass[] = [];
    const timed = await interleave(
      rounds,
      async () => {
        const pass = await call(page, 'run', spec.row, backend, samples, CHUNK, stride);
        ours.push(pass);
        return mbPerS(samples, pass.ms / 1000);
      },
      async () => {
        const pass = await peerPass(server, spec.row, samples, stride);
        peers.push(pass);
        return mbPerS(samples, pass.seconds);
      },
    );
    const [reference] = peers;
    if (reference === undefined) throw new Error(`${name}: no peer pass`);
    const case_ = `${name}/${backend}`;
    let worst = 0;
    for (const pass of ours) {
      if (pass.backend !== backend)
        throw new Error(`${case_}: ran on ${pass.backend}, not ${backend}`);
      worst = Math.max(worst, checkPass(case_, pass, reference));
    }
    const row = resultFrom(
      {
        case: case_,
        metric: 'throughput',
        unit: 'MB/s',
        direction: 'higher',
        backend: backend === 'wasm' ? spec.wasmLabel : 'js',
        anchor: spec.anchor,
      },
      timed.ours,
      { name: spec.peer(versions), samples: timed.peer },
    );
    ctx.log(
      `${row.case}: ${row.value.toFixed(1)} MB/s vs the peer ${(row.peerValue ?? 0).toFixed(1)} MB/s, ` +
        `ratio ${(row.ratio ?? 0).toFixed(3)}; ${String(reference.count)} outputs, ` +
        `probes vs the peer's ≤ ${worst.toExponential(1)}`,
    );
    rows.push(row);
    if (spec.row === 'median-mad' && backend === 'js')
      await medianFilterLine(ctx, server, samples, stride, rounds, reference);
  }
  return rows;
}

/** scipy.ndimage.median_filter (median only) on the same samples: a log line, not a row. */
async function medianFilterLine(
  ctx: BenchContext,
  server: LineServer,
  samples: number,
  stride: number,
  rounds: number,
  reference: PeerPass,
): Promise<void> {
  const seconds: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const pass = await peerPass(server, 'median-filter', samples, stride);
    const error = relativeNormError(pass.probes[0] ?? [], reference.probes[0] ?? []);
    if (!(error <= TOLERANCE))
      throw new Error(`median_filter's medians differ by ${String(error)}`);
    seconds.push(pass.seconds);
  }
  ctx.log(
    `robust/median-mad/w129: scipy.ndimage.median_filter (median only, every position) ` +
      `${mbPerS(samples, median(seconds)).toFixed(1)} MB/s (median of ${String(rounds)})`,
  );
}

function versionOf(module: string): string {
  return execFileSync('python3', ['-c', `import ${module}; print(${module}.__version__)`])
    .toString()
    .trim();
}

/** The kernel rows, on a page of their own opened in `browser`; `work` is a temp dir. */
export async function kernelRows(
  ctx: BenchContext,
  browser: Browser,
  work: string,
): Promise<BenchResult[]> {
  const dir = path.join(work, 'compute-kernels');
  await mkdir(dir, { recursive: true });
  const server = await serveStatic(ctx, await bundlePage(pageRoot, dir));
  const page = await browser.newPage();
  ctx.defer(() => page.close());
  const pageErrors = await openBenchPage(page, server.url, pageApiKey);
  // As for numpy_minmax.py: the machine's OpenBLAS settings are not the peer's business.
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const scipy = startLineServer(ctx, 'python3', [path.join(pageRoot, 'scipy_kernels.py')], env);
  const filled = Math.max(...specs.map((spec) => spec.samples(ctx.quick)));
  await scipy.ask(`fill ${String(filled)}`);
  const versions = { numpy: versionOf('numpy'), scipy: versionOf('scipy') };

  const rows: BenchResult[] = [];
  for (const spec of specs) rows.push(...(await specRows(ctx, page, scipy, spec, versions)));
  if (pageErrors.length > 0)
    throw new Error(`errors on the compute-kernels page: ${pageErrors.join('; ')}`);
  return rows;
}
