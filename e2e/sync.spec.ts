// Offline → online, as a technician lives it: sign in, lose the network, record a note and a
// signal (a chunk over 1 MiB), reload the app with no network (the work is still there and
// waiting), get the network back, and watch it arrive in the lake — and in a second browser
// signed in as another user.
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import type { AppShell } from './pages/app-shell.ts';

/** What the app exposes as `window.fieldlake` (src/app-storage.ts), as far as these tests use it. */
interface FieldlakeHandle {
  local: {
    put(id: string, doc: Record<string, unknown>): Promise<string>;
    get(id: string): Promise<Record<string, unknown>>;
  };
  signals: {
    create(id: string, spec: Record<string, unknown>): Promise<unknown>;
    append(id: string, values: Float32Array, options: { unsynced: boolean }): Promise<unknown>;
  };
}

function headline(page: Page) {
  return page.locator('.sync-headline');
}

/** Signs in with the lake's one-time link and opens the Sync tab once everything is synced. */
async function openSynced(shell: AppShell, page: Page, signInLink: string): Promise<void> {
  await page.goto(signInLink);
  await shell.waitForServiceWorker();
  await shell.press(shell.tab('Sync'));
  await expect(shell.screenTitle).toHaveText('Sync');
  await expect(headline(page)).toHaveText('Everything is synced.', { timeout: 20_000 });
}

const SAMPLES = 300_000; // float32 with 2^18-sample chunks: one full 1 MiB chunk and a tail

test('offline work survives a reload and reaches the lake and a second browser', async ({
  shell,
  page,
  lake,
  context,
  browser,
}, testInfo) => {
  await openSynced(shell, page, lake.signInLink);

  await context.setOffline(true);
  await expect(shell.connectivity).toHaveText('Offline');
  await page.evaluate(async (samples) => {
    const app = (window as unknown as { fieldlake: FieldlakeHandle }).fieldlake;
    await app.local.put('site/e2e', { type: 'site', name: 'E2E site' });
    await app.local.put('asset-e2e', { type: 'asset', site: 'site/e2e', name: 'Pump 3' });
    await app.local.put('ds-e2e', { type: 'dataset', assetId: 'asset-e2e', name: 'Visit' });
    await app.local.put('note-e2e', {
      type: 'annotation',
      datasetId: 'ds-e2e',
      text: 'bearing noise at 3 kHz',
    });
    await app.signals.create('ds-e2e/vibration', {
      datasetId: 'ds-e2e',
      name: 'vibration',
      dtype: 'float32',
      chunkLength: 2 ** 18,
      sampleRate: 1000,
    });
    const values = new Float32Array(samples);
    for (let i = 0; i < samples; i++) values[i] = Math.sin(i / 10);
    await app.signals.append('ds-e2e/vibration', values, { unsynced: true });
  }, SAMPLES);

  // A reload with no network: the shell comes from the service worker, the work from IndexedDB.
  await page.reload();
  await expect(shell.screenTitle).toHaveText('Sync');
  await expect(headline(page)).toContainText('kept on this device', { timeout: 20_000 });
  await expect(page.locator('.sync-datasets tr[data-dataset="ds-e2e"]')).toBeVisible();
  await shell.screenshot('sync-offline-pending');
  const kept = await page.evaluate(async () => {
    const app = (window as unknown as { fieldlake: FieldlakeHandle }).fieldlake;
    return (await app.local.get('note-e2e')).text;
  });
  expect(kept).toBe('bearing noise at 3 kHz');

  await context.setOffline(false);
  await expect(headline(page)).toHaveText('Everything is synced.', { timeout: 30_000 });
  await shell.screenshot('sync-online-synced');
  const note = await page.request.get(`${lake.url}/api/docs/note-e2e`);
  expect(await note.json()).toMatchObject({ text: 'bearing noise at 3 kHz' });
  const signal = await page.request.get(
    `${lake.url}/api/docs/${encodeURIComponent('ds-e2e/vibration')}`,
  );
  expect(await signal.json()).toMatchObject({ length: SAMPLES });
  const page0 = (await (
    await page.request.get(
      `${lake.url}/api/docs/${encodeURIComponent('ds-e2e/vibration/manifest/0')}`,
    )
  ).json()) as { entries: { sha256: string }[] };
  expect(page0.entries).toHaveLength(2);
  for (const entry of page0.entries) {
    const chunk = await page.request.get(`${lake.url}/api/chunks/${entry.sha256}`);
    expect(chunk.status()).toBe(200);
  }

  // Another user, in another browser, sees it arrive.
  const created = await page.request.post(`${lake.url}/api/users`, {
    data: { name: 'second', role: 'analyst' },
  });
  const { link } = (await created.json()) as { link: string };
  const other = await browser.newContext({
    viewport: testInfo.project.use.viewport ?? null,
    hasTouch: testInfo.project.use.hasTouch ?? false,
  });
  try {
    const second = await other.newPage();
    await second.goto(link.replace(/^https?:\/\/[^/]+/, lake.url));
    await second.goto(`${lake.url}/sync`);
    await expect(headline(second)).toHaveText('Everything is synced.', { timeout: 30_000 });
    const seen = await second.evaluate(async () => {
      const app = (window as unknown as { fieldlake: FieldlakeHandle }).fieldlake;
      return {
        note: (await app.local.get('note-e2e')).text,
        length: (await app.local.get('ds-e2e/vibration')).length,
      };
    });
    expect(seen).toEqual({ note: 'bearing noise at 3 kHz', length: SAMPLES });
  } finally {
    await other.close();
  }
  expect(shell.pageErrors).toEqual([]);
});

test('the Sync screen asks to sign in again when the session has ended, and keeps the work', async ({
  shell,
  page,
  lake,
}) => {
  await openSynced(shell, page, lake.signInLink);
  await page.evaluate(async () => {
    const app = (window as unknown as { fieldlake: FieldlakeHandle }).fieldlake;
    await app.local.put('note-after', { type: 'note', text: 'written after the session ended' });
  });
  const password = 'correct horse battery staple';
  expect(
    (await page.request.put(`${lake.url}/api/session/password`, { data: { password } })).ok(),
  ).toBe(true);
  // The session ends (signed out elsewhere, or expired): the lake now answers 401.
  await page.request.delete(`${lake.url}/api/session`);
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(headline(page)).toContainText('sign in again', { timeout: 20_000 });
  await expect(headline(page)).toContainText('1 unsynced change kept on this device');
  await shell.screenshot('sync-sign-in-again');
  const signIn = page.locator('form.sync-sign-in');
  await signIn.getByLabel('Name').fill('admin');
  await signIn.getByLabel('Password', { exact: true }).fill(password);
  await shell.press(page.getByRole('button', { name: 'Sign in' }));
  await expect(headline(page)).toHaveText('Everything is synced.', { timeout: 20_000 });
  const note = await page.request.get(`${lake.url}/api/docs/note-after`);
  expect(await note.json()).toMatchObject({ text: 'written after the session ended' });
  expect(shell.pageErrors).toEqual([]);
});

test('a field kit pinned on the Sync screen is readable offline', async ({
  shell,
  page,
  lake,
  context,
}) => {
  await page.goto(lake.signInLink);
  await shell.waitForServiceWorker();
  await page.request.post(`${lake.url}/api/bulk`, {
    data: {
      items: [
        { id: 'site/kit', doc: { type: 'site', name: 'Kit site' } },
        { id: 'asset/kit', doc: { type: 'asset', site: 'site/kit', name: 'Pump' } },
        { id: 'dataset/kit', doc: { type: 'dataset', assetId: 'asset/kit', name: 'Run' } },
      ],
    },
  });
  const samples = 200_000;
  const csv = `vib\n${Array.from({ length: samples }, (_, i) => String((i % 500) / 4)).join('\n')}\n`;
  const uploaded = await page.request.post(
    `${lake.url}/api/uploads?dataset=dataset%2Fkit&format=csv&t0=2026-11-22T06:00:00Z&sampleRate=100`,
    { headers: { 'content-type': 'text/csv' }, data: csv },
  );
  expect(uploaded.status()).toBe(201);
  await shell.press(shell.tab('Sync'));
  await shell.press(page.getByRole('button', { name: 'Sync now' }));
  await expect(headline(page)).toHaveText('Everything is synced.', { timeout: 20_000 });
  await page.locator('form.kit-form').getByLabel('Name').fill('Morning round');
  await page.getByLabel(/Sites, assets, datasets or signals/).fill('site/kit');
  await page.getByLabel('Resolution').selectOption('raw');
  await shell.press(page.getByRole('button', { name: 'Pin and fetch' }));
  await expect(page.locator('.sync-kits .sync-message')).toContainText('Kit ready offline', {
    timeout: 30_000,
  });
  await expect(page.locator('.kit-list li[data-complete="yes"]')).toContainText('Morning round');
  await shell.screenshot('sync-kit-ready');

  await context.setOffline(true);
  const read = await page.evaluate(async () => {
    const app = (
      window as unknown as {
        fieldlake: {
          local: {
            allDocs(o: {
              query: string;
              include_docs: boolean;
            }): Promise<{ data: { rows: { id: string }[] } }>;
          };
          signals: { read(id: string, start: number, end: number): Promise<Float32Array> };
        };
      }
    ).fieldlake;
    const { data } = await app.local.allDocs({ query: 'type: "signal"', include_docs: true });
    const id = data.rows[0]?.id ?? '';
    const values = await app.signals.read(id, 150_000, 150_010);
    return Array.from(values);
  });
  expect(read).toEqual(Array.from({ length: 10 }, (_, i) => ((150_000 + i) % 500) / 4));
  expect(shell.pageErrors).toEqual([]);
});

test('with two tabs open, exactly one syncs; the other follows it and takes over when it closes', async ({
  shell,
  page,
  lake,
  context,
}) => {
  await openSynced(shell, page, lake.signInLink);
  const second = await context.newPage();
  await second.goto(`${lake.url}/sync`);
  await expect(headline(second)).toHaveText('Everything is synced.', { timeout: 20_000 });
  const leaders = async (pages: readonly Page[]) =>
    Promise.all(
      pages.map((p) =>
        p.evaluate(
          () =>
            (window as unknown as { fieldlake: { sync: { current?: { leader: boolean } } } })
              .fieldlake.sync.current?.leader ?? false,
        ),
      ),
    );
  expect(await leaders([page, second])).toEqual([true, false]);
  // Work saved in the second tab is synced by the first tab's worker.
  await second.evaluate(async () => {
    const app = (window as unknown as { fieldlake: FieldlakeHandle }).fieldlake;
    await app.local.put('note-tab2', { type: 'note', text: 'from the second tab' });
  });
  await second.getByRole('button', { name: 'Sync now' }).click();
  await expect(headline(second)).toHaveText('Everything is synced.', { timeout: 20_000 });
  await expect
    .poll(async () => (await page.request.get(`${lake.url}/api/docs/note-tab2`)).status(), {
      timeout: 20_000,
    })
    .toBe(200);
  // The syncing tab closes: the other takes the lock and syncs on its own.
  await page.close();
  await expect.poll(async () => leaders([second]), { timeout: 20_000 }).toEqual([true]);
  await second.evaluate(async () => {
    const app = (window as unknown as { fieldlake: FieldlakeHandle }).fieldlake;
    await app.local.put('note-after-close', { type: 'note', text: 'after the first tab closed' });
  });
  await second.getByRole('button', { name: 'Sync now' }).click();
  await expect(headline(second)).toHaveText('Everything is synced.', { timeout: 20_000 });
  await expect
    .poll(
      async () => (await second.request.get(`${lake.url}/api/docs/note-after-close`)).status(),
      {
        timeout: 20_000,
      },
    )
    .toBe(200);
});

test('with every tab closed, Background Sync in the service worker pushes the outbox', async ({
  shell,
  page,
  lake,
  context,
}, testInfo) => {
  test.skip(
    testInfo.project.name !== 'desktop',
    'the service worker path is the same at every size',
  );
  await openSynced(shell, page, lake.signInLink);
  // Work saved with no network, then the tab closes: no page holds the sync lock any more.
  await context.setOffline(true);
  await page.evaluate(async () => {
    const app = (window as unknown as { fieldlake: FieldlakeHandle }).fieldlake;
    await app.local.put('note-bg', { type: 'note', text: 'pushed by the service worker' });
  });
  // A blank tab to speak DevTools from: it runs no app, so it holds no sync lock.
  const blank = await context.newPage();
  const cdp = await context.newCDPSession(blank);
  const registrations = new Map<string, string>();
  cdp.on('ServiceWorker.workerRegistrationUpdated', (event) => {
    for (const registration of event.registrations) {
      registrations.set(registration.scopeURL, registration.registrationId);
    }
  });
  await cdp.send('ServiceWorker.enable');
  await page.close();
  await context.setOffline(false);
  // The closed tab's worker lets go of the sync lock a moment later; until then the service
  // worker would (rightly) leave the sync to it. Seen from a same-origin page that runs no app
  // (the service worker serves the app shell to every navigation but the API).
  await blank.goto(`${lake.url}/api/health`);
  await expect
    .poll(() => blank.evaluate(async () => (await navigator.locks.query()).held?.length ?? 0), {
      timeout: 10_000,
    })
    .toBe(0);
  await expect.poll(() => registrations.size, { timeout: 10_000 }).toBeGreaterThan(0);
  const [scope, registrationId] = [...registrations][0] ?? ['', ''];
  // What the browser does when the network returns for a registered `fieldlake-sync` tag.
  await cdp.send('ServiceWorker.dispatchSyncEvent', {
    origin: new URL(scope).origin,
    registrationId,
    tag: 'fieldlake-sync',
    lastChance: false,
  });
  await expect
    .poll(async () => (await context.request.get(`${lake.url}/api/docs/note-bg`)).status(), {
      timeout: 20_000,
    })
    .toBe(200);
});
