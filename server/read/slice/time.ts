// Times of slice rows, in integer microseconds since the epoch: Arrow's timestamp[us, UTC]
// unit, and fine enough for any sample rate the lake holds up to 1 MHz. Times are computed
// from the row index each time (never accumulated), so a long slice does not drift.
import { parseInstant } from '../../../src/shared/query/instant.ts';
import type { SliceInfo, TimeBase } from './types.ts';

const TWO_32 = 2 ** 32;

/** An ISO 8601 instant as integer microseconds since the epoch, or undefined if it is not one. */
export function instantToUs(text: string): number | undefined {
  const ms = parseInstant(text);
  return ms === undefined ? undefined : Math.round(ms * 1000);
}

/** Microseconds since the epoch of the start of absolute row `row`. */
export function rowTimeUs(time: TimeBase, samplesPerRow: number, row: number): number {
  return Math.round(time.t0Us + (row * samplesPerRow * 1e6) / time.sampleRate);
}

/**
 * Fills `out` with the times of rows first … first + out.length − 1. The 64-bit integers are
 * written as two 32-bit halves because converting each value through BigInt costs ~20× more
 * (a 5·10^7-row slice spends seconds in BigInt()). Little-endian host, as everywhere in the lake.
 */
export function fillRowTimesUs(
  time: TimeBase,
  samplesPerRow: number,
  first: number,
  out: BigInt64Array,
): void {
  const words = new Uint32Array(out.buffer, out.byteOffset, out.length * 2);
  for (let i = 0; i < out.length; i++) {
    const us = rowTimeUs(time, samplesPerRow, first + i);
    const high = Math.floor(us / TWO_32);
    words[2 * i] = us - high * TWO_32;
    words[2 * i + 1] = high >>> 0;
  }
}

/**
 * Whether the slice's times need microseconds in text (CSV): milliseconds suffice when t0 and
 * the row period are whole milliseconds, which keeps the common 1 Hz … 1 kHz files short.
 */
export function needsMicroseconds(info: Pick<SliceInfo, 'time' | 'samplesPerRow'>): boolean {
  const time = info.time;
  if (time === null) return false;
  const periodUs = (info.samplesPerRow * 1e6) / time.sampleRate;
  return time.t0Us % 1000 !== 0 || periodUs % 1000 !== 0;
}

function pad3(value: number): string {
  return String(value).padStart(3, '0');
}

/** `2024-05-01T12:00:00.250Z`, or with microseconds `2024-05-01T12:00:00.250125Z`. */
export function isoFromUs(us: number, microseconds: boolean): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString();
  return microseconds ? `${iso.slice(0, -1)}${pad3(us - ms * 1000)}Z` : iso;
}
