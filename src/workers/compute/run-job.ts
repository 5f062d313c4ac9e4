// Runs one compute job where the data is: reads the signal's chunks in order from the chunk
// store (bounded memory: a few chunks at a time), feeds each to the algorithm's runner,
// reports progress after every chunk and stops at the next chunk once the job is cancelled.
import { AlgorithmError } from '../../algorithms/errors.ts';
import { concatArrays, type FloatArray, type FloatDtype } from '../../algorithms/types.ts';
import { JioError } from '../../jio/errors.ts';
import type { SignalStore } from '../../jio/signals/signal-store.ts';
import { type CatalogEntry, entryOf } from './catalog.ts';
import {
  type ComputeJob,
  type ComputeOutputs,
  type ComputeProgress,
  type ComputeResult,
  MAX_OUTPUT_BYTES,
} from './jobs.ts';

export interface RunOptions {
  signals: SignalStore;
  catalog: Map<string, CatalogEntry>;
  onProgress?: (progress: ComputeProgress) => void;
  signal?: AbortSignal;
}

/** The float type an algorithm reads a stored dtype as: integers exactly, float64 as itself. */
function floatDtypeOf(dtype: string): FloatDtype {
  return dtype === 'float64' || dtype === 'int32' ? 'float64' : 'float32';
}

function asFloat(values: ArrayLike<number>, dtype: FloatDtype): FloatArray {
  if (dtype === 'float32')
    return values instanceof Float32Array ? values : Float32Array.from(values);
  return values instanceof Float64Array ? values : Float64Array.from(values);
}

/** Output parts per name, concatenated at the end (with a cap on the total). */
class Collector {
  readonly #parts = new Map<string, FloatArray[]>();
  #bytes = 0;

  add(outputs: ComputeOutputs): void {
    for (const [name, values] of Object.entries(outputs)) {
      this.#bytes += values.byteLength;
      if (this.#bytes > MAX_OUTPUT_BYTES) {
        throw new AlgorithmError(
          'payload_too_large',
          `the output passed ${String(MAX_OUTPUT_BYTES / 2 ** 20)} MiB: compute a shorter range or a coarser window`,
        );
      }
      const list = this.#parts.get(name) ?? [];
      // The kernels reuse nothing they return, but a subarray of a bigger buffer would pin it.
      list.push(values);
      this.#parts.set(name, list);
    }
  }

  result(): ComputeOutputs {
    const out: ComputeOutputs = {};
    for (const [name, parts] of this.#parts) {
      const dtype = parts[0] instanceof Float64Array ? 'float64' : 'float32';
      out[name] =
        parts.length === 1 && parts[0] !== undefined ? parts[0] : concatArrays(dtype, parts);
    }
    return out;
  }
}

export async function runJob(job: ComputeJob, options: RunOptions): Promise<ComputeResult> {
  const began = performance.now();
  const entry = entryOf(options.catalog, job.algorithm);
  const params = entry.params(job.params);
  const header = await options.signals.header(job.signal, { signal: options.signal });
  const start = job.start ?? 0;
  const end = job.end ?? header.length;
  if (
    !Number.isSafeInteger(start) ||
    !Number.isSafeInteger(end) ||
    start < 0 ||
    end > header.length ||
    start > end
  ) {
    throw new JioError(
      'range_not_satisfiable',
      `samples [${String(start)}, ${String(end)}) are outside "${job.signal}" (0…${String(header.length)})`,
    );
  }
  const dtype = floatDtypeOf(header.dtype);
  const runner = await entry.start(params, dtype, job.backend ?? 'auto', job.preferred);
  const collector = new Collector();
  const inputChunks: string[] = [];
  const total = end - start;
  let done = 0;
  options.onProgress?.({ jobId: job.id, done, total });
  for await (const piece of options.signals.iterate(job.signal, {
    start,
    end,
    signal: options.signal,
  })) {
    collector.add(await runner.update(asFloat(piece.values, dtype), piece.nanFree));
    if (inputChunks[inputChunks.length - 1] !== piece.sha256) inputChunks.push(piece.sha256);
    done += piece.values.length;
    options.onProgress?.({ jobId: job.id, done, total });
    options.signal?.throwIfAborted();
  }
  collector.add(await runner.finish());
  return {
    jobId: job.id,
    algorithm: entry.name,
    version: entry.version,
    params: job.params,
    backend: runner.backend,
    ...(runner.fellBack === undefined ? {} : { fellBack: runner.fellBack }),
    signal: job.signal,
    start,
    end,
    inputChunks,
    outputs: collector.result(),
    seconds: (performance.now() - began) / 1000,
  };
}
