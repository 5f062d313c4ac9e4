// The page's side of the sync worker: starts it, forwards what only a page sees (visibility;
// `online` too, though workers get it), asks for persistent storage (a window-only API), keeps
// a Background Sync registration while work waits for the network, and hands the latest
// status to whoever listens (the Sync screen).
import * as Comlink from 'comlink';
import { installJioErrorTransfer } from '../../jio/comlink-transfer.ts';
import { BACKGROUND_SYNC_TAG } from '../../jio/sync/sync-node.ts';
import type { SyncStatusView, SyncWorkerApi } from '../../workers/sync-worker-api.ts';

export type { SyncStatusView };

export interface SyncClient {
  /** The latest status (undefined until the worker has started). */
  readonly current: SyncStatusView | undefined;
  subscribe(listener: (status: SyncStatusView) => void): () => void;
  syncNow(): Promise<SyncStatusView>;
  /** Asks the browser to keep this origin's data; answers whether it will. */
  requestPersistence(): Promise<boolean>;
  /** The worker's API for everything else (budget, export, import). */
  readonly worker: Comlink.Remote<SyncWorkerApi>;
}

interface SyncManagerLike {
  register(tag: string): Promise<void>;
}

export function startSyncClient(): SyncClient {
  installJioErrorTransfer();
  const worker = Comlink.wrap<SyncWorkerApi>(
    new Worker(new URL('../../workers/sync.worker.ts', import.meta.url), {
      type: 'module',
      name: 'fieldlake-sync',
    }),
  );
  const listeners = new Set<(status: SyncStatusView) => void>();
  let current: SyncStatusView | undefined;
  let backgroundRegistered = false;
  const publish = (status: SyncStatusView): void => {
    current = status;
    for (const listener of listeners) listener(status);
    void keepBackgroundSync(status);
  };
  // While work waits and the lake cannot be reached, ask the browser to wake the service
  // worker when the network returns, even if every tab is closed by then.
  const keepBackgroundSync = async (status: SyncStatusView): Promise<void> => {
    const waiting = status.pending > 0 && status.scheduler.state === 'retry-wait';
    if (!waiting || backgroundRegistered || !('serviceWorker' in navigator)) return;
    try {
      const registration = (await navigator.serviceWorker.ready) as ServiceWorkerRegistration & {
        sync?: SyncManagerLike;
      };
      await registration.sync?.register(BACKGROUND_SYNC_TAG);
      backgroundRegistered = true;
    } catch {
      // No Background Sync (Firefox, Safari) or not allowed: the tab's timer retries.
    }
  };
  void (async () => {
    try {
      publish(await worker.start());
      await worker.subscribe(Comlink.proxy(publish));
    } catch (error) {
      console.error('Fieldlake could not start sync', error);
    }
  })();
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void worker.trigger('visible');
  });
  window.addEventListener('online', () => {
    backgroundRegistered = false;
    void worker.trigger('online');
  });
  return {
    get current() {
      return current;
    },
    subscribe(listener) {
      listeners.add(listener);
      if (current !== undefined) listener(current);
      return () => listeners.delete(listener);
    },
    syncNow: () => worker.syncNow(),
    async requestPersistence() {
      try {
        if (await navigator.storage.persisted()) return true;
        return await navigator.storage.persist();
      } catch {
        return false;
      }
    },
    worker,
  };
}
