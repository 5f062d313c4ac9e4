// Timing, medians, interleaving of ours against a peer, and the ratio's orientation.
import type { BenchResult, Direction } from './types.ts';

/** Median of the samples (mean of the two middle ones for an even count). */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new Error('median of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
}

/** Milliseconds `fn` takes, with `performance.now`. */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/**
 * Ratio oriented so that above 1 means ours is ahead of the peer:
 * `higher` is better → value / peerValue; `lower` is better → peerValue / value.
 */
export function ratioOf(direction: Direction, value: number, peerValue: number): number {
  if (!(value > 0) || !(peerValue > 0)) {
    throw new Error(`ratio needs two positive figures, got ${value} and ${peerValue}`);
  }
  return direction === 'higher' ? value / peerValue : peerValue / value;
}

export interface InterleavedSamples {
  ours: number[];
  peer: number[];
}

/**
 * Runs `ours` and `peer` alternately for `rounds` rounds and collects one sample of each per round.
 * The order flips every round (ours first on even rounds, the peer first on odd ones), so neither
 * side always profits from a warmer cache or suffers the other's garbage collection.
 */
export async function interleave(
  rounds: number,
  ours: (round: number) => Promise<number>,
  peer: (round: number) => Promise<number>,
): Promise<InterleavedSamples> {
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`rounds must be a positive integer, got ${rounds}`);
  const samples: InterleavedSamples = { ours: [], peer: [] };
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      samples.ours.push(await ours(round));
      samples.peer.push(await peer(round));
    } else {
      samples.peer.push(await peer(round));
      samples.ours.push(await ours(round));
    }
  }
  return samples;
}

/** The fields of a result that describe the case rather than the figures. */
export interface CaseDescription {
  case: string;
  metric: string;
  unit: string;
  direction: Direction;
  backend: string;
  speedFigure?: boolean;
  target?: number | null;
  anchor?: string | null;
}

/** A result from our samples and, when something ran beside ours, the peer's samples. */
export function resultFrom(
  description: CaseDescription,
  ours: readonly number[],
  peer?: { name: string; samples: readonly number[] },
): BenchResult {
  const value = median(ours);
  const peerValue = peer ? median(peer.samples) : null;
  if (peer && peer.samples.length !== ours.length) {
    throw new Error(
      `${description.case}: ${ours.length} samples of ours but ${peer.samples.length} of the peer`,
    );
  }
  return {
    case: description.case,
    metric: description.metric,
    value,
    unit: description.unit,
    direction: description.direction,
    backend: description.backend,
    speedFigure: description.speedFigure ?? true,
    target: description.target ?? null,
    peer: peer?.name ?? null,
    peerValue,
    ratio: peerValue === null ? null : ratioOf(description.direction, value, peerValue),
    anchor: description.anchor ?? null,
    rounds: ours.length,
  };
}
