// fluent-plugin-wendelin up to 0.3 (and Wendelin's `old_fluentd` clients) post their msgpack
// as a form field — `application/x-www-form-urlencoded`, `data_chunk=<percent-encoded bytes>` —
// where 0.4+ send the raw bytes. The field's value is binary: it is percent-decoded to bytes,
// never through a text decoding that would mangle them.
import { IngestParseError } from '../../src/shared/ingest/types.ts';

const FIELD = 'data_chunk';

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  return -1;
}

/** Percent-decodes bytes [start, end) of a form body ('+' is a space). */
function decodeComponent(body: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  let length = 0;
  for (let i = start; i < end; i++) {
    const byte = body[i] ?? 0;
    if (byte === 0x2b) {
      out[length++] = 0x20;
    } else if (byte === 0x25) {
      const high = hexValue(body[i + 1] ?? -1);
      const low = hexValue(body[i + 2] ?? -1);
      if (i + 2 >= end || high < 0 || low < 0) {
        throw new IngestParseError('wendelin form', 'malformed percent escape', { offset: i });
      }
      out[length++] = high * 16 + low;
      i += 2;
    } else {
      out[length++] = byte;
    }
  }
  return out.subarray(0, length);
}

/** The bytes of the `data_chunk` field of a form body; IngestParseError when it has none. */
export function wendelinFormChunk(body: Uint8Array): Uint8Array {
  let start = 0;
  while (start <= body.length) {
    let end = body.indexOf(0x26, start);
    if (end < 0) end = body.length;
    const equals = body.indexOf(0x3d, start);
    const nameEnd = equals >= 0 && equals < end ? equals : end;
    const name = new TextDecoder().decode(decodeComponent(body, start, nameEnd));
    if (name === FIELD) return decodeComponent(body, Math.min(nameEnd + 1, end), end);
    start = end + 1;
  }
  throw new IngestParseError('wendelin form', `the body has no "${FIELD}" field`);
}
