// Catalog entries for the algorithms that run on their TypeScript reference (every backend
// request but js or auto is refused as unavailable): Welch, robust statistics, escalated
// max. Their outputs become named arrays: a typed array is `values`; an object's typed-array
// fields keep their names; a Welch result adds `segments` = [averaged, skipped].
import { escalatedMax } from '../../algorithms/escalated-max/reference.ts';
import { AlgorithmError } from '../../algorithms/errors.ts';
import { rollingMeanStd } from '../../algorithms/robust/meanStd.ts';
import { rollingMedianMad } from '../../algorithms/robust/medianMad.ts';
import { robustZScore } from '../../algorithms/robust/zscore.ts';
import { welch } from '../../algorithms/spectral/welch.ts';
import type { FloatArray, StreamingAlgorithm } from '../../algorithms/types.ts';
import type { CatalogEntry } from './catalog.ts';
import type { ComputeOutputs } from './jobs.ts';

function isFloatArray(value: unknown): value is FloatArray {
  return value instanceof Float32Array || value instanceof Float64Array;
}

/** The named arrays of an algorithm's output (see the header). */
export function outputsOf(output: unknown): ComputeOutputs {
  if (output === null || output === undefined) return {};
  if (isFloatArray(output)) return { values: output };
  const named: ComputeOutputs = {};
  for (const [name, value] of Object.entries(output as Record<string, unknown>)) {
    if (isFloatArray(value)) named[name === 'data' ? 'spectrum' : name] = value;
  }
  const { segments, skippedSegments } = output as { segments?: unknown; skippedSegments?: unknown };
  if (typeof segments === 'number' && typeof skippedSegments === 'number') {
    named.segments = Float64Array.of(segments, skippedSegments);
  }
  return named;
}

function referenceEntry<P, S, O>(algorithm: StreamingAlgorithm<P, S, O>): CatalogEntry {
  return {
    name: algorithm.name,
    version: algorithm.version,
    params: (input) => algorithm.params(input),
    start(params, dtype, backend) {
      if (backend !== 'auto' && backend !== 'js') {
        return Promise.reject(
          new AlgorithmError('unavailable', `${algorithm.name} runs on js only, not ${backend}`),
        );
      }
      // `params` were checked by `params()` in run-job.ts (normalised values may hold typed arrays).
      const state = algorithm.init(params as P, dtype);
      return Promise.resolve({
        backend: 'js',
        update: (chunk) => Promise.resolve(outputsOf(algorithm.update(state, chunk))),
        finish: () => Promise.resolve(outputsOf(algorithm.finish(state))),
      });
    },
  };
}

export function referenceEntries(): CatalogEntry[] {
  return [
    referenceEntry(welch),
    referenceEntry(rollingMeanStd),
    referenceEntry(rollingMedianMad),
    referenceEntry(robustZScore),
    referenceEntry(escalatedMax),
  ];
}
