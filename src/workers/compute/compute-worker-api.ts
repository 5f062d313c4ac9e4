// What a compute worker offers the page (through comlink): run a job over a stored signal with
// progress, cancel it, and plan how a job may be split across workers. Built over injected
// storages so tests run it in Node without a worker; compute.worker.ts exposes it for real.
import * as Comlink from 'comlink';
import { isAlgorithmError } from '../../algorithms/errors.ts';
import { JioError } from '../../jio/errors.ts';
import type { SignalStore } from '../../jio/signals/signal-store.ts';
import type { Storage } from '../../jio/types.ts';
import { type CatalogOptions, createCatalog, entryOf } from './catalog.ts';
import type { ComputeJob, ComputeProgress, ComputeResult } from './jobs.ts';
import { runJob } from './run-job.ts';
import { saveResult } from './save-result.ts';
import { type BackendTiming, measureBackends } from './backend-choice.ts';

export interface JobPlan {
  start: number;
  end: number;
  /** Parts must start at multiples of this (whole windows); undefined: run it whole. */
  splitAlign?: number;
}

/** What a worker reads and writes: the local documents and the signals over its chunk store. */
export interface ComputeStores {
  storage: Storage;
  signals: SignalStore;
}

export interface ComputeWorkerApi {
  run(job: ComputeJob, onProgress?: (progress: ComputeProgress) => void): Promise<ComputeResult>;
  /** Stops the job at its next chunk; its run() rejects with `AbortError`. */
  cancel(jobId: string): Promise<void>;
  plan(job: ComputeJob): Promise<JobPlan>;
  /** Keeps `result` as a `derived` document (and output signals); answers its id. */
  save(result: ComputeResult): Promise<string>;
  /** Times every backend that starts here (backend-choice.ts). */
  measure(): Promise<BackendTiming[]>;
}

/**
 * An AlgorithmError becomes the JioError of the same code (the one error type that crosses
 * the worker boundary with its code); cancellation stays an AbortError.
 */
function toTransferable(error: unknown): unknown {
  if (!isAlgorithmError(error)) return error;
  if (error.code === 'aborted') return new DOMException(error.message, 'AbortError');
  return new JioError(error.code, error.message, { reason: 'algorithm' });
}

/** `stores` may be a function: the worker opens its storages on first use. */
export function createComputeWorkerApi(
  stores: ComputeStores | (() => ComputeStores),
  catalogOptions: CatalogOptions = {},
): ComputeWorkerApi {
  const { entries: catalog, windowKernels } = createCatalog(catalogOptions);
  const opened = (): ComputeStores => (typeof stores === 'function' ? stores() : stores);
  const storeOf = (): SignalStore => opened().signals;
  const running = new Map<string, AbortController>();
  return {
    async run(job, onProgress) {
      if (running.has(job.id)) throw new JioError('conflict', `job "${job.id}" is already running`);
      const controller = new AbortController();
      running.set(job.id, controller);
      try {
        const result = await runJob(job, {
          signals: storeOf(),
          catalog,
          signal: controller.signal,
          ...(onProgress === undefined ? {} : { onProgress }),
        });
        // Each buffer once (outputs may share one); a SharedArrayBuffer is shared, not moved.
        const buffers = new Set<ArrayBuffer>();
        for (const values of Object.values(result.outputs)) {
          if (values.buffer instanceof ArrayBuffer) buffers.add(values.buffer);
        }
        return Comlink.transfer(result, [...buffers]);
      } catch (error) {
        throw toTransferable(error);
      } finally {
        running.delete(job.id);
      }
    },
    cancel(jobId) {
      running.get(jobId)?.abort(new DOMException(`job "${jobId}" was cancelled`, 'AbortError'));
      return Promise.resolve();
    },
    measure: () => measureBackends(windowKernels),
    async save(result) {
      try {
        return await saveResult(result, opened());
      } catch (error) {
        throw toTransferable(error);
      }
    },
    async plan(job) {
      try {
        const entry = entryOf(catalog, job.algorithm);
        const header = await storeOf().header(job.signal);
        const splitAlign = entry.splitAlign?.(job.params);
        return {
          start: job.start ?? 0,
          end: job.end ?? header.length,
          ...(splitAlign === undefined ? {} : { splitAlign }),
        };
      } catch (error) {
        throw toTransferable(error);
      }
    },
  };
}
