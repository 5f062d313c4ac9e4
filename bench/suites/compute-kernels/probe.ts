// What the compute-kernels rows compare between ours and the peer: a stream's outputs at the
// indices 0, stride, 2·stride, … (picked chunk by chunk as the outputs arrive, so a pass never
// keeps its whole output), and the norm-wise relative difference of two such lists.

/** Collects the values at global indices k·stride of a stream of output chunks. */
export class StridedProbe {
  readonly values: number[] = [];
  /** Outputs seen so far. */
  count = 0;

  constructor(readonly stride: number) {
    if (!Number.isInteger(stride) || stride < 1)
      throw new Error(`probe stride must be a positive integer, got ${String(stride)}`);
  }

  /** Takes the next chunk of outputs (its first value has global index `count`). */
  add(chunk: ArrayLike<number>): void {
    const first = (this.stride - (this.count % this.stride)) % this.stride;
    for (let i = first; i < chunk.length; i += this.stride) this.values.push(chunk[i] as number);
    this.count += chunk.length;
  }
}

/**
 * ‖ours − peer‖₂ / ‖peer‖₂; Infinity when the lengths differ or a value is not finite (a
 * check against it then fails), 0 for two empty lists.
 */
export function relativeNormError(ours: readonly number[], peer: readonly number[]): number {
  if (ours.length !== peer.length) return Infinity;
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < peer.length; i++) {
    const p = peer[i] as number;
    const d = (ours[i] as number) - p;
    diff += d * d;
    norm += p * p;
  }
  if (!Number.isFinite(diff) || !Number.isFinite(norm)) return Infinity;
  if (diff === 0) return 0;
  return norm === 0 ? Infinity : Math.sqrt(diff / norm);
}
