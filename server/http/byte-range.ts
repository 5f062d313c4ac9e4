// HTTP byte ranges (RFC 9110 §14): `Range: bytes=a-b` on reads, `Content-Range: bytes a-b/n`
// on resumable uploads. One range per request: a chunk reader never needs more.
import { HttpError } from './errors.ts';

export interface ParsedRange {
  start: number;
  /** Exclusive. */
  end: number;
}

/**
 * The range a `Range` header asks for within `size` bytes; undefined for no header or a form
 * we do not serve (several ranges: the whole body answers, as RFC 9110 allows). Unsatisfiable
 * ranges throw 416.
 */
export function parseRangeHeader(
  header: string | undefined,
  size: number,
): ParsedRange | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const [, first = '', last = ''] = match;
  let start: number;
  let end: number;
  if (first === '') {
    if (last === '') return undefined;
    const suffix = Number(last);
    start = Math.max(0, size - suffix);
    end = size;
  } else {
    start = Number(first);
    end = last === '' ? size : Math.min(size, Number(last) + 1);
  }
  if (!Number.isSafeInteger(start) || start >= size || end <= start) {
    throw new HttpError(
      'range_not_satisfiable',
      `Range ${header} is outside the ${size} bytes held`,
      { reason: 'invalid_range' },
      { 'content-range': `bytes */${size}` },
    );
  }
  return { start, end };
}

export interface ContentRange {
  first: number;
  /** Inclusive, as the header writes it. */
  last: number;
  total: number;
}

export function parseContentRange(header: string): ContentRange {
  const match = /^bytes (\d{1,15})-(\d{1,15})\/(\d{1,15})$/.exec(header.trim());
  const first = Number(match?.[1]);
  const last = Number(match?.[2]);
  const total = Number(match?.[3]);
  if (match === null || last < first || last >= total) {
    throw new HttpError(
      'bad_request',
      `Content-Range must be "bytes first-last/total" with first ≤ last < total, not "${header}"`,
      { reason: 'invalid_range' },
    );
  }
  return { first, last, total };
}
