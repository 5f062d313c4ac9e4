// Installability: the manifest, its icons, and Chromium's own verdict.
import { expect, test } from './fixtures.ts';

function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(1, 4).toString('ascii')).toBe('PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

test('the manifest describes an installable standalone app with its icons', async ({ lake, request }) => {
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
  expect(manifest).toMatchObject({ name: 'Fieldlake', short_name: 'Fieldlake', display: 'standalone', start_url: '/' });
  expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/i);
  for (const [sizes, purpose] of [['192x192', 'any'], ['512x512', 'any'], ['512x512', 'maskable']]) {
    const icon = manifest.icons.find((i) => i.sizes === sizes && (i.purpose ?? 'any') === purpose);
    expect(icon, `${sizes} ${purpose}`).toBeDefined();
    const image = await request.get(lake.url + (icon?.src ?? ''));
    expect(image.status()).toBe(200);
    const [width, height] = (sizes ?? '').split('x').map(Number);
    expect(pngSize(await image.body())).toEqual({ width, height });
  }
});

test('Chromium finds no installability error', async ({ shell, page }) => {
  await shell.goto('/');
  await shell.waitForServiceWorker();
  const cdp = await page.context().newCDPSession(page);
  const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
    installabilityErrors: { errorId: string }[];
  };
  expect(installabilityErrors.map((e) => e.errorId)).toEqual([]);
});
