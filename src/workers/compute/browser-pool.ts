// The compute pool in a browser: module workers built by vite from compute.worker.ts, wrapped
// with comlink. One per core (at most 8); they open the app's IndexedDB themselves.
import * as Comlink from 'comlink';
import { installJioErrorTransfer } from '../../jio/comlink-transfer.ts';
import { ComputePool, defaultPoolSize } from './compute-pool.ts';
import type { ComputeWorkerApi } from './compute-worker-api.ts';

export interface ComputeWorkerRemote extends ComputeWorkerApi {
  /** Tests only: the IndexedDB database to read instead of the app's. Before the first job. */
  useDatabase(name: string): void;
}

export interface BrowserPoolOptions {
  size?: number;
  database?: string;
}

export function createBrowserComputePool(options: BrowserPoolOptions = {}): ComputePool {
  installJioErrorTransfer();
  return new ComputePool({
    size: options.size ?? defaultPoolSize(),
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
