// What is stored survives a reload and a new tab: real IndexedDB, real Chromium.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundlePage, serveStatic } from '../bench/lib/browser.ts';
import { expect, test } from './fixtures.ts';

test('documents, attachments and signals survive a reload and a new tab', async ({
  page,
  context,
}, testInfo) => {
  test.skip(
    testInfo.project.name !== 'desktop',
    'storage behaviour does not depend on the viewport',
  );
  const work = await mkdtemp(path.join(tmpdir(), 'fieldlake-persist-'));
  const cleanups: (() => unknown)[] = [];
  try {
    const dist = await bundlePage(path.join(import.meta.dirname, 'harness', 'persist'), work);
    const server = await serveStatic({ defer: (fn) => cleanups.push(fn) }, dist);
    await page.goto(`${server.url}index.html`);
    await page.waitForFunction(() => typeof window.writeSample === 'function');
    await page.evaluate(() => window.writeSample?.());
    const expected = {
      notes: [
        {
          type: 'annotation',
          text: 'bearing noise',
          severity: 3,
          _rev: expect.stringMatching(/^1-/) as unknown,
        },
      ],
      photo: [1, 2, 3, 4],
      slice: Array.from({ length: 10 }, (_, i) => (1020 + i) / 2),
      unsynced: 3,
    };
    await page.reload();
    await page.waitForFunction(() => typeof window.readSample === 'function');
    expect(await page.evaluate(() => window.readSample?.())).toEqual(expected);
    const other = await context.newPage();
    await other.goto(`${server.url}index.html`);
    await other.waitForFunction(() => typeof window.readSample === 'function');
    expect(await other.evaluate(() => window.readSample?.())).toEqual(expected);
  } finally {
    for (const cleanup of cleanups) await cleanup();
    await rm(work, { recursive: true, force: true });
  }
});
