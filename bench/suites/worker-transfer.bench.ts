// worker-transfer: a 64 MiB ArrayBuffer to a Web Worker and back with comlink, in Chromium.
// Ours sends it with Comlink.transfer both ways (no copy); the peer is plain comlink, which
// structured-clones it both ways. The page (bench/suites/worker-transfer/) is bundled with vite
// into a temp dir and served cross-origin isolated (COOP/COEP), as the app is.
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import {
  browserVersion,
  openBenchPage,
  bundlePage,
  gpuAdapterOf,
  launchChromium,
  serveStatic,
  tempDir,
} from '../lib/browser.ts';
import { interleave, resultFrom } from '../lib/stats.ts';
import type { BenchContext, BenchDefinition, BenchResult } from '../lib/types.ts';
import { pageApiKey } from './worker-transfer/protocol.ts';
import type { Mode, PageApi } from './worker-transfer/protocol.ts';

const mib = 1024 * 1024;

function roundTrip(page: Page, mode: Mode): Promise<number> {
  return page.evaluate(
    ([key, m]) =>
      (window as unknown as Record<string, PageApi>)[key]?.roundTrip(m) ??
      Promise.reject(new Error('no page API')),
    [pageApiKey, mode] as const,
  );
}

async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const bytes = 64 * mib;
  const rounds = ctx.quick ? 3 : 15;

  const work = await tempDir(ctx, 'worker-transfer');
  const dist = await bundlePage(
    fileURLToPath(new URL('./worker-transfer/', import.meta.url)),
    work,
  );
  const server = await serveStatic(ctx, dist);
  const browser = await launchChromium(ctx);
  const page = await browser.newPage();
  const pageErrors = await openBenchPage(page, server.url, pageApiKey);
  ctx.noteBrowser(browserVersion(browser), await gpuAdapterOf(page));

  await page.evaluate(
    ([key, n]) =>
      (window as unknown as Record<string, PageApi>)[key]?.prepare(n) ??
      Promise.reject(new Error('no page API')),
    [pageApiKey, bytes] as const,
  );
  // Warm-up beyond prepare()'s first round trip of each, not counted.
  for (let i = 0; i < 2; i++) {
    await roundTrip(page, 'transfer');
    await roundTrip(page, 'copy');
  }
  const samples = await interleave(
    rounds,
    () => roundTrip(page, 'transfer'),
    () => roundTrip(page, 'copy'),
  );
  if (pageErrors.length > 0)
    throw new Error(`errors on the benchmark page: ${pageErrors.join('; ')}`);
  const result = resultFrom(
    {
      case: 'roundtrip/64MiB/comlink/transfer',
      metric: 'roundtrip_ms',
      unit: 'ms',
      direction: 'lower',
      backend: 'comlink-transfer',
      anchor:
        'ENVIRONMENT.md: comlink transfer of 64 MiB to a worker and back (transfer / copy) 1.9 ms / 135–225 ms',
    },
    samples.ours,
    { name: 'comlink-structured-clone', samples: samples.peer },
  );
  ctx.log(`transfer ${result.value.toFixed(2)} ms, copy ${(result.peerValue ?? 0).toFixed(1)} ms`);
  return [result];
}

export const workerTransfer: BenchDefinition = {
  name: 'worker-transfer',
  description:
    'Round trip of a 64 MiB ArrayBuffer to a Web Worker and back with comlink in Chromium (page cross-origin isolated): ' +
    'Comlink.transfer both ways (Fieldlake) vs structured-clone copy both ways (plain comlink), interleaved rounds, ' +
    'timed in the page with performance.now. Ratio = copy ms / transfer ms.',
  run,
};
