// compute's FFT and STFT rows. The page (bench/suites/compute-fft/) runs everything in one
// module worker, timed there with performance.now; every row interleaves ours with one peer.
// - fft/{r2c,c2c}/{f32,f64}/N{1024,65536,1048576}/vs-PEER: µs per forward transform. Ours is
//   planOn(createFftKernels(), …) through plan.forward(input, output) (the copies in and out of
//   pffft's memory included); peers: pffft-wasm's SIMD module and kissfft-wasm's module used
//   directly on buffers already in their memory (float32 only), fft.js on Float64Arrays. Same
//   pseudo-random input for all; each peer's output checked against ours once (norm-wise,
//   1e-4 float32, 1e-10 float64). A timed block repeats one transform for ≥ 25 ms.
// - fft/{r2c,c2c}/f32/N…/in-memory/vs-pffft: the same, ours through the wasm plan's
//   zero-copy `wasmBuffers.run()` on input already in pffft's memory (no copy in or out, as
//   the pffft peer runs), where our plan is wasm; its spectrum must equal forward()'s exactly.
// - stft/1e8: Hann 1024/512, fs 1, one-sided, over 10^8 float32 samples made chunk by chunk
//   (2^18) in the worker, stftInto on our float32 plan, each frame's power summed (seconds);
//   peer: scipy.signal.stft (python3) on the same samples in blocks of 2^22 (+512 overlap).
// --quick: N1024 and N65536 only, 3 rounds of ≥ 5 ms blocks; stft over 10^6 samples (stft/1e6).
import { execFileSync } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { bundlePage, openBenchPage, serveStatic } from '../../lib/browser.ts';
import { startLineServer } from '../../lib/line-server.ts';
import { pageCaller } from '../../lib/page-api.ts';
import { interleave, resultFrom } from '../../lib/stats.ts';
import type { BenchContext, BenchResult } from '../../lib/types.ts';
import {
  pageApiKey,
  type FftCase,
  type FftPeer,
  type PageApi,
  type StftPass,
} from '../compute-fft/protocol.ts';

const pageRoot = fileURLToPath(new URL('../compute-fft/', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const call = pageCaller<PageApi>(pageApiKey);

const STFT_CHUNK = 2 ** 18;
const SCIPY_BLOCK = 2 ** 22;
const STFT_BINS = 513;

interface PeerInfo {
  package: string;
  what: string;
  /** The issue's target as ours/peer speed (µs target = peer µs / ratio), or null. */
  ratio: number | null;
}

const peerInfo: Record<FftPeer, PeerInfo> = {
  pffft: { package: '@echogarden/pffft-wasm', what: 'simd/transform_ordered', ratio: 0.95 },
  fftjs: { package: 'fft.js', what: 'Float64Array', ratio: 10 },
  kissfft: { package: 'kissfft-wasm', what: 'kiss_fft(r)', ratio: null },
};

/** Figures the issue and ENVIRONMENT.md quote for r2c float32 (a quiet machine), in µs. */
const r2cAnchors: Partial<Record<FftPeer, Partial<Record<number, number>>>> = {
  pffft: { 1024: 0.93, 65536: 92.6, 1048576: 2280 },
  kissfft: { 65536: 412 },
  fftjs: { 65536: 1262 },
};

async function versionOf(pkg: string): Promise<string> {
  const json = await readFile(path.join(repoRoot, 'node_modules', pkg, 'package.json'), 'utf8');
  return (JSON.parse(json) as { version: string }).version;
}

function caseName(spec: FftCase): string {
  return `fft/${spec.kind === 'real' ? 'r2c' : 'c2c'}/${spec.dtype === 'float32' ? 'f32' : 'f64'}/N${String(spec.n)}`;
}

function anchorOf(spec: FftCase, peer: FftPeer): string | null {
  if (spec.kind !== 'real' || spec.dtype !== 'float32') return null;
  const figure = r2cAnchors[peer]?.[spec.n];
  if (figure === undefined) return null;
  return `issue 7 / ENVIRONMENT.md: ${peerInfo[peer].package} r2c float32 N=${String(spec.n)} ${String(figure)} µs (measured on a quiet machine)`;
}

async function fftCaseRows(
  ctx: BenchContext,
  page: Page,
  spec: FftCase,
  versions: Record<FftPeer, string>,
): Promise<BenchResult[]> {
  const rounds = ctx.quick ? 3 : 7;
  const peers: FftPeer[] = spec.dtype === 'float32' ? ['pffft', 'fftjs', 'kissfft'] : ['fftjs'];
  const prepared = await call(page, 'prepareCase', spec, peers, ctx.quick ? 5 : 25);
  const name = caseName(spec);
  const backend = prepared.backend === 'wasm' ? 'wasm(pffft)' : prepared.backend;
  for (const [peer, why] of Object.entries(prepared.skipped))
    ctx.log(`${name}: no ${peer} row: ${why}`);
  const rows: BenchResult[] = [];
  const timeRow = async (ours: 'ours' | 'ours-in-memory', peer: FftPeer) => {
    const info = peerInfo[peer];
    const samples = await interleave(
      rounds,
      () => call(page, 'time', ours),
      () => call(page, 'time', peer),
    );
    const row = resultFrom(
      {
        case: `${name}${ours === 'ours' ? '' : '/in-memory'}/vs-${peer}`,
        metric: 'time_per_transform',
        unit: 'µs',
        direction: 'lower',
        backend,
        anchor: anchorOf(spec, peer),
      },
      samples.ours,
      { name: `${info.package}-${versions[peer]}/${info.what}`, samples: samples.peer },
    );
    row.target = info.ratio === null || row.peerValue === null ? null : row.peerValue / info.ratio;
    ctx.log(
      `${row.case}: ${row.value.toPrecision(4)} µs (${backend}, batches of ${String(prepared.reps[ours])}) vs ` +
        `${peer} ${(row.peerValue ?? 0).toPrecision(4)} µs (batches of ${String(prepared.reps[peer])}), ` +
        `ratio ${(row.ratio ?? 0).toFixed(3)}${info.ratio === null ? '' : ` (target ≥ ${String(info.ratio)})`}, ` +
        `output vs ours ${(prepared.errors[peer] ?? 0).toExponential(1)}`,
    );
    rows.push(row);
  };
  for (const peer of prepared.peers) await timeRow('ours', peer);
  if (prepared.inMemory && prepared.peers.includes('pffft'))
    await timeRow('ours-in-memory', 'pffft');
  await call(page, 'releaseCase');
  return rows;
}

function checkStft(ours: StftPass, peer: { checksum: number; frames: number }): void {
  if (ours.frames !== peer.frames)
    throw new Error(`stft: ${String(ours.frames)} frames, scipy ${String(peer.frames)}`);
  const error = Math.abs(ours.checksum - peer.checksum) / peer.checksum;
  if (!(error <= 1e-4))
    throw new Error(
      `stft: power checksum ${String(ours.checksum)}, scipy ${String(peer.checksum)}`,
    );
}

async function stftRow(ctx: BenchContext, page: Page): Promise<BenchResult> {
  const samples = ctx.quick ? 1e6 : 1e8;
  const rounds = ctx.quick ? 2 : 5;
  const scipy = startLineServer(ctx, 'python3', [path.join(pageRoot, 'scipy_stft.py')]);
  await scipy.ask(`fill ${String(samples)}`);
  const scipyPass = async (limit = samples) => {
    const [seconds = '', checksum = '', frames = ''] = (
      await scipy.ask(`run ${String(SCIPY_BLOCK)} ${String(limit)}`)
    ).split(' ');
    return { seconds: Number(seconds), checksum: Number(checksum), frames: Number(frames) };
  };
  // Warm-up on the first 2^22 samples (+ one frame's overlap), not counted.
  await call(page, 'stft', SCIPY_BLOCK + 512, STFT_CHUNK);
  await scipyPass(SCIPY_BLOCK + 512);

  const passes: StftPass[] = [];
  const references: { checksum: number; frames: number }[] = [];
  const timed = await interleave(
    rounds,
    async () => {
      const pass = await call(page, 'stft', samples, STFT_CHUNK);
      passes.push(pass);
      return pass.ms / 1000;
    },
    async () => {
      const pass = await scipyPass();
      references.push(pass);
      return pass.seconds;
    },
  );
  // Every pass of ours against scipy's first: same frames, same total power.
  const [reference] = references;
  if (reference === undefined) throw new Error('stft: no scipy pass');
  for (const pass of passes) checkStft(pass, reference);
  const backend = passes[0]?.backend === 'wasm' ? 'wasm(pffft)' : (passes[0]?.backend ?? 'js');
  const scipyVersion = execFileSync('python3', ['-c', 'import scipy; print(scipy.__version__)'])
    .toString()
    .trim();
  const row = resultFrom(
    {
      case: ctx.quick ? 'stft/1e6' : 'stft/1e8',
      metric: 'seconds',
      unit: 's',
      direction: 'lower',
      backend,
    },
    timed.ours,
    { name: `scipy-${scipyVersion}/signal.stft per 2^22-sample block`, samples: timed.peer },
  );
  const mbPerS = (seconds: number) => (samples * 4) / 1e6 / seconds;
  ctx.log(
    `${row.case}: ${row.value.toFixed(3)} s = ${mbPerS(row.value).toFixed(0)} MB/s of float32 input ` +
      `(${backend}) vs scipy ${(row.peerValue ?? 0).toFixed(3)} s = ${mbPerS(row.peerValue ?? 1).toFixed(0)} MB/s, ` +
      `ratio ${(row.ratio ?? 0).toFixed(3)}; ${String(reference.frames)} frames × ${String(STFT_BINS)} bins, ` +
      `power checksum ${reference.checksum.toPrecision(10)} (scipy) vs ${(passes[0]?.checksum ?? 0).toPrecision(10)}`,
  );
  return row;
}

/** The FFT and STFT rows, on a page of their own opened in `browser`; `work` is a temp dir. */
export async function fftRows(
  ctx: BenchContext,
  browser: Browser,
  work: string,
): Promise<BenchResult[]> {
  const dir = path.join(work, 'compute-fft');
  await mkdir(dir, { recursive: true });
  const server = await serveStatic(ctx, await bundlePage(pageRoot, dir));
  const page = await browser.newPage();
  ctx.defer(() => page.close());
  const pageErrors = await openBenchPage(page, server.url, pageApiKey);
  const failed = await call(page, 'init');
  for (const [peer, why] of Object.entries(failed))
    ctx.log(`compute/fft: ${peer} did not load in the worker: ${why}`);
  const versions: Record<FftPeer, string> = {
    pffft: await versionOf(peerInfo.pffft.package),
    fftjs: await versionOf(peerInfo.fftjs.package),
    kissfft: await versionOf(peerInfo.kissfft.package),
  };

  const rows: BenchResult[] = [];
  const sizes = ctx.quick ? [1024, 65536] : [1024, 65536, 1048576];
  for (const dtype of ['float32', 'float64'] as const) {
    for (const kind of ['real', 'complex'] as const) {
      for (const n of sizes)
        rows.push(...(await fftCaseRows(ctx, page, { kind, dtype, n }, versions)));
    }
  }
  rows.push(await stftRow(ctx, page));
  if (pageErrors.length > 0)
    throw new Error(`errors on the compute-fft page: ${pageErrors.join('; ')}`);
  return rows;
}
