// Installability: the manifest, its icons, and Chromium's own verdict.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { chromiumArgs, requireChromium } from '../scripts/chromium.mjs';
import { expect, test } from './fixtures.ts';
import { AppShell } from './pages/app-shell.ts';

function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(1, 4).toString('ascii')).toBe('PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

test('the manifest describes an installable standalone app with its icons', async ({
  lake,
  request,
}) => {
  const response = await request.get(`${lake.url}/manifest.webmanifest`);
  expect(response.status()).toBe(200);
  const manifest = (await response.json()) as {
    name: string;
    short_name: string;
    display: string;
    theme_color: string;
    start_url: string;
    icons: { src: string; sizes: string; purpose?: string }[];
  };
  expect(manifest).toMatchObject({
    name: 'Fieldlake',
    short_name: 'Fieldlake',
    display: 'standalone',
    start_url: '/',
  });
  expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/i);
  for (const [sizes, purpose] of [
    ['192x192', 'any'],
    ['512x512', 'any'],
    ['512x512', 'maskable'],
  ]) {
    const icon = manifest.icons.find((i) => i.sizes === sizes && (i.purpose ?? 'any') === purpose);
    expect(icon, `${sizes} ${purpose}`).toBeDefined();
    const image = await request.get(lake.url + (icon?.src ?? ''));
    expect(image.status()).toBe(200);
    const [width, height] = (sizes ?? '').split('x').map(Number);
    expect(pngSize(await image.body())).toEqual({ width, height });
  }
});

test('Chromium finds no installability error', async ({ lake }, testInfo) => {
  // Installation is not offered in incognito-like contexts (Playwright's default), so this test
  // uses a real profile.
  const profile = await mkdtemp(path.join(tmpdir(), 'fieldlake-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: requireChromium(),
    args: chromiumArgs,
    viewport: testInfo.project.use.viewport ?? null,
  });
  try {
    const page = await context.newPage();
    const shell = new AppShell(page, lake.url, testInfo);
    await shell.goto('/');
    await shell.waitForServiceWorker();
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: { errorId: string }[];
    };
    expect(installabilityErrors.map((e) => e.errorId)).toEqual([]);
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
});
