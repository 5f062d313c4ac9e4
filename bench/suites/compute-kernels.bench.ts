// compute-kernels: the streaming algorithms the `compute` benchmark does not time (robust
// statistics, Welch, resampling, escalated max), each on wasm and on js in a Chromium worker
// beside its numpy/scipy peer, interleaved rounds, medians (./compute/kernel-rows.ts). Its own
// benchmark so that it records apart from `compute`'s 1 GiB and 4 GiB rows.
import { browserVersion, gpuAdapterOf, launchChromium, tempDir } from '../lib/browser.ts';
import type { BenchContext, BenchDefinition, BenchResult } from '../lib/types.ts';
import { kernelRows } from './compute/kernel-rows.ts';

async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const work = await tempDir(ctx, 'compute-kernels');
  const browser = await launchChromium(ctx);
  const page = await browser.newPage();
  ctx.noteBrowser(browserVersion(browser), await gpuAdapterOf(page));
  await page.close();
  return kernelRows(ctx, browser, work);
}

export const computeKernels: BenchDefinition = {
  name: 'compute-kernels',
  description:
    'Streaming kernels on wasm and on js in a Chromium worker, samples made chunk by chunk (2^18), MB/s of float32 input (10^6 B), ' +
    'outputs checked against the peer (1e-5 norm-wise): robust/mean-std/w1000 (10^7 samples, runRobustBlock) vs scipy.ndimage.uniform_filter1d ' +
    'of x and x² in float64 (running sums, not compensated); robust/median-mad/w129 (10^6) vs numpy sliding_window_view median and MAD ' +
    'in blocks of windows; welch/1e8 (Hann 1024/512, createWelchRunner) vs scipy.signal.welch per 2^22-sample block; ' +
    'resample/up2-down3/1e7 (updatePolyphase) vs scipy.signal.resample_poly; escalated-max/4ch/1e8 (the kernel into one reused output ' +
    'array) vs numpy fmax.accumulate on reshape(-1, 4) per block, the last row carried. --quick: 10^6 samples (median 10^5), 2 rounds.',
  run,
};
