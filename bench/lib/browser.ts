// Browser benchmarks: bundle a small page with vite, serve it cross-origin isolated (as the app is
// served) from 127.0.0.1, and drive Debian's Chromium through Playwright.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { chromiumArgs, requireChromium } from '../../scripts/chromium.mjs';
import type { BenchContext, GpuAdapterInfo } from './types.ts';

/** A temp directory removed when the suite ends (also on failure). */
export async function tempDir(ctx: BenchContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `fieldlake-bench-${prefix}-`));
  ctx.defer(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Bundles `root/index.html` (and what it imports, workers included) with vite's `build()` into
 * `workDir/dist` and returns that directory. No project config or env file is read, so the
 * bundle holds only the benchmark page.
 */
export async function bundlePage(root: string, workDir: string): Promise<string> {
  const outDir = path.join(workDir, 'dist');
  await build({
    root,
    configFile: false,
    envDir: false,
    publicDir: false,
    logLevel: 'warn',
    base: './',
    cacheDir: path.join(workDir, 'vite-cache'),
    build: {
      outDir,
      emptyOutDir: true,
      target: 'esnext',
      minify: false,
      reportCompressedSize: false,
      modulePreload: false,
    },
    worker: { format: 'es' },
  });
  return outDir;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
};

export interface StaticServer {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `dir` on 127.0.0.1 (ephemeral port) with COOP/COEP, so pages are cross-origin isolated
 * (SharedArrayBuffer, precise timers), as the app is. Closed through `ctx.defer`.
 */
export async function serveStatic(
  ctx: Pick<BenchContext, 'defer'>,
  dir: string,
): Promise<StaticServer> {
  const root = path.resolve(dir);
  const server = createServer((req, res) => {
    void (async () => {
      const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
      let file = path.resolve(root, `.${pathname}`);
      if (file !== root && !file.startsWith(root + path.sep)) {
        res.writeHead(403).end();
        return;
      }
      try {
        if ((await stat(file)).isDirectory()) file = path.join(file, 'index.html');
        const body = await readFile(file);
        res.writeHead(200, {
          'content-type': contentTypes[path.extname(file)] ?? 'application/octet-stream',
          'content-length': body.length,
          'cache-control': 'no-store',
          'cross-origin-opener-policy': 'same-origin',
          'cross-origin-embedder-policy': 'require-corp',
          'cross-origin-resource-policy': 'same-origin',
        });
        res.end(body);
      } catch {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve();
    });
  });
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => {
        resolve();
      });
    });
  ctx.defer(close);
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close };
}

/** Debian's Chromium, launched with the project's flags; closed through `ctx.defer`. */
export async function launchChromium(ctx: BenchContext): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: requireChromium(),
    args: chromiumArgs,
    headless: true,
  });
  ctx.defer(() => browser.close());
  return browser;
}

/** The browser's name and version, e.g. `Chromium 156.0.8078.79`. */
export function browserVersion(browser: Browser): string {
  return `Chromium ${browser.version()}`;
}

/**
 * The WebGPU adapter `page` sees (`navigator.gpu.requestAdapter()` + `adapter.info`), or null
 * without WebGPU or without an adapter. The page must be a secure context (127.0.0.1 is).
 */
export async function gpuAdapterOf(page: Page): Promise<GpuAdapterInfo | null> {
  return page.evaluate(async (): Promise<GpuAdapterInfo | null> => {
    const gpu = (navigator as Partial<Navigator>).gpu;
    if (gpu === undefined) return null;
    const adapter = await gpu.requestAdapter();
    if (adapter === null) return null;
    const info = adapter.info as Partial<GPUAdapterInfo>;
    const legacyFallback = (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter;
    return {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      device: info.device ?? '',
      description: info.description ?? '',
      isFallbackAdapter: info.isFallbackAdapter ?? legacyFallback ?? false,
    };
  });
}

/**
 * Opens a benchmark page and waits until it has installed its API on `window[apiKey]`; fails
 * with the page's own errors when it does not start, and when it is not cross-origin isolated
 * (the app is, so its benchmarks must be too). Returns the list of the page's uncaught errors,
 * which keeps filling while the benchmark runs.
 */
export async function openBenchPage(page: Page, url: string, apiKey: string): Promise<string[]> {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(url);
  try {
    await page.waitForFunction((key) => key in window, apiKey, { timeout: 15_000 });
  } catch (error) {
    throw new Error(
      `the benchmark page did not start${pageErrors.length > 0 ? `: ${pageErrors.join('; ')}` : ''}`,
      { cause: error },
    );
  }
  if (!(await page.evaluate(() => crossOriginIsolated))) {
    throw new Error('the benchmark page is not cross-origin isolated (COOP/COEP headers missing?)');
  }
  return pageErrors;
}
