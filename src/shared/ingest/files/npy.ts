// NumPy .npy files (format versions 1.0, 2.0 and 3.0): a 1-D array becomes one column
// `value`, a 2-D (n, k) array k columns `column-0`…; dtypes are converted to the lake's four
// without loss or refused (see README.md). What the lake's own npy writer
// (server/read/slice/npy.ts) writes reads back unchanged.
import { IngestParseError, type ColumnInfo, type FileBlock, type ParsedFile } from '../types.ts';
import { ByteReader } from './bytes.ts';
import {
  BYTES_PER,
  allocate,
  halfToNumber,
  rowsPerBlock,
  timeWithoutColumn,
  type ColumnArray,
  type Dtype,
  type ParseFileOptions,
} from './common.ts';
import { parsePyLiteral, type PyValue } from './npy-header.ts';
import { decodeLatin1, decodeUtf8 } from './utf8.ts';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** numpy itself refuses headers over 10 000 bytes by default; this leaves room. */
const MAX_HEADER_BYTES = 65_536;

/** How one file value is read and what it becomes. */
type Element = 'f2' | 'f4' | 'f8' | 'i1' | 'i2' | 'i4' | 'i8' | 'u1' | 'u2' | 'u4' | 'u8' | 'b1';

const ELEMENTS: Record<Element, { size: number; dtype: Dtype }> = {
  f2: { size: 2, dtype: 'float32' },
  f4: { size: 4, dtype: 'float32' },
  f8: { size: 8, dtype: 'float64' },
  i1: { size: 1, dtype: 'int16' },
  i2: { size: 2, dtype: 'int16' },
  i4: { size: 4, dtype: 'int32' },
  // 64-bit and unsigned 32-bit integers become float64, exact up to 2^53; a value past that
  // is an error rather than a silently rounded sample.
  i8: { size: 8, dtype: 'float64' },
  u1: { size: 1, dtype: 'int16' },
  u2: { size: 2, dtype: 'int32' },
  u4: { size: 4, dtype: 'float64' },
  u8: { size: 8, dtype: 'float64' },
  b1: { size: 1, dtype: 'int16' },
};

function fail(message: string, offset: number): IngestParseError {
  return new IngestParseError('npy', message, { offset });
}

function isElement(code: string): code is Element {
  return code in ELEMENTS;
}

interface NpyLayout {
  element: Element;
  littleEndian: boolean;
  rows: number;
  columns: number;
  /** Shape (n,): one column `value`; (n, k): `column-0`… */
  oneD: boolean;
}

/** The dtype, order and shape the header dict names, or why they cannot be read. */
function layoutOf(dict: PyValue, headerOffset: number): NpyLayout {
  if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) {
    throw fail('the header is not a dict', headerOffset);
  }
  const { descr, fortran_order: fortran, shape } = dict as Record<string, PyValue | undefined>;
  if (typeof descr !== 'string') {
    throw fail(
      Array.isArray(descr)
        ? 'structured dtypes (records with named fields) are not supported: save a plain numeric array'
        : "the header has no 'descr' string",
      headerOffset,
    );
  }
  if (typeof fortran !== 'boolean') throw fail("the header has no 'fortran_order'", headerOffset);
  if (!Array.isArray(shape) || !shape.every((n) => typeof n === 'number' && n >= 0)) {
    throw fail("the header has no 'shape' tuple of sizes", headerOffset);
  }
  const sizes = shape as readonly number[];
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  const code = m === null ? '' : `${m[2] ?? ''}${m[3] ?? ''}`;
  if (m === null || !isElement(code)) {
    throw fail(
      `dtype '${descr}' is not supported: float16/32/64, (u)int8/16/32/64 and bool are`,
      headerOffset,
    );
  }
  const order = m[1];
  const size = ELEMENTS[code].size;
  if (order === '=' || (order === '|' && size > 1)) {
    throw fail(`dtype '${descr}' does not say its byte order ('<' or '>')`, headerOffset);
  }
  if (sizes.length === 0) throw fail('a 0-d array (one scalar) has no rows', headerOffset);
  if (sizes.length > 2) {
    throw fail(`a ${sizes.length}-d array is not a table: save (n,) or (n, k)`, headerOffset);
  }
  const rows = sizes[0] ?? 0;
  const columns = sizes.length === 2 ? (sizes[1] ?? 0) : 1;
  if (columns === 0) throw fail('an (n, 0) array has no columns', headerOffset);
  if (fortran && columns > 1) {
    // Column-major data would need the whole file before the first row: refused, not buffered.
    throw fail(
      'fortran_order arrays with more than one column are not supported: save np.ascontiguousarray(a)',
      headerOffset,
    );
  }
  if (!Number.isSafeInteger(rows * columns * size)) {
    throw fail(`shape (${sizes.join(', ')}) is impossibly large`, headerOffset);
  }
  return { element: code, littleEndian: order !== '>', rows, columns, oneD: sizes.length === 1 };
}

/** Decodes `rows` rows of `bytes` (C order) into the column arrays; `base` is their offset. */
function decodeRows(
  layout: NpyLayout,
  bytes: Uint8Array,
  rows: number,
  out: readonly ColumnArray[],
  base: number,
): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { element, littleEndian: le, columns } = layout;
  const size = ELEMENTS[element].size;
  const stride = columns * size;
  for (let c = 0; c < columns; c++) {
    const column = out[c];
    if (column === undefined) continue;
    let at = c * size;
    for (let r = 0; r < rows; r++, at += stride) {
      let value: number;
      switch (element) {
        case 'f2':
          value = halfToNumber(view.getUint16(at, le));
          break;
        case 'f4':
          value = view.getFloat32(at, le);
          break;
        case 'f8':
          value = view.getFloat64(at, le);
          break;
        case 'i1':
          value = view.getInt8(at);
          break;
        case 'u1':
          value = view.getUint8(at);
          break;
        case 'b1':
          value = view.getUint8(at) === 0 ? 0 : 1;
          break;
        case 'i2':
          value = view.getInt16(at, le);
          break;
        case 'u2':
          value = view.getUint16(at, le);
          break;
        case 'i4':
          value = view.getInt32(at, le);
          break;
        case 'u4':
          value = view.getUint32(at, le);
          break;
        case 'i8':
        case 'u8': {
          const low = view.getUint32(le ? at : at + 4, le);
          const high =
            element === 'i8'
              ? view.getInt32(le ? at + 4 : at, le)
              : view.getUint32(le ? at + 4 : at, le);
          value = high * 2 ** 32 + low;
          if (!Number.isSafeInteger(value)) {
            throw fail(
              `an ${element === 'i8' ? 'int64' : 'uint64'} value is beyond ±2^53, where float64 would round it`,
              base + at,
            );
          }
          break;
        }
      }
      column[r] = value;
    }
  }
}

export async function parseNpy(
  body: AsyncIterable<Uint8Array>,
  options?: ParseFileOptions,
): Promise<ParsedFile> {
  const reader = new ByteReader(body);
  try {
    const preamble = await reader.read(10);
    if (preamble.length < MAGIC.length || !MAGIC.every((b, k) => preamble[k] === b)) {
      throw fail('not an npy file: it does not start with \\x93NUMPY', 0);
    }
    if (preamble.length < 10) throw fail('the file ends inside the npy preamble', preamble.length);
    const major = preamble[6] ?? 0;
    const minor = preamble[7] ?? 0;
    if (major < 1 || major > 3 || minor !== 0) {
      throw fail(`npy format version ${major}.${minor} is not supported: 1.0, 2.0 or 3.0`, 6);
    }
    let headerLength = (preamble[8] ?? 0) | ((preamble[9] ?? 0) << 8);
    let headerOffset = 10;
    if (major >= 2) {
      const more = await reader.read(2);
      if (more.length < 2) throw fail('the file ends inside the npy preamble', reader.offset);
      headerLength += ((more[0] ?? 0) | ((more[1] ?? 0) << 8)) * 65_536;
      headerOffset = 12;
    }
    if (headerLength > MAX_HEADER_BYTES) {
      throw fail(`the header claims ${headerLength} bytes, more than ${MAX_HEADER_BYTES}`, 8);
    }
    const headerBytes = await reader.read(headerLength);
    if (headerBytes.length < headerLength) {
      throw fail(
        `the file ends inside its ${headerLength}-byte header`,
        headerOffset + headerBytes.length,
      );
    }
    const text = major === 3 ? decodeUtf8(headerBytes) : decodeLatin1(headerBytes);
    if (text === undefined) throw fail('the version 3.0 header is not valid UTF-8', headerOffset);
    const layout = layoutOf(parsePyLiteral(text.trimEnd(), headerOffset), headerOffset);
    const { element, rows, columns: width } = layout;
    const dtype = ELEMENTS[element].dtype;
    const columns: ColumnInfo[] = layout.oneD
      ? [{ name: 'value', dtype }]
      : Array.from({ length: width }, (_, c) => ({ name: `column-${c}`, dtype }));
    const rowBytes = width * ELEMENTS[element].size;
    const dataStart = headerOffset + headerLength;
    const blockRows = rowsPerBlock(options, width * BYTES_PER[dtype]);
    const header = { format: 'npy' as const, columns, time: timeWithoutColumn(options), rows };
    async function* blocks(): AsyncGenerator<FileBlock> {
      try {
        const staging = new Uint8Array(blockRows * rowBytes);
        let left = rows;
        while (left > 0) {
          const want = Math.min(blockRows, left);
          const base = reader.offset;
          const got = await reader.readInto(staging.subarray(0, want * rowBytes));
          if (got < want * rowBytes) {
            throw fail(
              `the file ends after ${reader.offset - dataStart} of the array's ${rows * rowBytes} bytes`,
              reader.offset,
            );
          }
          const values = columns.map(() => allocate(dtype, want));
          decodeRows(layout, staging, want, values, base);
          yield { values };
          left -= want;
        }
        if (!(await reader.atEnd())) {
          throw fail('there are bytes after the end of the array', reader.offset);
        }
      } finally {
        await reader.close();
      }
    }
    return { header, blocks: blocks() };
  } catch (error) {
    await reader.close();
    throw error;
  }
}
