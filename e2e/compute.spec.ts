// Compute where the network is not: the installed app, offline and reloaded from its service
// worker, runs windowed statistics over a stored recording in its worker pool — progress,
// cancel, the answer, and the result kept as a `derived` document that sync will push.
import { expect, test } from './fixtures.ts';

interface Progress {
  done: number;
  total: number;
}

/** What the app exposes as `window.fieldlake` (src/app-storage.ts), as far as this test uses it. */
interface FieldlakeHandle {
  local: { get(id: string): Promise<Record<string, unknown>> };
  signals: {
    create(id: string, spec: Record<string, unknown>): Promise<unknown>;
    append(id: string, values: Float32Array, options: { unsynced: boolean }): Promise<unknown>;
  };
  compute: {
    run(
      job: Record<string, unknown>,
      options: { onProgress?: (p: Progress) => void; signal?: AbortSignal; save?: boolean },
    ): Promise<{ backend: string; outputs: Record<string, Float32Array>; savedAs?: string }>;
  };
}

const SAMPLES = 2 ** 20 + 12_345; // four full chunks of 2^18 and a tail

test('offline, the app computes windowed statistics over a recording in its workers', async ({
  shell,
  page,
  lake,
  context,
}, testInfo) => {
  test.skip(
    testInfo.project.name !== 'desktop',
    'no screen yet: the result does not depend on the viewport',
  );
  await page.goto(lake.signInLink);
  await shell.waitForServiceWorker();
  await page.evaluate(async (samples) => {
    const app = (window as unknown as { fieldlake: FieldlakeHandle }).fieldlake;
    await app.signals.create('rec/vibration', {
      datasetId: 'rec',
      name: 'vibration',
      sampleRate: 25_600,
      t0: '2026-12-07T08:00:00.000Z',
    });
    const values = Float32Array.from({ length: samples }, (_, i) =>
      i % 100_003 === 0 ? Number.NaN : Math.sin(i / 50) * (1 + (i % 13) / 13),
    );
    await app.signals.append('rec/vibration', values, { unsynced: true });
  }, SAMPLES);

  await context.setOffline(true);
  await page.reload();
  await expect(shell.connectivity).toHaveText('Offline');
  const outcome = await page.evaluate(async (samples) => {
    const app = (window as unknown as { fieldlake: FieldlakeHandle }).fieldlake;
    // Cancel first: the job stops and rejects, and the pool takes the next one.
    const controller = new AbortController();
    const cancelled = await app.compute
      .run(
        { id: 'cancel-me', algorithm: 'windowed', params: { window: 16 }, signal: 'rec/vibration' },
        {
          signal: controller.signal,
          onProgress: (p) => {
            if (p.done > 0) controller.abort();
          },
        },
      )
      .then(
        () => 'finished',
        (error: unknown) => (error instanceof Error ? error.name : String(error)),
      );
    const progress: Progress[] = [];
    const result = await app.compute.run(
      { id: 'max', algorithm: 'windowed', params: { window: 1024 }, signal: 'rec/vibration' },
      { onProgress: (p) => progress.push(p), save: true },
    );
    // The reference, computed here from the same formula.
    const expectedMax: number[] = [];
    for (let at = 0; at < samples; at += 1024) {
      let max = -Infinity;
      for (let i = at; i < Math.min(samples, at + 1024); i++) {
        const v =
          i % 100_003 === 0 ? Number.NaN : Math.fround(Math.sin(i / 50) * (1 + (i % 13) / 13));
        if (v > max) max = v;
      }
      expectedMax.push(max);
    }
    const saved = await app.local.get(result.savedAs ?? '');
    return {
      cancelled,
      backend: result.backend,
      maxMatches: JSON.stringify([...(result.outputs.max ?? [])]) === JSON.stringify(expectedMax),
      windows: result.outputs.max?.length,
      lastProgress: progress.at(-1),
      saved: { type: saved.type, algorithm: saved.algorithm, signalId: saved.signalId },
    };
  }, SAMPLES);
  expect(outcome).toEqual({
    cancelled: 'AbortError',
    backend: 'wasm',
    maxMatches: true,
    windows: Math.ceil(SAMPLES / 1024),
    lastProgress: { jobId: 'max', done: SAMPLES, total: SAMPLES },
    saved: { type: 'derived', algorithm: 'windowed', signalId: 'rec/vibration' },
  });
});
