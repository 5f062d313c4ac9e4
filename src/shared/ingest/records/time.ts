// Event times as collectors write them → milliseconds since the epoch (fractional: EventTime and
// fluent-bit doubles carry µs/ns), and the accepted range.
import { parseInstant } from '../../query/instant.ts';
import type { TimeFormat } from './options.ts';

/** Times from 1970-01-01T00:00:00Z (inclusive) to 2100-01-01T00:00:00Z (exclusive) are accepted. */
export const MIN_TIME_MS = 0;
export const MAX_TIME_MS = Date.UTC(2100, 0, 1);

/**
 * Fluentd's EventTime (msgpack ext type 0): uint32 seconds and uint32 nanoseconds, big-endian.
 * Fluent-bit and fluentd write it for every event time.
 */
export class EventTime {
  constructor(
    readonly seconds: number,
    readonly nanoseconds: number,
  ) {}

  toMs(): number {
    return this.seconds * 1000 + this.nanoseconds / 1e6;
  }
}

/** Collectd's cdtime_t (2^-30 s units): any time ≥ 2^50 is one, as seconds would be past 2100. */
const CDTIME_THRESHOLD = 2 ** 50;

/** A collectd `time`: seconds (`%.3f`), or a raw cdtime_t from other collectd JSON writers. */
export function collectdTimeMs(time: number): number {
  return time >= CDTIME_THRESHOLD ? (time * 1000) / 2 ** 30 : time * 1000;
}

export function inRange(ms: number): boolean {
  return ms >= MIN_TIME_MS && ms < MAX_TIME_MS;
}

function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  // NaN (past the end) fails both tests too.
  if (!(a >= 0 && a <= 9 && b >= 0 && b <= 9)) return -1;
  return a * 10 + b;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * `YYYY-MM-DD(T| )hh:mm:ss[.fraction][Z|±hh[:]mm]` read by hand (no per-record regex); no
 * offset means UTC, as fluent-bit's iso8601 and java_sql_timestamp are. Anything else goes to
 * the general ISO 8601 reader, which computes the same value for the same text.
 */
export function parseTimeString(text: string): number | undefined {
  const century = twoDigits(text, 0);
  const yy = twoDigits(text, 2);
  const year = century * 100 + yy;
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  const separator = text.charCodeAt(10);
  if (
    century < 19 ||
    yy < 0 ||
    year > 2100 ||
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    !(separator === 84 || separator === 32 || separator === 116) ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59
  ) {
    return parseInstant(text);
  }
  let at = 19;
  let sub = 0;
  const mark = text.charCodeAt(at);
  if (mark === 46 || mark === 44) {
    let end = at + 1;
    for (;;) {
      const digit = text.charCodeAt(end) - 48;
      if (!(digit >= 0 && digit <= 9)) break;
      end++;
    }
    if (end === at + 1) return parseInstant(text);
    // The same arithmetic as parseInstant, so both readers agree to the last bit.
    sub = Number(`0.${text.slice(at + 1, end)}`) * 1000;
    at = end;
  }
  let offset = 0;
  if (at < text.length) {
    const zone = text.charCodeAt(at);
    if ((zone === 90 || zone === 122) && at + 1 === text.length) {
      offset = 0;
    } else if (zone === 43 || zone === 45) {
      const oh = twoDigits(text, at + 1);
      let rest = at + 3;
      if (text.charCodeAt(rest) === 58) rest++;
      const om = rest === text.length ? 0 : twoDigits(text, rest);
      if (oh < 0 || oh > 23 || om < 0 || om > 59) return parseInstant(text);
      if (rest !== text.length && rest + 2 !== text.length) return parseInstant(text);
      offset = (zone === 45 ? -1 : 1) * (oh * 60 + om) * 60_000;
    } else {
      return parseInstant(text);
    }
  }
  const whole = Date.UTC(year, month - 1, day, hour, minute, second);
  return whole - offset + sub;
}

/** A record's time field → ms, or undefined when the value is not a time. */
export function timeOfValue(value: unknown, format: TimeFormat): number | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    return format === 'epoch_ms' ? value : value * 1000;
  }
  if (typeof value === 'string') return parseTimeString(value);
  if (value instanceof EventTime) return value.toMs();
  return undefined;
}

/** An event's own time (msgpack): EventTime, or integer/float seconds. */
export function eventTimeOf(value: unknown): number | undefined {
  if (value instanceof EventTime) return value.toMs();
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  return undefined;
}

/** How a bad time is shown in an error message. */
export function describeTime(ms: number): string {
  // Date covers ±8.64e15 ms; beyond that (a µs or ns epoch read as seconds) show the number.
  return Math.abs(ms) <= 8.64e15 ? new Date(Math.floor(ms)).toISOString() : String(ms);
}
