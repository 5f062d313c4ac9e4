// CSV encoder: a header line, then one line per row, LF line ends, UTF-8. Columns: `time`
// (ISO 8601, UTC, milliseconds or microseconds as the time base needs) when the slice has a
// time base, else the absolute row index (`index` for samples, `bucket` for a level); then
// `value`, or `min,max,mean,count` for a level. Numbers round-trip: float64 and integers as
// JavaScript prints them (the shortest text that parses back to the same double), float32 as
// the shortest text that parses back to the same float32 (0.1, not 0.10000000149011612);
// NaN is an empty field (pandas and polars read it as NaN/null), ±Infinity is `Infinity` /
// `-Infinity` (what Python's float(), numpy and JavaScript's Number() parse), -0 keeps its sign.
import type { Dtype } from '../../../src/shared/chunk/index.ts';
import { levelColumns } from '../../../src/shared/signal/types.ts';
import { isoFromUs, needsMicroseconds, rowTimeUs } from './time.ts';
import { checkedBlocks, columnsOf, type RowBlock, type SliceInfo } from './types.ts';

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8; header=present';

/** Rows per piece of text handed to the socket. */
const LINES_PER_PIECE = 8192;

function special(value: number): string | undefined {
  if (Number.isNaN(value)) return '';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (Object.is(value, -0)) return '-0';
  return undefined;
}

/** A float64 as the shortest text that parses back to it. */
export function formatFloat64(value: number): string {
  return special(value) ?? String(value);
}

/**
 * A float32 (held in a double) as the shortest text that parses back to the same float32.
 * Normal float32s survive any 6 significant digits (FLT_DIG) and 9 always suffice
 * (FLT_DECIMAL_DIG), so a noisy sample costs at most four tries; only values that 6 digits
 * already hold (round numbers, subnormals) are tried shorter. Number() then String() drops
 * trailing zeros and picks JavaScript's plain or exponent notation.
 */
export function formatFloat32(value: number): string {
  const text = special(value);
  if (text !== undefined) return text;
  const fits = (digits: number): number | undefined => {
    const decimal = Number(value.toPrecision(digits));
    return Math.fround(decimal) === value ? decimal : undefined;
  };
  const six = fits(6);
  if (six !== undefined) {
    for (let digits = 1; digits < 6; digits++) {
      const shorter = fits(digits);
      if (shorter !== undefined) return String(shorter);
    }
    return String(six);
  }
  return String(fits(7) ?? fits(8) ?? Number(value.toPrecision(9)));
}

function formatInteger(value: number): string {
  return String(value);
}

/** A bucket's count: an integer, or empty when the stored count is not a finite number. */
function formatCount(value: number): string {
  return Number.isFinite(value) ? String(value) : '';
}

function valueFormatter(dtype: Dtype): (value: number) => string {
  switch (dtype) {
    case 'float32':
      return formatFloat32;
    case 'float64':
      return formatFloat64;
    case 'int16':
    case 'int32':
      return formatInteger;
  }
}

/** The header line (without its line end). */
export function csvHeader(info: Pick<SliceInfo, 'kind' | 'time'>): string {
  const key = info.time !== null ? 'time' : info.kind === 'level' ? 'bucket' : 'index';
  return [key, ...(info.kind === 'level' ? levelColumns : ['value'])].join(',');
}

/** The slice as CSV text, in pieces of a few thousand lines. */
export async function* encodeCsv(
  info: SliceInfo,
  blocks: AsyncIterable<RowBlock>,
): AsyncGenerator<Buffer> {
  yield Buffer.from(`${csvHeader(info)}\n`);
  const time = info.time;
  const micro = needsMicroseconds(info);
  const key =
    time === null
      ? (row: number) => String(row)
      : (row: number) => isoFromUs(rowTimeUs(time, info.samplesPerRow, row), micro);
  const format = valueFormatter(info.dtype);
  const columns = columnsOf(info);
  for await (const block of checkedBlocks(info, blocks)) {
    const { values } = block;
    const rows = values.length / columns;
    for (let start = 0; start < rows; start += LINES_PER_PIECE) {
      const end = Math.min(rows, start + LINES_PER_PIECE);
      let text = '';
      for (let i = start; i < end; i++) {
        text += key(block.first + i);
        if (columns === 1) {
          text += `,${format(values[i] ?? Number.NaN)}\n`;
        } else {
          const at = 4 * i;
          text +=
            `,${format(values[at] ?? Number.NaN)},${format(values[at + 1] ?? Number.NaN)}` +
            `,${format(values[at + 2] ?? Number.NaN)},${formatCount(values[at + 3] ?? Number.NaN)}\n`;
        }
      }
      yield Buffer.from(text);
    }
  }
}
