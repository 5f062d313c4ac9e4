// WAV files (RIFF/WAVE, and RF64 for files past 4 GiB): integer PCM of 8, 16, 24 and 32 bits
// and IEEE float of 32 and 64 bits, plain or WAVE_FORMAT_EXTENSIBLE, any channel count. One
// column per channel; samples keep their integer codes (see README.md for the dtypes).
import { IngestParseError, type ColumnInfo, type FileBlock, type ParsedFile } from '../types.ts';
import { ByteReader } from './bytes.ts';
import {
  BYTES_PER,
  allocate,
  rowsPerBlock,
  type ColumnArray,
  type Dtype,
  type ParseFileOptions,
} from './common.ts';

const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
const FORMAT_EXTENSIBLE = 0xfffe;

/** Other format tags a WAV may carry, named in the refusal. */
const FORMAT_NAMES: Readonly<Record<number, string>> = {
  0x0002: 'Microsoft ADPCM',
  0x0006: 'A-law',
  0x0007: 'µ-law',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0050: 'MPEG',
  0x0055: 'MP3',
};

/** KSDATAFORMAT_SUBTYPE_* GUIDs end in these 12 bytes; their first 4 are the format tag. */
const GUID_TAIL = [0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

/** A chunk size that means "to the end of the file" (a WAV written while streaming). */
const UNKNOWN_SIZE = 0xffffffff;

/** `fmt ` chunks are 16 to 40 bytes; more is not a WAV worth reading. */
const MAX_FMT_BYTES = 1024;

type Sample = 'u8' | 'i16' | 'i24' | 'i32' | 'f32' | 'f64';

interface WavFormat {
  sample: Sample;
  channels: number;
  sampleRate: number;
  blockAlign: number;
}

function fail(message: string, offset: number): IngestParseError {
  return new IngestParseError('wav', message, { offset });
}

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

/** A chunk id for messages: printable, or its bytes in hex. */
function shownId(bytes: Uint8Array, start: number): string {
  const id = bytes.subarray(start, start + 4);
  return id.every((b) => b >= 0x20 && b < 0x7f)
    ? `'${ascii(bytes, start, 4)}'`
    : `0x${Array.from(id, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function parseFmt(bytes: Uint8Array, offset: number): WavFormat {
  if (bytes.length < 16)
    throw fail(`the fmt chunk has ${bytes.length} bytes, fewer than 16`, offset);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let tag = view.getUint16(0, true);
  const channels = view.getUint16(2, true);
  const sampleRate = view.getUint32(4, true);
  const blockAlign = view.getUint16(12, true);
  const bits = view.getUint16(14, true);
  if (tag === FORMAT_EXTENSIBLE) {
    if (bytes.length < 40 || view.getUint16(16, true) < 22) {
      throw fail('a WAVE_FORMAT_EXTENSIBLE fmt chunk is shorter than 40 bytes', offset);
    }
    const guidTail = bytes.subarray(28, 40);
    if (view.getUint16(26, true) !== 0 || !GUID_TAIL.every((b, k) => guidTail[k] === b)) {
      throw fail(
        'the WAVE_FORMAT_EXTENSIBLE subformat is not a standard KSDATAFORMAT GUID',
        offset,
      );
    }
    tag = view.getUint16(24, true);
  }
  if (tag !== FORMAT_PCM && tag !== FORMAT_FLOAT) {
    const name = FORMAT_NAMES[tag] ?? `format tag 0x${tag.toString(16).padStart(4, '0')}`;
    throw fail(`${name} WAV is not supported: integer PCM or IEEE float only`, offset);
  }
  if (channels === 0) throw fail('the fmt chunk says 0 channels', offset);
  if (sampleRate === 0) throw fail('the fmt chunk says a sample rate of 0 Hz', offset);
  let sample: Sample | undefined;
  if (tag === FORMAT_PCM) {
    sample = ({ 8: 'u8', 16: 'i16', 24: 'i24', 32: 'i32' } as const)[bits];
    if (sample === undefined) {
      throw fail(`${bits}-bit integer PCM is not supported: 8, 16, 24 or 32 bits`, offset);
    }
  } else {
    sample = ({ 32: 'f32', 64: 'f64' } as const)[bits];
    if (sample === undefined) {
      throw fail(`${bits}-bit IEEE float is not supported: 32 or 64 bits`, offset);
    }
  }
  const frame = channels * (bits / 8);
  if (blockAlign !== frame) {
    throw fail(
      `the block align is ${blockAlign} bytes where ${channels} channel(s) of ${bits} bits make ${frame}`,
      offset,
    );
  }
  return { sample, channels, sampleRate, blockAlign };
}

const DTYPE: Record<Sample, Dtype> = {
  u8: 'int16',
  i16: 'int16',
  i24: 'int32',
  i32: 'int32',
  f32: 'float32',
  f64: 'float64',
};

/** Decodes `rows` interleaved frames of `bytes` into one array per channel, from row 0. */
function decodeFrames(
  format: WavFormat,
  bytes: Uint8Array,
  rows: number,
  out: readonly ColumnArray[],
): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { channels, blockAlign } = format;
  for (let c = 0; c < channels; c++) {
    const column = out[c];
    if (column === undefined) continue;
    switch (format.sample) {
      case 'u8':
        for (let r = 0, at = c; r < rows; r++, at += blockAlign) column[r] = (bytes[at] ?? 0) - 128;
        break;
      case 'i16':
        for (let r = 0, at = c * 2; r < rows; r++, at += blockAlign) {
          column[r] = view.getInt16(at, true);
        }
        break;
      case 'i24':
        for (let r = 0, at = c * 3; r < rows; r++, at += blockAlign) {
          // Sign-extend the 24-bit value by shifting it to the top of an int32 and back.
          column[r] =
            (((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16)) <<
              8) >>
            8;
        }
        break;
      case 'i32':
        for (let r = 0, at = c * 4; r < rows; r++, at += blockAlign) {
          column[r] = view.getInt32(at, true);
        }
        break;
      case 'f32':
        for (let r = 0, at = c * 4; r < rows; r++, at += blockAlign) {
          column[r] = view.getFloat32(at, true);
        }
        break;
      case 'f64':
        for (let r = 0, at = c * 8; r < rows; r++, at += blockAlign) {
          column[r] = view.getFloat64(at, true);
        }
        break;
    }
  }
}

/** The bytes of a chunk header (id + size), or a truncation error. */
async function readChunkHeader(
  reader: ByteReader,
  what: string,
): Promise<{ id: string; size: number; offset: number; bytes: Uint8Array } | undefined> {
  const offset = reader.offset;
  const bytes = await reader.read(8);
  if (bytes.length === 0) return undefined;
  if (bytes.length < 8) {
    throw fail(`the file ends inside a chunk header (${what})`, reader.offset);
  }
  const size = new DataView(bytes.buffer, bytes.byteOffset, 8).getUint32(4, true);
  return { id: ascii(bytes, 0, 4), size, offset, bytes };
}

export async function parseWav(
  body: AsyncIterable<Uint8Array>,
  options?: ParseFileOptions,
): Promise<ParsedFile> {
  const reader = new ByteReader(body);
  try {
    const riff = await reader.read(12);
    if (riff.length < 12) {
      throw fail(`the file has ${riff.length} bytes: a WAV header needs 12`, riff.length);
    }
    const kind = ascii(riff, 0, 4);
    if (kind === 'RIFX') throw fail('big-endian WAV (RIFX) is not supported', 0);
    if ((kind !== 'RIFF' && kind !== 'RF64') || ascii(riff, 8, 4) !== 'WAVE') {
      throw fail(`not a WAV file: it starts with ${shownId(riff, 0)}, not 'RIFF…WAVE'`, 0);
    }
    let format: WavFormat | undefined;
    /** RF64: the data chunk's real size, from the ds64 chunk. */
    let ds64DataSize: number | undefined;
    let dataSize: number | undefined;
    let dataOffset = 0;
    for (;;) {
      const chunk = await readChunkHeader(reader, 'looking for the data chunk');
      if (chunk === undefined) throw fail('the file ends before its data chunk', reader.offset);
      if (chunk.id === 'fmt ') {
        if (chunk.size > MAX_FMT_BYTES) {
          throw fail(`the fmt chunk claims ${chunk.size} bytes`, chunk.offset);
        }
        const bytes = await reader.read(chunk.size);
        if (bytes.length < chunk.size)
          throw fail('the file ends inside the fmt chunk', reader.offset);
        format = parseFmt(bytes, chunk.offset);
        await reader.skip(chunk.size & 1);
      } else if (chunk.id === 'ds64' && kind === 'RF64') {
        const bytes = await reader.read(chunk.size);
        if (chunk.size < 16 || bytes.length < chunk.size) {
          throw fail('the ds64 chunk is truncated', chunk.offset);
        }
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const size = view.getUint32(12, true) * 2 ** 32 + view.getUint32(8, true);
        if (!Number.isSafeInteger(size))
          throw fail('the ds64 data size is impossible', chunk.offset);
        ds64DataSize = size;
        await reader.skip(chunk.size & 1);
      } else if (chunk.id === 'data') {
        if (format === undefined) {
          throw fail('the data chunk comes before any fmt chunk', chunk.offset);
        }
        dataOffset = chunk.offset;
        if (kind === 'RF64' && chunk.size === UNKNOWN_SIZE && ds64DataSize !== undefined) {
          dataSize = ds64DataSize;
        } else if (chunk.size !== 0 && chunk.size !== UNKNOWN_SIZE) {
          dataSize = chunk.size;
        }
        break;
      } else {
        // LIST, fact, cue, bext, JUNK, PAD…: not samples. Chunks are padded to even sizes.
        const size = chunk.size + (chunk.size & 1);
        if ((await reader.skip(size)) < size) {
          throw fail(
            `the file ends inside the ${shownId(chunk.bytes, 0)} chunk that starts here`,
            chunk.offset,
          );
        }
      }
    }
    const fmt = format;
    if (dataSize !== undefined && dataSize % fmt.blockAlign !== 0) {
      throw fail(
        `the data chunk's ${dataSize} bytes are not a whole number of ${fmt.blockAlign}-byte frames`,
        dataOffset,
      );
    }
    const dtype = DTYPE[fmt.sample];
    const columns: ColumnInfo[] = Array.from({ length: fmt.channels }, (_, c) => ({
      name: `channel-${c + 1}`,
      dtype,
    }));
    const blockRows = rowsPerBlock(options, fmt.channels * BYTES_PER[dtype]);
    const header = {
      format: 'wav' as const,
      columns,
      time: { kind: 'rate' as const, sampleRate: fmt.sampleRate },
      ...(dataSize === undefined ? {} : { rows: dataSize / fmt.blockAlign }),
    };
    const dataStart = dataOffset + 8;
    async function* blocks(): AsyncGenerator<FileBlock> {
      try {
        const staging = new Uint8Array(blockRows * fmt.blockAlign);
        let remaining = dataSize ?? Number.POSITIVE_INFINITY;
        while (remaining > 0) {
          const want = Math.min(staging.length, remaining);
          const got = await reader.readInto(staging.subarray(0, want));
          const rows = Math.floor(got / fmt.blockAlign);
          if (got % fmt.blockAlign !== 0) {
            throw fail(
              `the file ends inside a frame: ${got % fmt.blockAlign} of its ${fmt.blockAlign} bytes`,
              reader.offset,
            );
          }
          if (dataSize !== undefined && got < want) {
            throw fail(
              `the file ends after ${reader.offset - dataStart} of the data chunk's ${dataSize} bytes`,
              reader.offset,
            );
          }
          if (rows > 0) {
            const values = columns.map(() => allocate(dtype, rows));
            decodeFrames(fmt, staging, rows, values);
            yield { values };
          }
          if (got < want) break;
          remaining -= got;
        }
        // What follows the samples (LIST, id3…) is read and ignored: the upload is consumed.
        await reader.drain();
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
