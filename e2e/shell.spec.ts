// The app shell as served by `npm start`: loads, is isolated, obeys its CSP, navigates.
import { expect, test } from './fixtures.ts';

test('loads from the lake server, the service worker takes control, no CSP violation', async ({
  shell,
  page,
}) => {
  await shell.goto('/');
  await expect(page).toHaveTitle('Fieldlake');
  // '/' shows the default screen under its own address.
  await expect(page).toHaveURL(/\/datasets$/);
  await expect(shell.screenTitle).toHaveText('Datasets');
  await expect(shell.connectivity).toHaveText('Online');
  await shell.waitForServiceWorker();
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  expect(await page.evaluate(() => typeof SharedArrayBuffer)).toBe('function');
  await shell.screenshot('datasets-online');
  expect(await shell.cspViolations()).toEqual([]);
  expect(shell.pageErrors).toEqual([]);
});

test('every screen is reachable from the navigation', async ({ shell, page }) => {
  await shell.goto('/');
  for (const [label, path] of [
    ['Dashboards', '/dashboards'],
    ['Field kit', '/kit'],
    ['Sync', '/sync'],
    ['Settings', '/settings'],
    ['Datasets', '/datasets'],
  ] as const) {
    await shell.press(shell.tab(label));
    await expect(page).toHaveURL(new RegExp(`${path}$`));
    await expect(shell.screenTitle).toHaveText(label);
    await expect(shell.tab(label)).toHaveAttribute('aria-current', 'page');
  }
  await shell.screenshot('datasets-after-navigation');
  // Back returns to the previous screen without a page load.
  await page.goBack();
  await expect(shell.screenTitle).toHaveText('Settings');
  expect(await shell.cspViolations()).toEqual([]);
});

test('an unknown address shows a way back, not a blank page', async ({ shell, page }) => {
  await shell.goto('/no/such/screen');
  await expect(shell.screenTitle).toHaveText('Page not found');
  await shell.press(page.getByRole('link', { name: 'Go to Datasets' }));
  await expect(shell.screenTitle).toHaveText('Datasets');
});

test('navigation targets are large enough to tap', async ({ shell }) => {
  await shell.goto('/');
  for (const link of await shell.nav.getByRole('link').all()) {
    const box = await link.boundingBox();
    expect(box?.height ?? 0).toBeGreaterThanOrEqual(44);
    expect(box?.width ?? 0).toBeGreaterThanOrEqual(44);
  }
});

test('the API never answers with the shell', async ({ lake, request }) => {
  // Anonymous: every API path but health asks for credentials, in the JSON envelope.
  const response = await request.get(`${lake.url}/api/nothing-here`, {
    headers: { accept: 'text/html' },
  });
  expect(response.status()).toBe(401);
  expect(response.headers()['content-type']).toMatch(/^application\/json/);
  expect(await response.json()).toMatchObject({ error: { code: 'unauthorized', status: 401 } });
  const health = await request.get(`${lake.url}/api/health`);
  expect(await health.json()).toMatchObject({ status: 'ok', apiVersion: 1 });
});
