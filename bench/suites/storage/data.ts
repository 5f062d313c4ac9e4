// Seeded data for the storage benchmark. Chunk samples are random float32 in [1, 2) (23 random
// mantissa bits, like noisy sensor readings): Chromium compresses what it stores, so zeros or
// repeated values would flatter both sides. Documents are annotation-like, ~300 bytes of JSON.

import { Random } from '../../lib/random.ts';

export { Random };

/**
 * Fills `out` with random floats in [1, 2): exponent 0, random mantissa (finite, so sums stay
 * finite). Returns the float64 sum of the values in order.
 */
export function fillRandomFloats(out: Float32Array, random: Random): number {
  const words = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < words.length; i++) words[i] = 0x3f800000 | (random.u32() >>> 9);
  return sumFloats(out);
}

/** The float64 sum of `values` in order: the loop both sides of the iteration run. */
export function sumFloats(values: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  return sum;
}

/** Document types of the query case; half are annotations. */
const types = ['annotation', 'annotation', 'annotation', 'signal', 'asset', 'dataset'] as const;
export const datasetCount = 20;
const words = ['bearing', 'noise', 'spike', 'drift', 'gap', 'vibration', 'check', 'ok', 'pump'];

/** An annotation-like document (other types carry the same fields, as the query must tell them apart). */
export interface BenchDoc {
  type: string;
  datasetId: string;
  severity: number;
  signalId: string;
  t0: number;
  t1: number;
  author: string;
  label: string;
  text: string;
  createdAt: string;
}

export function docId(index: number): string {
  return `doc/${index.toString().padStart(7, '0')}`;
}

export function benchDoc(random: Random): BenchDoc {
  const t0 = 1_767_225_600_000 + random.int(1e9);
  let text = '';
  while (text.length < 80) text += `${words[random.int(words.length)] ?? 'x'} `;
  return {
    type: types[random.int(types.length)] ?? 'annotation',
    datasetId: `d${random.int(datasetCount)}`,
    severity: random.int(5),
    signalId: `sig/${random.hex(16)}`,
    t0,
    t1: t0 + random.int(600_000),
    author: `tech-${random.hex(6)}`,
    label: `label-${random.hex(8)}`,
    text: text.trim(),
    createdAt: new Date(t0).toISOString(),
  };
}

/** The query of the query case, and the same predicate written by hand for the peer. */
export const queryDataset = 'd7';
export const queryText = `type: "annotation" AND datasetId: "${queryDataset}" AND severity: >= 2`;

export function matchesByHand(content: Record<string, unknown>): boolean {
  return (
    content.type === 'annotation' &&
    content.datasetId === queryDataset &&
    typeof content.severity === 'number' &&
    content.severity >= 2
  );
}
