// What the sync worker offers the page: start, status, "Sync now", the storage budget, outbox
// export and import. Kept apart from the worker entry so it can be built and tested without a
// worker around it.
import type { BudgetStatus } from '../jio/sync/storage-budget.ts';
import { openSyncNode, SYNC_CHANNEL, type SyncNode } from '../jio/sync/sync-node.ts';
import {
  type LockManagerLike,
  SyncService,
  type SyncStatusView,
} from '../jio/sync/sync-service.ts';
import type { SyncTrigger } from '../jio/sync/sync-scheduler.ts';
import { JioError } from '../jio/errors.ts';
import { AccessGuard } from '../jio/sync/access-guard.ts';
import { exportOutbox, importOutbox } from '../jio/sync/outbox-file.ts';
import type { KitCoverage, KitProgress, KitSpec } from '../jio/sync/field-kit.ts';
import { liveChanges } from './live-changes.ts';

export interface SyncWorkerStartOptions {
  /** The lake's address (default: this origin). */
  lakeUrl?: string;
}

export interface SyncWorkerApi {
  start(options?: SyncWorkerStartOptions): Promise<SyncStatusView>;
  status(): SyncStatusView;
  /** The listener is called with every new status (a comlink proxy from the page). */
  subscribe(listener: (status: SyncStatusView) => void): void;
  trigger(reason: SyncTrigger): void;
  syncNow(): Promise<SyncStatusView>;
  setBudget(bytes: number | null): Promise<BudgetStatus>;
  budget(): Promise<BudgetStatus>;
  /** The outbox as a file (NDJSON), for another device or a later session. */
  exportOutbox(): Promise<{ blob: Blob; fileName: string; docs: number; chunks: number }>;
  importOutbox(file: Blob): Promise<{ written: number; unchanged: number; conflicts: number }>;
  /** Field kits with their coverage. */
  kits(): Promise<{ id: string; kit: KitSpec; coverage: KitCoverage }[]>;
  /** Stores the kit and fetches it (coarse levels first); progress through a comlink proxy. */
  pinKit(
    id: string,
    kit: KitSpec,
    onProgress?: (progress: KitProgress) => void,
  ): Promise<KitCoverage>;
  /** Fetches what the kit still lacks. */
  fillKit(id: string, onProgress?: (progress: KitProgress) => void): Promise<KitCoverage>;
  /** Releases the kit's chunks on this device. */
  unpinKit(id: string): Promise<void>;
  /** Deletes the kit (for everyone: the deletion syncs). */
  removeKit(id: string): Promise<void>;
}

export function createSyncWorkerApi(): SyncWorkerApi {
  let node: SyncNode | undefined;
  let service: SyncService | undefined;
  let starting: Promise<SyncService> | undefined;

  const started = (): { node: SyncNode; service: SyncService } => {
    if (node === undefined || service === undefined) {
      throw new JioError('unavailable', 'The sync worker has not started', {
        reason: 'not_started',
      });
    }
    return { node, service };
  };

  return {
    async start(options = {}) {
      starting ??= (async () => {
        node = await openSyncNode(
          options.lakeUrl === undefined ? {} : { lakeUrl: options.lakeUrl },
        );
        // Absent in old browsers: then this tab syncs alone (SyncService's fallback).
        const locks = (navigator as { locks?: unknown }).locks as LockManagerLike | undefined;
        const guard = new AccessGuard(node);
        service = new SyncService({
          node,
          beforeCycle: async (user) => {
            await guard.check(user);
          },
          locks,
          channel:
            typeof BroadcastChannel === 'undefined'
              ? undefined
              : new BroadcastChannel(SYNC_CHANNEL),
          liveChanges: (onChange) => liveChanges(node?.http.base ?? self.location.origin, onChange),
        });
        self.addEventListener('online', () => {
          service?.trigger('online');
        });
        service.start();
        return service;
      })();
      return (await starting).status();
    },
    status: () => started().service.status(),
    subscribe(listener) {
      const { service: running } = started();
      running.subscribe((status) => {
        listener(status);
      });
      // What arrived between start() and this call (another tab's status) is not missed.
      listener(running.status());
    },
    trigger(reason) {
      started().service.trigger(reason);
    },
    syncNow: () => started().service.syncNow(),
    setBudget: (bytes) => started().node.budget.setBudget(bytes),
    budget: () => started().node.budget.status(),
    async exportOutbox() {
      const { node: current } = started();
      const exported = await exportOutbox({
        engine: current.engine,
        local: current.local,
        chunks: current.chunks,
      });
      return {
        blob: exported.blob,
        fileName: exported.fileName,
        docs: exported.summary.docs,
        chunks: exported.summary.chunks,
      };
    },
    async kits() {
      const { node: current } = started();
      const listed = await current.kits.list();
      return Promise.all(
        listed.map(async ({ id, kit }) => ({ id, kit, coverage: await current.kits.coverage(id) })),
      );
    },
    async pinKit(id, kit, onProgress) {
      const { node: current, service: running } = started();
      await current.kits.pin(id, kit);
      // The kit is a document: it syncs like one (an analyst's kit reaches the field this way).
      running.trigger('local-change');
      return current.kits.fill(id, onProgress === undefined ? {} : { onProgress });
    },
    fillKit: (id, onProgress) =>
      started().node.kits.fill(id, onProgress === undefined ? {} : { onProgress }),
    unpinKit: (id) => started().node.kits.unpin(id),
    async removeKit(id) {
      const { node: current, service: running } = started();
      await current.kits.remove(id);
      running.trigger('local-change');
    },
    async importOutbox(file) {
      const { node: current, service: running } = started();
      const report = await importOutbox(file, {
        local: current.local,
        chunks: current.chunks,
        engine: current.engine,
      });
      running.trigger('local-change');
      return {
        written: report.written.length,
        unchanged: report.unchanged.length,
        conflicts: report.conflicts.length,
      };
    },
  };
}

export type { SyncStatusView };
