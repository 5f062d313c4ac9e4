// The sync fault-injection proof in CI: ≥ 200 seeded scenarios (two devices working offline,
// then syncing through a proxy that drops, stalls, cuts, fails, duplicates, reorders requests
// and loses replies, with kill -9 restarts of the lake), each checked for records lost or
// duplicated on the lake and on both devices, and every chunk's hash. The summary is printed
// and written to test-results/sync-faults.json. `npm run bench -- sync-soak` runs 10 000.
import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FAULT_KINDS } from '../../server/test-support/fault-proxy.ts';
import { runSoak } from './soak.ts';

const SCENARIOS = Number(process.env.FIELDLAKE_SYNC_SCENARIOS ?? 200);

describe('sync under faults', () => {
  it(
    `converges with nothing lost or duplicated in ${String(SCENARIOS)} seeded scenarios`,
    async () => {
      const summary = await runSoak({ scenarios: SCENARIOS, restarts: 4, concurrency: 4, seed: 1 });
      mkdirSync('test-results', { recursive: true });
      writeFileSync('test-results/sync-faults.json', `${JSON.stringify(summary, null, 2)}\n`);
      process.stdout.write(
        `sync faults: ${String(summary.scenarios)} scenarios in ${summary.seconds.toFixed(0)} s, ` +
          `${String(summary.converged)} converged, lost ${String(summary.lost)}, duplicated ${String(summary.duplicated)}, ` +
          `chunks checked ${String(summary.chunksChecked)} (bad ${String(summary.badChunks)}), restarts ${String(summary.restarts)}, ` +
          `requests ${String(summary.requests)}, faults ${JSON.stringify(summary.faults)}\n`,
      );
      expect(summary.problems.slice(0, 20)).toEqual([]);
      expect(summary).toMatchObject({ lost: 0, duplicated: 0, badChunks: 0, converged: SCENARIOS });
      expect(summary.restarts).toBeGreaterThanOrEqual(2);
      for (const kind of FAULT_KINDS) expect(summary.faults[kind]).toBeGreaterThanOrEqual(5);
      expect(summary.chunksChecked).toBeGreaterThanOrEqual(SCENARIOS * 2);
    },
    15 * 60_000,
  );
});
