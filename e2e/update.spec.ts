// The update flow: a new build on the server → "Reload to update" → the new version, on the
// same screen.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from './fixtures.ts';

/**
 * Turns the served copy of the build into a "new build": a changed index.html and, as Workbox
 * would write it, a new revision for it in the service worker's precache manifest (so the
 * service worker's bytes change and the browser installs it as an update).
 */
async function publishNewBuild(appDir: string): Promise<void> {
  const indexFile = path.join(appDir, 'index.html');
  const html = await readFile(indexFile, 'utf8');
  await writeFile(
    indexFile,
    html.replace('<head>', '<head>\n    <meta name="fieldlake-build" content="next" />'),
  );
  const swFile = path.join(appDir, 'sw.js');
  const sw = await readFile(swFile, 'utf8');
  // Workbox writes entries as {"revision":"<md5>","url":"index.html"}.
  const entry = /"revision":"[0-9a-f]+","url":"index\.html"/;
  expect(entry.test(sw), 'sw.js precaches index.html with a revision').toBe(true);
  await writeFile(swFile, sw.replace(entry, '"revision":"next-build","url":"index.html"'));
}

test('a new build shows "Reload to update", and reloading keeps the screen', async ({
  shell,
  page,
  lake,
}) => {
  await shell.goto('/sync');
  await shell.waitForServiceWorker();
  await expect(shell.updateButton).toBeHidden();

  await publishNewBuild(lake.appDir);
  // The app checks for updates on its own every hour and when it comes back online; the test
  // asks the registration directly instead of waiting.
  await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    await registration?.update();
  });
  await expect(shell.updateButton).toBeVisible({ timeout: 20_000 });
  await shell.screenshot('update-prompt');

  await shell.press(shell.updateButton);
  await expect(page.locator('meta[name="fieldlake-build"]')).toHaveAttribute('content', 'next', {
    timeout: 20_000,
  });
  await expect(page).toHaveURL(/\/sync$/);
  await expect(shell.screenTitle).toHaveText('Sync');
  await expect(shell.updateButton).toBeHidden();
  expect(await shell.cspViolations()).toEqual([]);
});
