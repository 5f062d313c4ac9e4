// What a CSV field means: numbers, times and header names with units. Fields arrive as bytes
// (the tokenizer never builds strings for values), so numbers are read from bytes too.
import { daysFromCivil, daysInMonth, parseInstant } from '../../query/instant.ts';
import { isAscii } from './utf8.ts';

const SPACE = 0x20;
const TAB = 0x09;
const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const COMMA = 0x2c;
const ZERO = 0x30;

/** 10^0 … 10^22: every one exact in a float64 (Clinger's fast path below needs that). */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/** Largest mantissa that stays exact while a digit is appended: (2^53 - 1 - 9) / 10. */
const MANTISSA_LIMIT = Math.floor((Number.MAX_SAFE_INTEGER - 9) / 10);

function isBlank(byte: number | undefined): boolean {
  return byte === SPACE || byte === TAB;
}

function lower(byte: number | undefined): number {
  return byte === undefined ? -1 : byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte;
}

/** Whether bytes[start, end) spells `word` (lowercase ASCII), ignoring case. */
function spells(bytes: Uint8Array, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let k = 0; k < word.length; k++) {
    if (lower(bytes[start + k]) !== word.charCodeAt(k)) return false;
  }
  return true;
}

function asciiText(bytes: Uint8Array, start: number, end: number, decimalComma: boolean): string {
  let text = '';
  for (let i = start; i < end; i++) {
    const byte = bytes[i] ?? 0;
    text += String.fromCharCode(decimalComma && byte === COMMA ? DOT : byte);
  }
  return text;
}

/**
 * The number in bytes[start, end), surrounding blanks ignored: NaN for an empty field and for
 * `NaN` (any case), ±Infinity for `inf`/`infinity`, else a decimal `[+-]digits[.digits][e±digits]`
 * (`,` as the decimal mark when `decimalComma`). Undefined when it is none of these (hex,
 * thousands separators, units and text are not numbers).
 */
export function parseNumber(
  bytes: Uint8Array,
  start: number,
  end: number,
  decimalComma: boolean,
): number | undefined {
  const plain = parsePlainNumber(bytes, start, end, decimalComma);
  return Number.isNaN(plain) ? parseAnyNumber(bytes, start, end, decimalComma) : plain;
}

/**
 * What nearly every field of a numeric CSV is — `[-+]digits[.digits]`, up to 15 significant
 * digits, no blanks — in one pass; NaN for anything else, which parseAnyNumber then reads.
 * Up to 15 digits the mantissa is an exact integer and the power of ten at most 10^15, so the
 * one division rounds correctly (Clinger's fast path, as below). It runs on every field of a
 * 2 GB upload: the general parser's separate passes were a fifth of an upload's time.
 */
function parsePlainNumber(
  bytes: Uint8Array,
  start: number,
  end: number,
  decimalComma: boolean,
): number {
  let i = start;
  let c = i < end ? (bytes[i] ?? 0) : 0;
  const negative = c === MINUS;
  if (negative || c === PLUS) c = ++i < end ? (bytes[i] ?? 0) : 0;
  let mantissa = 0;
  let digits = 0;
  let d = c - ZERO;
  while (d >= 0 && d <= 9) {
    mantissa = mantissa * 10 + d;
    digits++;
    d = ++i < end ? (bytes[i] ?? 0) - ZERO : -1;
  }
  let scale = 1;
  if (d === DOT - ZERO || (decimalComma && d === COMMA - ZERO)) {
    const fraction = ++i;
    d = i < end ? (bytes[i] ?? 0) - ZERO : -1;
    while (d >= 0 && d <= 9) {
      mantissa = mantissa * 10 + d;
      d = ++i < end ? (bytes[i] ?? 0) - ZERO : -1;
    }
    digits += i - fraction;
    scale = POW10[i - fraction] ?? Number.NaN;
  }
  if (i !== end || digits === 0 || digits > 15) return Number.NaN;
  const value = mantissa / scale;
  return negative ? -value : value;
}

function parseAnyNumber(
  bytes: Uint8Array,
  start: number,
  end: number,
  decimalComma: boolean,
): number | undefined {
  while (start < end && isBlank(bytes[start])) start++;
  while (end > start && isBlank(bytes[end - 1])) end--;
  if (start === end) return Number.NaN;
  let i = start;
  let negative = false;
  if (bytes[i] === PLUS || bytes[i] === MINUS) {
    negative = bytes[i] === MINUS;
    i++;
  }
  const first = lower(bytes[i]);
  if (first >= 0x61 && first <= 0x7a) {
    if (spells(bytes, i, end, 'nan')) return Number.NaN;
    if (spells(bytes, i, end, 'inf') || spells(bytes, i, end, 'infinity')) {
      return negative ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    }
    return undefined;
  }
  // Clinger's fast path: a mantissa below 2^53 and a power of ten up to 10^22 are both exact,
  // so one multiplication or division rounds correctly; anything else goes to Number().
  let mantissa = 0;
  let exact = true;
  let exponent = 0;
  let digits = 0;
  while (i < end) {
    const d = (bytes[i] ?? 0) - ZERO;
    if (d < 0 || d > 9) break;
    if (mantissa <= MANTISSA_LIMIT) mantissa = mantissa * 10 + d;
    else exact = false;
    digits++;
    i++;
  }
  const mark = i < end ? bytes[i] : undefined;
  if (mark === DOT || (decimalComma && mark === COMMA)) {
    i++;
    while (i < end) {
      const d = (bytes[i] ?? 0) - ZERO;
      if (d < 0 || d > 9) break;
      if (mantissa <= MANTISSA_LIMIT) {
        mantissa = mantissa * 10 + d;
        exponent--;
      } else {
        exact = false;
      }
      digits++;
      i++;
    }
  }
  if (digits === 0) return undefined;
  if (i < end && lower(bytes[i]) === 0x65) {
    i++;
    let exponentNegative = false;
    if (i < end && (bytes[i] === PLUS || bytes[i] === MINUS)) {
      exponentNegative = bytes[i] === MINUS;
      i++;
    }
    let written = 0;
    let value = 0;
    while (i < end) {
      const d = (bytes[i] ?? 0) - ZERO;
      if (d < 0 || d > 9) break;
      if (value < 100_000) value = value * 10 + d;
      written++;
      i++;
    }
    if (written === 0) return undefined;
    exponent += exponentNegative ? -value : value;
  }
  if (i !== end) return undefined;
  let result: number;
  if (exact && exponent >= -22 && exponent <= 22) {
    const scale = POW10[Math.abs(exponent)] ?? 1;
    result = exponent >= 0 ? mantissa * scale : mantissa / scale;
  } else {
    const unsigned = bytes[start] === PLUS || bytes[start] === MINUS ? start + 1 : start;
    result = Number(asciiText(bytes, unsigned, end, decimalComma));
  }
  return negative ? -result : result;
}

// An ISO 8601 time in a CSV starts with a full date: a bare year ("2024") or month is far more
// often a number than a time, and would make a column of years look like a time column.
const FULL_DATE = /^(?:\d{4}|[+-]\d{6})-\d{2}-\d{2}/;

/** Milliseconds since the epoch of an ISO 8601 date or date-time (no offset: UTC), or undefined. */
export function parseIsoTime(bytes: Uint8Array, start: number, end: number): number | undefined {
  while (start < end && isBlank(bytes[start])) start++;
  while (end > start && isBlank(bytes[end - 1])) end--;
  if (end - start < 10 || end - start > 64) return undefined;
  const fast = isoFromBytes(bytes, start, end);
  if (fast !== undefined) return fast;
  if (!isAscii(bytes, start, end)) return undefined;
  const text = asciiText(bytes, start, end, false);
  return FULL_DATE.test(text) ? parseInstant(text) : undefined;
}

const MS_PER_DAY = 86_400_000;

/**
 * The common ISO 8601 forms read straight from bytes, with exactly parseInstant's result (the
 * same arithmetic in the same order), or undefined to let parseInstant decide. A time column
 * has a value on every row of a 2 GB file: building a string and running a regex per row was
 * the slowest part of a CSV upload.
 */
/** The digit at bytes[at], or NaN. Module-level (no closures): it runs on every row. */
function digitAt(bytes: Uint8Array, at: number): number {
  const d = (bytes[at] ?? 0) - ZERO;
  return d >= 0 && d <= 9 ? d : Number.NaN;
}

/** bytes[at] when `at` is before `end`. */
function byteAt(bytes: Uint8Array, at: number, end: number): number | undefined {
  return at < end ? bytes[at] : undefined;
}

function twoAt(bytes: Uint8Array, at: number): number {
  return digitAt(bytes, at) * 10 + digitAt(bytes, at + 1);
}

function isoFromBytes(bytes: Uint8Array, start: number, end: number): number | undefined {
  const length = end - start;
  const year = twoAt(bytes, start) * 100 + twoAt(bytes, start + 2);
  const month = twoAt(bytes, start + 5);
  const day = twoAt(bytes, start + 8);
  if (
    byteAt(bytes, start + 4, end) !== MINUS ||
    byteAt(bytes, start + 7, end) !== MINUS ||
    Number.isNaN(year + month + day)
  )
    return undefined;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let sub = 0;
  let offset = 0;
  let at = 10;
  if (length > 10) {
    const t = byteAt(bytes, start + 10, end);
    if (t !== 0x54 && t !== 0x74 && t !== SPACE) return undefined;
    if (length < 16 || byteAt(bytes, start + 13, end) !== 0x3a) return undefined;
    hour = twoAt(bytes, start + 11);
    minute = twoAt(bytes, start + 14);
    at = 16;
    if (byteAt(bytes, start + at, end) === 0x3a) {
      second = twoAt(bytes, start + 17);
      at = 19;
      const mark = byteAt(bytes, start + at, end);
      if (mark === DOT || mark === COMMA) {
        let fraction = 0;
        let digits = 0;
        at++;
        while (at < length) {
          const d = digitAt(bytes, start + at);
          if (Number.isNaN(d)) break;
          fraction = fraction * 10 + d;
          digits++;
          at++;
        }
        // More digits than the exact fast arithmetic allows: parseInstant reads them.
        if (digits === 0 || digits > 15) return undefined;
        sub = (fraction / (POW10[digits] ?? 1)) * 1000;
      }
    }
    if (Number.isNaN(hour + minute + second)) return undefined;
    const zone = byteAt(bytes, start + at, end);
    if (zone === 0x5a || zone === 0x7a) {
      at++;
    } else if (zone === PLUS || zone === MINUS) {
      const hours = twoAt(bytes, start + at + 1);
      let minutes = 0;
      at += 3;
      if (byteAt(bytes, start + at, end) === 0x3a) at++;
      if (at < length) {
        minutes = twoAt(bytes, start + at);
        at += 2;
      }
      if (Number.isNaN(hours + minutes) || hours > 23 || minutes > 59) return undefined;
      offset = (zone === MINUS ? -1 : 1) * (hours * 60 + minutes) * 60_000;
    }
  }
  if (at !== length) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const whole =
    daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000;
  return whole - offset + sub;
}

/** Milliseconds per unit of a numeric time column. */
export type EpochScale = 1000 | 1 | 0.001 | 0.000001;

const EPOCH_UNITS: Readonly<Record<string, EpochScale>> = {
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  us: 0.001,
  µs: 0.001, // U+00B5 micro sign
  μs: 0.001, // U+03BC Greek mu
  microseconds: 0.001,
  ns: 0.000001,
  nanoseconds: 0.000001,
};

/** The scale a header unit names for epoch numbers; undefined when it names none. */
export function epochScaleOfUnit(unit: string): EpochScale | undefined {
  return EPOCH_UNITS[unit.toLowerCase()];
}

/**
 * The unit of epoch numbers from the magnitude of a value: seconds below 1e11, milliseconds
 * below 1e14, microseconds below 1e17, else nanoseconds. Each unit then covers 1970 (1973 for
 * ms, 1973 for µs and ns too) to the year 5138, so times of this era sit far from every bound.
 */
export function epochScaleOfMagnitude(value: number): EpochScale {
  const magnitude = Math.abs(value);
  if (magnitude < 1e11) return 1000;
  if (magnitude < 1e14) return 1;
  if (magnitude < 1e17) return 0.001;
  return 0.000001;
}

/** Names that make a column the time column (compared without case, unit stripped). */
export const TIME_NAMES: ReadonlySet<string> = new Set([
  'time',
  'timestamp',
  'date',
  'datetime',
  't',
]);

const WITH_UNIT = /^(.*?)\s*(?:\[([^[\]]*)\]|\(([^()]*)\))$/s;

/** A header name and the unit it carries as `name [unit]` or `name (unit)`. */
export function splitUnit(header: string): { name: string; unit?: string } {
  const text = header.trim();
  const m = WITH_UNIT.exec(text);
  if (m === null) return { name: text };
  const name = (m[1] ?? '').trim();
  const unit = (m[2] ?? m[3] ?? '').trim();
  if (name === '') return { name: text };
  return unit === '' ? { name } : { name, unit };
}
