// The split-invariance check every algorithm's property test makes: the input cut at `cuts`
// (any numbers, taken modulo its length + 1), each piece through `update` with the state
// structured-cloned between pieces (as a job carries it from worker to worker), then `finish`.
import type { FloatArray, FloatDtype, StreamingAlgorithm } from '../types.ts';

export function runSplit<P, S, O>(
  algorithm: StreamingAlgorithm<P, S, O>,
  params: P,
  dtype: FloatDtype,
  values: FloatArray,
  cuts: readonly number[],
): O[] {
  let state = algorithm.init(params, dtype);
  const points = [...new Set(cuts.map((cut) => cut % (values.length + 1)))].sort((a, b) => a - b);
  const parts: O[] = [];
  let from = 0;
  for (const to of [...points, values.length]) {
    parts.push(algorithm.update(state, values.subarray(from, to)));
    state = structuredClone(state);
    from = to;
  }
  parts.push(algorithm.finish(state));
  return parts;
}
