// Which samples and rows a slice request names. `start` and `end` are sample indices (end
// exclusive) or ISO 8601 instants, converted with the signal's regular time base: the first
// sample at or after the instant, for both bounds, so [start, end) holds exactly the samples
// whose time t satisfies start ≤ t < end. Bounds are clamped to the signal; a level's rows are
// the buckets that overlap the sample range.
import { HttpError } from '../../http/errors.ts';
import { instantToUs, rowTimeUs } from './time.ts';
import type { TimeBase } from './types.ts';

/** What of a signal header the range needs. */
export interface RangeSignal {
  /** Valid samples. */
  length: number;
  /** The regular time base, when the header has a usable t0 and sampleRate. */
  time: TimeBase | null;
  /** Whether the signal's times live in another signal (irregular sampling). */
  irregular: boolean;
}

export interface SampleRange {
  /** First sample, 0 ≤ start ≤ end. */
  start: number;
  /** One past the last sample, ≤ the signal's length. */
  end: number;
}

const INDEX = /^[0-9]+$/;

function bad(message: string, reason: string): HttpError {
  return new HttpError('bad_request', message, { reason });
}

/** A bound as an unclamped sample index (negative or past the end for instants outside). */
export function parseBound(text: string, name: 'start' | 'end', signal: RangeSignal): number {
  if (INDEX.test(text)) {
    const index = Number(text);
    if (!Number.isSafeInteger(index)) {
      throw bad(`${name} ${text} is not a sample index (too large)`, 'invalid_range');
    }
    return index;
  }
  const us = instantToUs(text);
  if (us === undefined) {
    throw bad(
      `${name} must be a sample index (an integer ≥ 0) or an ISO 8601 instant, got "${text}"`,
      'invalid_range',
    );
  }
  if (signal.irregular) {
    throw bad(
      `${name} is a time, but this signal is irregularly sampled: give sample indices`,
      'irregular_signal',
    );
  }
  const time = signal.time;
  if (time === null) {
    throw bad(
      `${name} is a time, but this signal has no time base (t0 and sampleRate): give sample indices`,
      'no_time_base',
    );
  }
  // The first sample whose time, to the microsecond as slices print it, is at or after the
  // instant: a time copied from a CSV slice names exactly that sample, at any rate. The
  // product is within a fraction of a sample of the answer; the loops settle the rounding.
  let index = Math.ceil(((us - time.t0Us) * time.sampleRate) / 1e6);
  if (Math.abs(index) < 2 ** 52) {
    const at = (sample: number) => rowTimeUs(time, 1, sample);
    while (at(index - 1) >= us) index--;
    while (at(index) < us) index++;
  }
  return index;
}

/** The samples [start, end) a request names; 400 when start comes after end. */
export function sampleRange(
  query: { start?: string | undefined; end?: string | undefined },
  signal: RangeSignal,
): SampleRange {
  const start = query.start === undefined ? 0 : parseBound(query.start, 'start', signal);
  const end = query.end === undefined ? signal.length : parseBound(query.end, 'end', signal);
  if (query.start !== undefined && query.end !== undefined && start > end) {
    throw bad(`start (${query.start}) comes after end (${query.end})`, 'invalid_range');
  }
  const clamp = (index: number) => Math.min(Math.max(index, 0), signal.length);
  const clampedStart = clamp(start);
  return { start: clampedStart, end: Math.max(clamp(end), clampedStart) };
}

/** The buckets of `bucketLength` samples that overlap the range, within a level of `levelLength` buckets. */
export function bucketRange(
  range: SampleRange,
  bucketLength: number,
  levelLength: number,
): { first: number; end: number } {
  const first = Math.min(Math.floor(range.start / bucketLength), levelLength);
  if (range.start >= range.end) return { first, end: first };
  return { first, end: Math.min(Math.ceil(range.end / bucketLength), levelLength) };
}
