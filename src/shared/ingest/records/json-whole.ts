// The fast path of a JSON body that arrived whole (the lake's case: one chunk, no larger than a
// record may be): one UTF-8 decode of the body and one JSON.parse of an array (one per line of a
// sequence), instead of the splitter's byte scan and a decode and a parse per record.
//
// It only ever accepts: it answers the records of a body it takes whole, or undefined at the
// first doubt (a parse error, an element that is no object, a record the builder refuses, a
// shape the splitter reads differently), and the caller then runs the streaming path over the
// same bytes, which gives the records or the error with its exact line and byte. So this code
// tracks no positions and reports no errors. What it accepts, the splitter accepts too, with the
// same records:
// - an array body is a JSON text, and a JSON array of objects is what the splitter cuts into
//   the same elements (a valid text's strings and brackets are what the splitter tracks);
// - a sequence is taken only as one object per line (blank lines between), a subset of what the
//   splitter reads (objects separated by any whitespace, or none); anything else falls back;
// - whitespace is JSON's own four characters, as in the splitter; a byte-order mark counts only
//   as the body's first bytes (decoded: U+FEFF first), as the splitter skips it;
// - the body is no larger than maxRecordBytes (the caller checks), so no record is too large.
import type { IngestRecord } from '../types.ts';
import { decodeUtf8Strict } from './bytes.ts';
import type { RecordBuilder, Where } from './fields.ts';
import type { JsonRecordMapper } from './json-records.ts';
import type { JsonFraming } from './json-split.ts';

/** A record's place is needed only in errors, and any error here falls back. */
const NOWHERE: Where = {};

function isSpace(unit: number): boolean {
  return unit === 0x20 || unit === 0x0a || unit === 0x0d || unit === 0x09;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The records of a whole body, or undefined: then the streaming path decides. */
export function parseWholeJson(
  bytes: Uint8Array,
  framing: JsonFraming,
  builder: RecordBuilder,
  mapper: JsonRecordMapper,
): IngestRecord[] | undefined {
  let text: string;
  try {
    text = decodeUtf8Strict(bytes);
  } catch {
    return undefined;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let first = 0;
  while (first < text.length && isSpace(text.charCodeAt(first))) first++;
  // Nothing but whitespace: no records, except that an array format requires its array.
  if (first === text.length) return framing === 'array' ? undefined : [];
  const out: IngestRecord[] = [];
  const start = text.charCodeAt(first);
  try {
    if (start === 0x5b && framing !== 'lines') {
      return mapArray(text, builder, mapper, out) ? out : undefined;
    }
    if (start === 0x7b && framing !== 'array') {
      return mapLines(text, builder, mapper, out) ? out : undefined;
    }
  } catch {
    // A parse error, or a record the mapper refuses: the streaming path says where.
  }
  return undefined;
}

function mapArray(
  text: string,
  builder: RecordBuilder,
  mapper: JsonRecordMapper,
  out: IngestRecord[],
): boolean {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const element: unknown = value[i];
    if (!isRecord(element)) return false;
    mapper(element, NOWHERE, out, builder);
  }
  return true;
}

/** One object per line; blank lines (JSON whitespace only, so '\r' of '\r\n' too) are skipped. */
function mapLines(
  text: string,
  builder: RecordBuilder,
  mapper: JsonRecordMapper,
  out: IngestRecord[],
): boolean {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let at = start;
    while (at < end && isSpace(text.charCodeAt(at))) at++;
    if (at < end) {
      const value: unknown = JSON.parse(text.slice(at, end));
      if (!isRecord(value)) return false;
      mapper(value, NOWHERE, out, builder);
    }
    start = end + 1;
  }
  return true;
}
