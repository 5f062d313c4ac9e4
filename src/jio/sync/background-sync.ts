// A sync cycle for the service worker's Background Sync event: the browser wakes the service
// worker when the network returns, even with every tab closed. It syncs only if no tab holds
// the sync lock (a tab's worker is then the syncer, and one syncer per origin is the rule);
// a failed cycle rejects, so the browser schedules the event again later.
import { AccessGuard } from './access-guard.ts';
import type { SyncResult } from './sync-engine.ts';
import { openSyncNode, SYNC_LOCK, type SyncNodeOptions } from './sync-node.ts';
import type { LockManagerLike } from './sync-service.ts';

/** Answers the cycle's result, or undefined when a tab is syncing. */
export async function runBackgroundSync(
  locks: LockManagerLike | undefined,
  options: SyncNodeOptions = {},
): Promise<SyncResult | undefined> {
  const cycle = async (): Promise<SyncResult> => {
    const node = await openSyncNode(options);
    try {
      await new AccessGuard(node).check(await node.session());
      const result = await node.engine.sync();
      await node.budget.enforce();
      return result;
    } finally {
      await node.close();
    }
  };
  if (locks === undefined) return cycle();
  return (await locks.request(SYNC_LOCK, { ifAvailable: true }, async (lock) =>
    lock === null ? undefined : cycle(),
  )) as SyncResult | undefined;
}
