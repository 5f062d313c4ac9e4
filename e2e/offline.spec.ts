// Loaded once, the app opens again with the network off — and with the lake stopped.
import { expect, test } from './fixtures.ts';

test('with the network off, a reload and a deep link still render the shell', async ({
  shell,
  page,
  context,
}) => {
  await shell.goto('/');
  await shell.waitForServiceWorker();

  await context.setOffline(true);
  await expect(shell.connectivity).toHaveText('Offline');
  await page.reload();
  await expect(shell.screenTitle).toHaveText('Datasets');
  await expect(shell.connectivity).toHaveText('Offline');

  await page.goto(`${shell.baseUrl}/sync`);
  await expect(shell.screenTitle).toHaveText('Sync');
  await shell.press(shell.tab('Field kit'));
  await expect(shell.screenTitle).toHaveText('Field kit');
  await shell.screenshot('kit-offline');

  await context.setOffline(false);
  await expect(shell.connectivity).toHaveText('Online');
  expect(await shell.cspViolations()).toEqual([]);
});

test('with the lake stopped, the app still opens and says the lake is unreachable', async ({
  shell,
  page,
  lake,
}) => {
  await shell.goto('/settings');
  await shell.waitForServiceWorker();
  await lake.stop();
  await page.reload();
  await expect(shell.screenTitle).toHaveText('Settings');
  await expect(shell.connectivity).toHaveText('Lake unreachable');
  await page.goto(`${shell.baseUrl}/dashboards`);
  await expect(shell.screenTitle).toHaveText('Dashboards');
});
