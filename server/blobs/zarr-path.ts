// Names and paths of the Zarr view (docs/lake-api.md, "The Zarr view"). Dataset ids and signal
// names are user data, yet they become directory names (filesystem) or key parts (S3), so each
// is encoded injectively into a small alphabet that can never spell `..`, `/`, NUL or a dot:
// every UTF-8 byte outside [A-Za-z0-9_-] becomes `~XX` (uppercase hex). Because `.` is always
// escaped, `<name>.pyramid` can never be the encoding of another signal's name.
//
// checkZarrPath / checkZarrKey are the store's gate: whatever path reaches a store (from the
// lake's own code or from a URL of the HTTP view) must be made of canonical encoded names, a
// `.pyramid` suffix, and chunk keys `c/<digits>…`, or it is rejected before touching a file.
import { BlobStoreError, type ZarrPath } from './types.ts';

/** Longest file name most filesystems accept (NAME_MAX of ext4, xfs, btrfs, tmpfs). */
const NAME_MAX = 255;

export const PYRAMID_SUFFIX = '.pyramid';

/**
 * Longest encoded node name, in bytes: the name with its `.pyramid` suffix must still fit in a
 * file name. Names whose encoding is longer are refused (`invalid`) rather than truncated,
 * which would break injectivity.
 */
export const ZARR_NODE_NAME_MAX = NAME_MAX - PYRAMID_SUFFIX.length;

/** The file holding a node's metadata. */
export const ZARR_METADATA_KEY = 'zarr.json';

const SAFE_BYTE = /^[A-Za-z0-9_-]$/;
const ENCODED_NAME = /^(?:[A-Za-z0-9_-]|~[0-9A-F]{2})+$/;
// Zarr's default chunk key encoding writes indices in plain decimal: no sign, no leading zero.
// 16 digits bound it to about Number.MAX_SAFE_INTEGER.
const CHUNK_INDEX = /^(?:0|[1-9][0-9]{0,15})$/;
// In `u` mode a properly paired surrogate is one code point, so this finds only lone halves,
// which TextEncoder would silently turn into U+FFFD (two names, one encoding).
const LONE_SURROGATE = /\p{Surrogate}/u;

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const HEX = Array.from({ length: 256 }, (_, byte) =>
  byte.toString(16).toUpperCase().padStart(2, '0'),
);
const SAFE = Array.from({ length: 256 }, (_, byte) => SAFE_BYTE.test(String.fromCharCode(byte)));

function invalid(message: string): BlobStoreError {
  return new BlobStoreError('invalid', message);
}

/** A name as an error message shows it: quoted, escaped, and cut if long. */
function show(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

/**
 * The path-safe, injective encoding of a dataset id or signal name as one Zarr node name:
 * bytes of [A-Za-z0-9_-] stay, every other UTF-8 byte (`.` and `~` included) becomes `~XX`.
 * Throws BlobStoreError `invalid` for an empty name, a string with a lone surrogate (not
 * UTF-8), or an encoding longer than {@link ZARR_NODE_NAME_MAX} bytes.
 */
export function zarrNodeName(name: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw invalid('a Zarr node name must be a non-empty string');
  }
  if (LONE_SURROGATE.test(name)) {
    throw invalid(`the name ${show(name)} is not valid Unicode (lone surrogate)`);
  }
  let encoded = '';
  for (const byte of encoder.encode(name)) {
    encoded += SAFE[byte] === true ? String.fromCharCode(byte) : `~${HEX[byte] ?? ''}`;
  }
  if (encoded.length > ZARR_NODE_NAME_MAX) {
    throw invalid(
      `the name ${show(name)} encodes to ${encoded.length} bytes, more than the ${ZARR_NODE_NAME_MAX} a Zarr node name may have`,
    );
  }
  return encoded;
}

/**
 * The name that {@link zarrNodeName} encoded to `encoded`. Only canonical encodings decode
 * (uppercase hex, no escaped safe byte, valid UTF-8), so decoding and encoding are inverse
 * bijections; anything else throws BlobStoreError `invalid`.
 */
export function decodeZarrNodeName(encoded: string): string {
  if (typeof encoded !== 'string') throw invalid('an encoded Zarr node name must be a string');
  if (!ENCODED_NAME.test(encoded)) {
    throw invalid(`${show(encoded)} is not an encoded Zarr node name`);
  }
  if (encoded.length > ZARR_NODE_NAME_MAX) {
    throw invalid(`${show(encoded)} is longer than ${ZARR_NODE_NAME_MAX} bytes`);
  }
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length;) {
    const char = encoded.charCodeAt(i);
    if (char === 0x7e /* ~ */) {
      const byte = Number.parseInt(encoded.slice(i + 1, i + 3), 16);
      if (SAFE[byte] === true) {
        throw invalid(`${show(encoded)} escapes a byte that is never escaped (not canonical)`);
      }
      bytes.push(byte);
      i += 3;
    } else {
      bytes.push(char);
      i += 1;
    }
  }
  try {
    return strictDecoder.decode(new Uint8Array(bytes));
  } catch {
    throw invalid(`${show(encoded)} does not decode to UTF-8`);
  }
}

/** Whether `segment` is the canonical encoding of some name. */
function isEncodedName(segment: string): boolean {
  try {
    decodeZarrNodeName(segment);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks a node path before a store turns it into files: every segment is an encoded name
 * ({@link zarrNodeName}), optionally followed by `.pyramid`. The empty path is the root group.
 * Throws BlobStoreError `invalid` otherwise.
 */
export function checkZarrPath(path: ZarrPath): void {
  if (!Array.isArray(path)) throw invalid('a Zarr path must be an array of names');
  for (const segment of path as readonly unknown[]) {
    if (typeof segment !== 'string') throw invalid('a Zarr path segment must be a string');
    const base = segment.endsWith(PYRAMID_SUFFIX)
      ? segment.slice(0, -PYRAMID_SUFFIX.length)
      : segment;
    if (!isEncodedName(base)) {
      throw invalid(`${show(segment)} is not a valid Zarr node name`);
    }
  }
}

/**
 * Checks a chunk key: `c` then one decimal index per dimension (['c', '3'], or ['c', '3', '0']
 * for a pyramid level's [chunkLength, 4] chunks). Throws BlobStoreError `invalid` otherwise.
 */
export function checkZarrChunkKey(key: readonly string[]): void {
  if (!Array.isArray(key) || key.length < 2 || key[0] !== 'c') {
    throw invalid('a Zarr chunk key must be "c" followed by chunk indices');
  }
  for (const index of key.slice(1) as readonly unknown[]) {
    if (typeof index !== 'string' || !CHUNK_INDEX.test(index)) {
      throw invalid(`${show(String(index))} is not a chunk index (plain decimal digits)`);
    }
  }
}

/** Checks a key of a node's files: its `zarr.json` or a chunk key. */
export function checkZarrKey(key: readonly string[]): void {
  if (Array.isArray(key) && key.length === 1 && key[0] === ZARR_METADATA_KEY) return;
  checkZarrChunkKey(key);
}

/**
 * Splits the segments of a file of the view (a URL of the HTTP view, `/api/zarr/<…>`) into the
 * node path and the key that readZarr takes: `…/zarr.json`, or `…/c/<i>[/<j>…]`. The first
 * segment (when any) is always the dataset's node, whatever the split, which is what access
 * checks need. Throws BlobStoreError `invalid` for anything that is not such a file.
 */
export function splitZarrFilePath(segments: readonly string[]): {
  path: string[];
  key: string[];
} {
  const last = segments.at(-1);
  let split: number;
  if (last === ZARR_METADATA_KEY) {
    split = segments.length - 1;
  } else {
    split = segments.lastIndexOf('c');
    if (split < 0 || split === segments.length - 1) {
      throw invalid('a file of the Zarr view is a zarr.json or a chunk key c/<i>…');
    }
  }
  const zarrPath = segments.slice(0, split);
  const key = segments.slice(split);
  checkZarrPath(zarrPath);
  checkZarrKey(key);
  return { path: zarrPath, key };
}
