// NumPy .npy encoder (format version 1.0): a header naming the dtype and shape, then the
// values little-endian in C order. numpy.load, numpy.memmap and any .npy reader open it.
// Raw samples are shape (n,) in the signal's dtype; a pyramid level is (n, 4) in the level's
// float dtype, columns min, max, mean, count, exactly as the level stores them (count is a
// float there: npy has one dtype per array). npy has no time column: a reader computes times
// from t0 and the sample rate of the dataset's JSON.
import { bytesPerSample, type Dtype } from '../../../src/shared/chunk/index.ts';
import { checkedBlocks, columnsOf, type RowBlock, type SliceInfo } from './types.ts';

export const NPY_CONTENT_TYPE = 'application/x-npy';

const DESCR: Record<Dtype, string> = {
  float32: '<f4',
  float64: '<f8',
  int16: '<i2',
  int32: '<i4',
};

/** Magic, version 1.0, header length: 10 bytes before the header text. */
const PREAMBLE = 10;

/**
 * The header of an array of `info.rows` rows. Its text is padded with spaces and ends in a
 * newline so that the data starts at a multiple of 64 bytes, as numpy writes it (aligned
 * memory maps).
 */
export function npyHeader(info: Pick<SliceInfo, 'kind' | 'dtype' | 'rows'>): Uint8Array {
  const shape = info.kind === 'level' ? `(${info.rows}, 4)` : `(${info.rows},)`;
  const dict = `{'descr': '${DESCR[info.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = Math.ceil((PREAMBLE + dict.length + 1) / 64) * 64;
  const text = dict.padEnd(total - PREAMBLE - 1, ' ') + '\n';
  const header = new Uint8Array(total);
  header.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]); // \x93NUMPY, version 1.0
  new DataView(header.buffer).setUint16(8, text.length, true);
  header.set(new TextEncoder().encode(text), PREAMBLE);
  return header;
}

/** The file's length in bytes, known before any value is read (Content-Length). */
export function npyByteLength(info: Pick<SliceInfo, 'kind' | 'dtype' | 'rows'>): number {
  return npyHeader(info).byteLength + info.rows * columnsOf(info) * bytesPerSample(info.dtype);
}

/**
 * The slice as .npy bytes. The values are passed through as views of the decoded chunks (the
 * lake is little-endian like the format), so the encoder copies nothing.
 */
export async function* encodeNpy(
  info: SliceInfo,
  blocks: AsyncIterable<RowBlock>,
): AsyncGenerator<Buffer> {
  yield Buffer.from(npyHeader(info));
  for await (const block of checkedBlocks(info, blocks)) {
    const values = block.values;
    yield Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  }
}
