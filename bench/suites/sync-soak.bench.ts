// sync-soak: the fault-injection harness of `npm test` (integration/sync/), at scale: 10 000
// seeded scenarios (200 with --quick), two devices each working offline then syncing through
// the fault proxy, with kill -9 restarts of the lake spread over the run. What it reports is
// correctness, not speed: scenarios converged (target: all), records lost and duplicated
// (target: 0), chunks whose hash failed (target: 0); and how long a scenario took, for the
// record. The published anchor: Wendelin's buffered fluentd ingestion, 99.999 % correct
// transfer; ours must be 100 %.
import { mkdirSync, writeFileSync } from 'node:fs';
import { resultFrom } from '../lib/stats.ts';
import type { BenchContext, BenchDefinition, BenchResult } from '../lib/types.ts';
import { runSoak } from '../../integration/sync/soak.ts';

const FULL = 10_000;
const QUICK = 200;
const BACKEND = 'fieldlake-sync/indexeddb(fake)+lake-process';

export const syncSoak: BenchDefinition = {
  name: 'sync-soak',
  description:
    'Sync under injected faults: seeded two-device scenarios through a fault proxy with lake restarts; lost, duplicated, converged',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const scenarios = Number(process.env.FIELDLAKE_SOAK_SCENARIOS ?? (ctx.quick ? QUICK : FULL));
    const summary = await runSoak({
      scenarios,
      seed: 1_000_000,
      restarts: Math.max(2, Math.round(scenarios / 500)),
      concurrency: 4,
      onScenario: (outcome, done) => {
        if (done % 100 === 0 || !outcome.converged) {
          ctx.log(
            `sync-soak: ${String(done)}/${String(scenarios)} (seed ${String(outcome.seed)}${outcome.converged ? '' : ' DID NOT CONVERGE'})`,
          );
        }
      },
    });
    mkdirSync('test-results', { recursive: true });
    writeFileSync('test-results/sync-soak.json', `${JSON.stringify(summary, null, 2)}\n`);
    ctx.log(
      `sync-soak: faults ${JSON.stringify(summary.faults)}, restarts ${String(summary.restarts)}`,
    );
    const anchor = "Wendelin's buffered fluentd ingestion: 99.999 % correct transfer (published)";
    const share = (summary.converged / Math.max(1, summary.scenarios)) * 100;
    return [
      resultFrom(
        {
          case: 'sync-soak/converged',
          metric: 'scenarios_converged_percent',
          unit: '%',
          direction: 'higher',
          backend: BACKEND,
          target: 100,
          anchor,
          speedFigure: false,
        },
        [share],
      ),
      resultFrom(
        {
          case: 'sync-soak/lost',
          metric: 'records_lost',
          unit: 'records',
          direction: 'lower',
          backend: BACKEND,
          target: 0,
          speedFigure: false,
        },
        [summary.lost],
      ),
      resultFrom(
        {
          case: 'sync-soak/duplicated',
          metric: 'records_duplicated',
          unit: 'records',
          direction: 'lower',
          backend: BACKEND,
          target: 0,
          speedFigure: false,
        },
        [summary.duplicated],
      ),
      resultFrom(
        {
          case: 'sync-soak/bad-chunks',
          metric: 'chunks_failing_their_hash',
          unit: 'chunks',
          direction: 'lower',
          backend: BACKEND,
          target: 0,
          speedFigure: false,
        },
        [summary.badChunks],
      ),
      resultFrom(
        {
          case: 'sync-soak/scenario-time',
          metric: 'seconds_per_scenario',
          unit: 's',
          direction: 'lower',
          backend: BACKEND,
          speedFigure: false,
        },
        [summary.seconds / Math.max(1, summary.scenarios)],
      ),
    ];
  },
};
