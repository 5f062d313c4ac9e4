// Runs many seeded fault scenarios against one real lake process behind the fault proxy, with
// `kill -9` restarts of the lake spread over the run, and sums what the checker found. Used by
// the CI test (faults.test.ts, ≥ 200 scenarios) and by `npm run bench -- sync-soak` (10 000).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type FaultKind,
  type FaultRates,
  startFaultProxy,
} from '../../server/test-support/fault-proxy.ts';
import { type LakeProcess, startLakeProcess } from '../../server/test-support/lake-process.ts';
import { emptyOutcome, runScenario, type ScenarioEnv, type ScenarioOutcome } from './scenario.ts';

export interface SoakOptions {
  scenarios: number;
  /** First seed; scenario i uses seed + i. */
  seed?: number;
  /** Lake restarts (kill -9) spread evenly over the run. */
  restarts?: number;
  /** Scenarios run at once (each has its own devices, users and site). */
  concurrency?: number;
  faults?: FaultRates;
  onScenario?: (outcome: ScenarioOutcome, done: number) => void;
}

export interface SoakSummary {
  scenarios: number;
  converged: number;
  lost: number;
  duplicated: number;
  chunksChecked: number;
  badChunks: number;
  restarts: number;
  cycles: number;
  faults: Record<FaultKind | 'pass', number>;
  requests: number;
  seconds: number;
  problems: { seed: number; problem: string }[];
}

/** Each kind ~3 % of requests: a cycle of ~20 requests meets about one fault in two. */
export const DEFAULT_FAULTS: FaultRates = {
  drop: 0.03,
  stall: 0.02,
  truncate: 0.03,
  error5xx: 0.03,
  duplicate: 0.03,
  reorder: 0.02,
  replyLost: 0.03,
};

export async function runSoak(options: SoakOptions): Promise<SoakSummary> {
  const started = performance.now();
  const dir = await mkdtemp(path.join(tmpdir(), 'fieldlake-soak-'));
  let lake: LakeProcess = await startLakeProcess(path.join(dir, 'data'));
  const proxy = await startFaultProxy({
    target: lake.url,
    seed: options.seed ?? 1,
    faults: options.faults ?? DEFAULT_FAULTS,
    stallMs: 300,
    // The live change stream is a long poll that faults would only slow down; setup and
    // checks go to the lake directly.
    exempt: (_method, url) => url.startsWith('/api/changes/live'),
  });
  const address = { url: lake.url, adminToken: lake.token };
  let restarting: Promise<void> | undefined;
  const restartLake = (): Promise<void> => {
    restarting ??= (async () => {
      await lake.stop('SIGKILL');
      lake = await startLakeProcess(path.join(dir, 'data'));
      address.url = lake.url;
      proxy.setTarget(lake.url);
    })().finally(() => {
      restarting = undefined;
    });
    return restarting;
  };
  const env: ScenarioEnv = {
    lake: address,
    proxyUrl: proxy.url,
    runId: `r${Date.now().toString(36)}`,
    restartLake,
    ready: async () => {
      await restarting;
    },
  };
  const restarts = options.restarts ?? 2;
  const restartEvery = restarts > 0 ? Math.max(1, Math.floor(options.scenarios / restarts)) : 0;
  const summary: SoakSummary = {
    scenarios: 0,
    converged: 0,
    lost: 0,
    duplicated: 0,
    chunksChecked: 0,
    badChunks: 0,
    restarts: 0,
    cycles: 0,
    faults: proxy.stats(),
    requests: 0,
    seconds: 0,
    problems: [],
  };
  const first = options.seed ?? 1;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < options.scenarios; index = next++) {
      const seed = first + index;
      // A restart in the middle of a scenario's offline-work sync (its third cycle).
      const restartAfterCycle =
        restartEvery > 0 && index % restartEvery === Math.floor(restartEvery / 2) ? 3 : undefined;
      let outcome: ScenarioOutcome;
      try {
        outcome = await runScenario(
          seed,
          env,
          restartAfterCycle === undefined ? {} : { restartAfterCycle },
        );
      } catch (error) {
        outcome = emptyOutcome(seed, [
          `scenario failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        ]);
      }
      summary.scenarios++;
      if (outcome.converged) summary.converged++;
      summary.lost += outcome.lost;
      summary.duplicated += outcome.duplicated;
      summary.chunksChecked += outcome.chunksChecked;
      summary.badChunks += outcome.badChunks;
      summary.restarts += outcome.restarts;
      summary.cycles += outcome.cycles;
      for (const problem of outcome.problems) summary.problems.push({ seed, problem });
      options.onScenario?.(outcome, summary.scenarios);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency ?? 1 }, () => worker()));
  } finally {
    summary.faults = proxy.stats();
    summary.requests = Object.values(summary.faults).reduce((sum, n) => sum + n, 0);
    await proxy.close();
    await lake.stop('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}
