// Test support of the spectral case tables: the fixture's inputs rebuilt per case (an offset
// added and rounded to float32 as the script does, non-finite samples put in), and streaming
// a case's input in chunks of a given size.
import { castTo, decodeFloat64 } from '../test-support/fixtures.ts';
import type { FloatArray, FloatDtype } from '../types.ts';
import fixture from './fixtures/spectral.json' with { type: 'json' };

export { fixture };

export interface InputSpec {
  input: string;
  count: number;
  add?: number;
  replace?: [number, string][];
}

const inputs = new Map(
  Object.entries(fixture.inputs).map(([key, text]) => [key, decodeFloat64(text)]),
);

export function inputOf(spec: InputSpec, dtype: FloatDtype): FloatArray {
  const base = inputs.get(spec.input);
  if (base === undefined) throw new Error(`no input ${spec.input}`);
  const values = Float64Array.from(base);
  if (spec.add !== undefined) {
    for (let i = 0; i < values.length; i++)
      values[i] = Math.fround((values[i] as number) + spec.add);
  }
  for (const [index, value] of spec.replace ?? []) values[index] = Number(value);
  return castTo(dtype, values.subarray(0, spec.count));
}

/** Cuts `values` into chunks of `size` (the last shorter). */
export function chunksOf(values: FloatArray, size: number): FloatArray[] {
  const chunks: FloatArray[] = [];
  for (let at = 0; at < values.length; at += size) chunks.push(values.subarray(at, at + size));
  return chunks;
}

/** The chunk sizes every streaming case is also run with (its output must not change). */
export const CHUNK_SIZES = [1, 7, 100, 127, 128, 255, 256, 257, 1000, 4099];
