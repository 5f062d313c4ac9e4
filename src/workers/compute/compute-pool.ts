// The page's pool of compute workers: as many as the device has cores (at most 8), started on
// first use. Jobs queue in order; a job whose algorithm allows it is split at whole windows
// across the idle workers and its parts' outputs joined in order. Progress is summed over the
// parts; aborting the caller's signal cancels every part and rejects at once.
import type { ComputeWorkerApi } from './compute-worker-api.ts';
import type { ComputeJob, ComputeOutputs, ComputeProgress, ComputeResult } from './jobs.ts';
import { type BackendName, concatArrays } from '../../algorithms/types.ts';
import { type BackendTiming, preferenceOf } from './backend-choice.ts';

/** A worker as the pool sees it: the comlink proxy (or, in tests, the API itself). */
export interface PoolWorker {
  api: ComputeWorkerApi;
  terminate(): void;
}

/** Where the measured backend order is kept between sessions (localStorage in a browser). */
export interface PreferenceCache {
  load(): BackendName[] | undefined;
  store(order: BackendName[], timings: BackendTiming[]): void;
}

export interface PoolOptions {
  size: number;
  spawn: () => PoolWorker;
  preferences?: PreferenceCache;
}

export interface SubmitOptions {
  onProgress?: (progress: ComputeProgress) => void;
  signal?: AbortSignal;
  /** Split over at most this many workers when the algorithm allows (default: all). */
  parallel?: number;
  /** Keep the result as a `derived` document (its id comes back as `savedAs`). */
  save?: boolean;
}

export function defaultPoolSize(cores = globalThis.navigator.hardwareConcurrency): number {
  return Math.max(1, Math.min(8, Number.isInteger(cores) && cores > 0 ? cores : 2));
}

/** Parts of [start, end) cut at multiples of `align`, at most `count`, none empty. */
export function splitRange(
  start: number,
  end: number,
  align: number,
  count: number,
): { start: number; end: number }[] {
  const windows = Math.ceil((end - start) / align);
  const parts = Math.max(1, Math.min(count, windows));
  const out: { start: number; end: number }[] = [];
  for (let i = 0; i < parts; i++) {
    const from = start + Math.floor((windows * i) / parts) * align;
    const to = i === parts - 1 ? end : start + Math.floor((windows * (i + 1)) / parts) * align;
    if (to > from) out.push({ start: from, end: to });
  }
  return out;
}

function joinOutputs(parts: ComputeOutputs[]): ComputeOutputs {
  const out: ComputeOutputs = {};
  for (const name of Object.keys(parts[0] ?? {})) {
    const arrays = parts.map((part) => part[name]).filter((values) => values !== undefined);
    const dtype = arrays[0] instanceof Float64Array ? 'float64' : 'float32';
    out[name] =
      arrays.length === 1 && arrays[0] !== undefined ? arrays[0] : concatArrays(dtype, arrays);
  }
  return out;
}

export class ComputePool {
  readonly size: number;
  readonly #spawn: () => PoolWorker;
  readonly #cache: PreferenceCache | undefined;
  #preferred: Promise<BackendName[]> | undefined;
  readonly #idle: PoolWorker[] = [];
  readonly #all: PoolWorker[] = [];
  readonly #waiting: ((worker: PoolWorker) => void)[] = [];
  #next = 0;

  constructor(options: PoolOptions) {
    this.size = options.size;
    this.#spawn = options.spawn;
    this.#cache = options.preferences;
  }

  /** This device's backend order for `auto` jobs: cached, or measured once in a worker. */
  preferred(): Promise<BackendName[]> {
    this.#preferred ??= (async () => {
      const cached = this.#cache?.load();
      if (cached !== undefined) return cached;
      const worker = await this.#acquire();
      try {
        const timings = await worker.api.measure();
        const order = preferenceOf(timings);
        this.#cache?.store(order, timings);
        return order;
      } finally {
        this.#release(worker);
      }
    })();
    return this.#preferred;
  }

  async #acquire(): Promise<PoolWorker> {
    const idle = this.#idle.pop();
    if (idle !== undefined) return idle;
    if (this.#all.length < this.size) {
      const worker = this.#spawn();
      this.#all.push(worker);
      return worker;
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(worker: PoolWorker): void {
    const waiter = this.#waiting.shift();
    if (waiter !== undefined) waiter(worker);
    else this.#idle.push(worker);
  }

  /** Runs `job`, split across workers when its algorithm allows. */
  async run(request: ComputeJob, options: SubmitOptions = {}): Promise<ComputeResult> {
    options.signal?.throwIfAborted();
    const began = performance.now();
    const auto = (request.backend ?? 'auto') === 'auto' && request.preferred === undefined;
    const job = auto ? { ...request, preferred: await this.preferred() } : request;
    const planner = await this.#acquire();
    let plan;
    try {
      plan = await planner.api.plan(job);
    } finally {
      this.#release(planner);
    }
    const want = Math.min(options.parallel ?? this.size, this.size);
    const whole = [{ start: plan.start, end: plan.end }];
    const split =
      plan.splitAlign === undefined || want <= 1
        ? whole
        : splitRange(plan.start, plan.end, plan.splitAlign, want);
    // An empty range still runs once: the algorithm defines its empty result.
    const ranges = split.length > 0 ? split : whole;
    const done = ranges.map(() => 0);
    const total = plan.end - plan.start;
    const parts = ranges.map((range, index) => ({
      ...job,
      id: ranges.length === 1 ? job.id : `${job.id}#${String(index)}`,
      start: range.start,
      end: range.end,
    }));
    const cancels: (() => void)[] = [];
    const cancelAll = (): void => {
      for (const cancel of cancels) cancel();
    };
    const signal = options.signal;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_resolve, reject) => {
      if (signal === undefined) return;
      onAbort = () => {
        cancelAll();
        reject(
          signal.reason instanceof Error
            ? signal.reason
            : new DOMException('cancelled', 'AbortError'),
        );
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => undefined);
    const runPart = async (part: ComputeJob, index: number): Promise<ComputeResult> => {
      const worker = await this.#acquire();
      cancels.push(() => {
        void worker.api.cancel(part.id);
      });
      try {
        signal?.throwIfAborted();
        return await worker.api.run(part, (progress) => {
          done[index] = progress.done;
          options.onProgress?.({ jobId: job.id, done: done.reduce((a, b) => a + b, 0), total });
        });
      } finally {
        this.#release(worker);
      }
    };
    let results: ComputeResult[];
    try {
      results = await Promise.race([Promise.all(parts.map(runPart)), aborted]);
    } catch (error) {
      // One part failed (or the caller cancelled): the others stop too, rather than run on.
      cancelAll();
      throw error;
    } finally {
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    }
    const first = results[0];
    if (first === undefined) throw new Error('a job ran no part');
    const inputChunks: string[] = [];
    for (const result of results) {
      for (const sha of result.inputChunks) {
        if (inputChunks[inputChunks.length - 1] !== sha) inputChunks.push(sha);
      }
    }
    const result: ComputeResult = {
      ...first,
      jobId: job.id,
      start: plan.start,
      end: plan.end,
      inputChunks,
      outputs: joinOutputs(results.map((part) => part.outputs)),
      seconds: (performance.now() - began) / 1000,
    };
    if (options.save === true) {
      const saver = await this.#acquire();
      try {
        // Copied, not transferred: the caller keeps the outputs.
        result.savedAs = await saver.api.save(result);
      } finally {
        this.#release(saver);
      }
    }
    return result;
  }

  /** A fresh job id for callers that have none. */
  jobId(): string {
    this.#next++;
    return `job-${String(Date.now())}-${String(this.#next)}`;
  }

  terminate(): void {
    for (const worker of this.#all) worker.terminate();
    this.#all.length = 0;
    this.#idle.length = 0;
  }
}
