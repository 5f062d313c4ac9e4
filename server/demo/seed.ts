// Seeds the demo wind-farm dataset (src/shared/demo) into the lake on a first start: sites,
// turbines, recordings, every signal with its pyramid (through the same write path as any
// client), and the ground-truth annotations of the injected faults. It runs in the background
// while the lake already serves; an interrupted seed resumes at the next start, skipping the
// signals already complete.
import type { FastifyBaseLogger } from 'fastify';
import { demoPlan, type DemoPlan, type DemoSignal } from '../../src/shared/demo/plan.ts';
import { demoSamples } from '../../src/shared/demo/samples.ts';
import type { OpenLake } from '../lake-context.ts';
import { LAKE_PRINCIPAL, writeOrThrow } from '../signals/write-docs.ts';
import { writeSignal } from '../signals/write-signal.ts';

export const DEMO_SETTING = 'demo_seed';

/** Samples generated per step: one default chunk, so memory stays flat. */
const PIECE = 2 ** 18;

function* pieces(plan: DemoPlan, signal: DemoSignal): Generator<Float32Array> {
  for (let start = 0; start < signal.length; start += PIECE) {
    yield demoSamples(
      plan,
      signal.datasetId,
      signal.name,
      start,
      Math.min(signal.length, start + PIECE),
    );
  }
}

export interface SeedOptions {
  samples: number;
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export async function seedDemo(opened: OpenLake, options: SeedOptions): Promise<DemoPlan> {
  const plan = demoPlan({
    scale: options.samples,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  const { meta } = opened.lake;
  const docs = [...plan.sites, ...plan.assets, ...plan.datasets];
  await writeOrThrow(
    opened,
    LAKE_PRINCIPAL,
    ...docs.map(({ id, ...doc }) => ({ id, doc: { ...doc } })),
  );
  let done = 0;
  for (const signal of plan.signals) {
    options.signal?.throwIfAborted();
    const existing = await meta.getDoc(signal.id);
    if (existing?.deleted === false && existing.body.length === signal.length) {
      done += signal.length;
      continue;
    }
    await writeSignal(opened, LAKE_PRINCIPAL, signal.id, signal.spec, pieces(plan, signal), {
      expectedLength: signal.length,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    done += signal.length;
    options.onProgress?.(done, plan.totalSamples);
  }
  await writeOrThrow(
    opened,
    LAKE_PRINCIPAL,
    ...plan.annotations.map(({ id, ...doc }) => ({ id, doc: { ...doc } })),
  );
  return plan;
}

/** Seeds once per data directory (remembered in the store); errors are logged, never fatal. */
export async function seedDemoInBackground(
  opened: OpenLake,
  options: { samples: number; log: FastifyBaseLogger; signal: AbortSignal },
): Promise<void> {
  const { log } = options;
  if (options.samples === 0) return;
  const previous = await opened.lake.meta.getSetting(DEMO_SETTING);
  if (previous !== undefined && (JSON.parse(previous) as { done?: boolean }).done === true) return;
  const started = performance.now();
  log.info({ samples: options.samples }, 'seeding the demo dataset in the background');
  try {
    const plan = await seedDemo(opened, {
      samples: options.samples,
      signal: options.signal,
      onProgress: (done, total) => {
        log.info({ done, total }, 'demo seeding progress');
      },
    });
    await opened.lake.meta.setSetting(
      DEMO_SETTING,
      JSON.stringify({
        done: true,
        seed: plan.seed,
        scale: plan.scale,
        samples: plan.totalSamples,
      }),
    );
    log.info(
      { samples: plan.totalSamples, seconds: Math.round((performance.now() - started) / 100) / 10 },
      'demo dataset ready',
    );
  } catch (error) {
    if (options.signal.aborted) {
      log.info('demo seeding interrupted: it resumes at the next start');
      return;
    }
    log.error({ err: error }, 'demo seeding failed: it is retried at the next start');
  }
}
