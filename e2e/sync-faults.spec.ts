// The fault harness in Chromium: two browser contexts (two devices) reach the lake through the
// seeded fault proxy — the app itself is served through it, so the sync worker's requests meet
// dropped connections, stalls, cut responses, gateway errors, duplicated and reordered
// requests, and applied requests whose reply is lost. Each device writes notes and records a
// signal; after "Sync now" has brought both to "Everything is synced.", the lake must hold
// every note exactly once and every chunk intact, and each device must hold the other's notes.
// The Node harness (integration/sync/) runs hundreds of such scenarios; this proves the same
// engine in the real browser, IndexedDB and worker included. Desktop size only: the screen is
// covered at every size by sync.spec.ts.
import { createHash } from 'node:crypto';
import type { Page } from '@playwright/test';
import { type FaultProxy, startFaultProxy } from '../server/test-support/fault-proxy.ts';
import { expect, test } from './fixtures.ts';

interface FieldlakeHandle {
  local: {
    put(id: string, doc: Record<string, unknown>): Promise<string>;
    allDocs(options: { include_docs: boolean }): Promise<{
      data: { rows: { id: string; doc?: Record<string, unknown> }[] };
    }>;
  };
  signals: {
    create(id: string, spec: Record<string, unknown>): Promise<unknown>;
    append(id: string, values: Float32Array, options: { unsynced: boolean }): Promise<unknown>;
  };
}

const NOTES = 12;

/** "Sync now" until the screen says everything is synced (each press runs one cycle). */
async function syncUntilDone(page: Page): Promise<number> {
  const headline = page.locator('.sync-headline');
  const deadline = Date.now() + 100_000;
  for (let attempt = 1; Date.now() < deadline; attempt++) {
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect(page.getByRole('button', { name: 'Sync now' })).toBeVisible({ timeout: 60_000 });
    if ((await headline.textContent())?.trim() === 'Everything is synced.') return attempt;
    await page.waitForTimeout(200);
  }
  const table =
    (await page
      .locator('.sync-datasets')
      .textContent()
      .catch(() => null)) ?? '';
  throw new Error(`not synced in 100 s: ${(await headline.textContent()) ?? ''} ${table}`);
}

async function work(page: Page, who: string): Promise<void> {
  await page.evaluate(
    async ({ who, notes }) => {
      const app = (window as unknown as { fieldlake: FieldlakeHandle }).fieldlake;
      for (let i = 0; i < notes; i++) {
        await app.local.put(`note/${who}/${String(i)}`, { type: 'note', who, n: i });
      }
      await app.local.put(`ds/${who}`, { type: 'dataset', assetId: 'asset/faults', name: who });
      await app.signals.create(`ds/${who}/vibration`, {
        datasetId: `ds/${who}`,
        name: 'vibration',
        dtype: 'float32',
        chunkLength: 2 ** 19,
      });
      const values = new Float32Array(2 ** 19 + 1000);
      for (let i = 0; i < values.length; i++) values[i] = Math.cos(i / 7) + i * 1e-6;
      await app.signals.append(`ds/${who}/vibration`, values, { unsynced: true });
    },
    { who, notes: NOTES },
  );
}

for (const seed of [11, 12, 13]) {
  test(`two browsers sync through injected faults (seed ${String(seed)})`, async ({
    page,
    lake,
    browser,
  }, testInfo) => {
    test.skip(testInfo.project.name !== 'desktop', 'one size is enough for the fault run');
    test.setTimeout(360_000);
    let proxy: FaultProxy | undefined;
    try {
      proxy = await startFaultProxy({
        target: lake.url,
        seed,
        faults: {
          drop: 0.05,
          stall: 0.02,
          truncate: 0.05,
          error5xx: 0.05,
          duplicate: 0.05,
          reorder: 0.03,
          replyLost: 0.05,
        },
        stallMs: 500,
        // The app's files and the sign-in link pass; the API (sync) meets the faults.
        exempt: (_method, path) =>
          !path.startsWith('/api/') ||
          path.startsWith('/api/session/link') ||
          path.startsWith('/api/changes/live'),
      });
      const base = proxy.url;
      const link = new URL(lake.signInLink);
      await page.goto(`${base}${link.pathname}${link.search}`);
      // A device token for the checks, which go straight to the lake (not through faults).
      const token = await page.evaluate(async () => {
        for (;;) {
          try {
            const response = await fetch('/api/tokens', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ kind: 'device', label: 'e2e checks' }),
            });
            if (response.ok) return ((await response.json()) as { secret: string }).secret;
          } catch {
            // A fault: ask again (an extra token is harmless).
          }
        }
      });
      const api = async (path: string, init: RequestInit = {}) =>
        fetch(`${lake.url}${path}`, {
          ...init,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        });
      expect(
        (
          await api('/api/docs/site%2Ffaults', {
            method: 'PUT',
            body: JSON.stringify({ type: 'site', name: 'Faults' }),
          })
        ).ok,
      ).toBe(true);
      expect(
        (
          await api('/api/docs/asset%2Ffaults', {
            method: 'PUT',
            body: JSON.stringify({ type: 'asset', site: 'site/faults', name: 'Pump' }),
          })
        ).ok,
      ).toBe(true);

      await page.goto(`${base}/sync`);
      const second = await browser.newContext();
      try {
        const other = await second.newPage();
        const created = await api('/api/users', {
          method: 'POST',
          body: JSON.stringify({ name: `b${String(seed)}`, role: 'analyst' }),
        });
        const otherLink = new URL(((await created.json()) as { link: string }).link);
        await other.goto(`${base}${otherLink.pathname}${otherLink.search}`);
        await other.goto(`${base}/sync`);
        await work(page, 'a');
        await work(other, 'b');
        const tries = [
          await syncUntilDone(page),
          await syncUntilDone(other),
          await syncUntilDone(page),
        ];
        testInfo.annotations.push({ type: 'sync tries', description: tries.join(', ') });

        // The lake: every note once, every chunk intact.
        const feed = (await (
          await api('/api/changes?since=0&limit=1000&include_docs=true')
        ).json()) as {
          results: { id: string; deleted: boolean; doc?: Record<string, unknown> }[];
        };
        const notes = feed.results.filter((change) => change.doc?.type === 'note');
        expect(notes).toHaveLength(2 * NOTES);
        expect(new Set(notes.map((change) => change.id)).size).toBe(2 * NOTES);
        for (const who of ['a', 'b']) {
          const pageDoc = feed.results.find(
            (change) => change.id === `ds/${who}/vibration/manifest/0`,
          )?.doc as { entries: { sha256: string }[] } | undefined;
          expect(pageDoc?.entries).toHaveLength(2);
          for (const entry of pageDoc?.entries ?? []) {
            const bytes = Buffer.from(
              await (await api(`/api/chunks/${entry.sha256}`)).arrayBuffer(),
            );
            expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.sha256);
          }
        }
        // Each device holds the other's notes.
        for (const [device, from] of [
          [page, 'b'],
          [other, 'a'],
        ] as const) {
          const held = await device.evaluate(async (prefix) => {
            const app = (window as unknown as { fieldlake: FieldlakeHandle }).fieldlake;
            const { data } = await app.local.allDocs({ include_docs: true });
            return data.rows.filter((row) => row.id.startsWith(prefix)).length;
          }, `note/${from}/`);
          expect(held).toBe(NOTES);
        }
        const stats = proxy.stats();
        testInfo.annotations.push({ type: 'faults', description: JSON.stringify(stats) });
        expect(stats.pass).toBeGreaterThan(0);
      } finally {
        await second.close();
      }
    } finally {
      await proxy?.close();
    }
  });
}
