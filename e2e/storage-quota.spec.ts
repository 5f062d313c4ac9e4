// Quota exhaustion in real Chromium: every write that does not fit answers 507 and leaves
// nothing half-written; what was stored before is intact and the storage keeps working.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundlePage, serveStatic } from '../bench/lib/browser.ts';
import { expect, test } from './fixtures.ts';

test('a full disk: 507, nothing half-written, the rest intact', async ({ page }, testInfo) => {
  test.skip(
    testInfo.project.name !== 'desktop',
    'storage behaviour does not depend on the viewport',
  );
  const work = await mkdtemp(path.join(tmpdir(), 'fieldlake-quota-'));
  const cleanups: (() => unknown)[] = [];
  try {
    const dist = await bundlePage(path.join(import.meta.dirname, 'harness', 'quota'), work);
    // A new server is a new origin, whose quota Chromium has not yet looked at.
    const server = await serveStatic({ defer: (fn) => cleanups.push(fn) }, dist);
    await page.goto(`${server.url}index.html`);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Storage.overrideQuotaForOrigin', {
      origin: new URL(server.url).origin,
      quotaSize: 6 * 1024 * 1024,
    });
    await page.waitForFunction(() => typeof window.runQuotaScenario === 'function');
    const result = await page.evaluate(() => window.runQuotaScenario?.());
    const full = {
      name: 'JioError',
      code: 'insufficient_storage',
      status: 507,
      reason: 'quota_exceeded',
    };
    expect(result?.bigAttachment).toEqual(full);
    expect(result?.bulk).toEqual(full);
    expect(result?.chunkPut).toEqual(full);
    expect(result?.chunksStored).toBe(0);
    expect(result?.chunkCount).toBe(0);
    expect(result?.after).toEqual({
      attachments: ['small'],
      ids: ['doc'],
      doc: { v: 1, _rev: expect.stringMatching(/^1-/) as unknown },
    });
    expect([JSON.stringify('ok'), JSON.stringify(full)]).toContain(
      JSON.stringify(result?.smallWrite),
    );
  } finally {
    for (const cleanup of cleanups) await cleanup();
    await rm(work, { recursive: true, force: true });
  }
});
