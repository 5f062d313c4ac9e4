// The compute pool in a browser: module workers built by vite from compute.worker.ts, wrapped
// with comlink. One per core (at most 8); they open the app's IndexedDB themselves.
import * as Comlink from 'comlink';
import { installJioErrorTransfer } from '../../jio/comlink-transfer.ts';
import type { BackendName } from '../../algorithms/types.ts';
import { ComputePool, defaultPoolSize, type PreferenceCache } from './compute-pool.ts';
import type { ComputeWorkerApi } from './compute-worker-api.ts';

export interface ComputeWorkerRemote extends ComputeWorkerApi {
  /** Tests only: the IndexedDB database to read instead of the app's. Before the first job. */
  useDatabase(name: string): void;
}

export interface BrowserPoolOptions {
  size?: number;
  database?: string;
}

const PREFERENCE_KEY = 'fieldlake-compute-backends';

interface KeyValue {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** The page's localStorage (this file is type-checked with the worker lib, which has none). */
function keyValue(): KeyValue | undefined {
  return (globalThis as { localStorage?: KeyValue }).localStorage;
}

/** The measured order, kept for this browser build and core count; re-measured when they change. */
const localPreferences: PreferenceCache = {
  load() {
    try {
      const saved = JSON.parse(keyValue()?.getItem(PREFERENCE_KEY) ?? 'null') as {
        device?: string;
        order?: BackendName[];
      } | null;
      return saved?.device === deviceKey() ? saved.order : undefined;
    } catch {
      return undefined;
    }
  },
  store(order, timings) {
    const entry = { device: deviceKey(), order, timings, measuredAt: new Date().toISOString() };
    keyValue()?.setItem(PREFERENCE_KEY, JSON.stringify(entry));
  },
};

function deviceKey(): string {
  return `${navigator.userAgent} · ${String(navigator.hardwareConcurrency)} cores`;
}

export function createBrowserComputePool(options: BrowserPoolOptions = {}): ComputePool {
  installJioErrorTransfer();
  return new ComputePool({
    size: options.size ?? defaultPoolSize(),
    preferences: localPreferences,
    spawn() {
      // One expression: vite bundles the worker only when it sees `new Worker(new URL(…))`.
      const worker = new Worker(new URL('../compute.worker.ts', import.meta.url), {
        type: 'module',
        name: 'fieldlake-compute',
      });
      const remote = Comlink.wrap<ComputeWorkerRemote>(worker);
      if (options.database !== undefined) void remote.useDatabase(options.database);
      const api: ComputeWorkerApi = {
        run: (job, onProgress) =>
          remote.run(job, onProgress === undefined ? undefined : Comlink.proxy(onProgress)),
        cancel: (jobId) => remote.cancel(jobId),
        plan: (job) => remote.plan(job),
        save: (result) => remote.save(result),
        measure: () => remote.measure(),
      };
      return {
        api,
        terminate() {
          remote[Comlink.releaseProxy]();
          worker.terminate();
        },
      };
    },
  });
}
