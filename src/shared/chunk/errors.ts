// One error type for everything the chunk codec rejects, with a closed set of codes. Callers
// test `code`, never the message; messages say what was wrong and what was expected.

export const CHUNK_CODEC_ERROR_CODES = [
  /** The layout (dtype, chunkLength, fillValue, codecs) is malformed. */
  'bad_layout',
  /** The values are not the typed array the layout's dtype names. */
  'dtype_mismatch',
  /** More values than chunkLength. */
  'too_long',
  /** The bytes do not hash to the SHA-256 they were expected to have. */
  'hash_mismatch',
  /** The bytes decode to a length other than chunkLength × bytesPerSample, or validCount is out of range. */
  'length_mismatch',
  /** The compressed bytes cannot be decoded. */
  'corrupt',
  /** A codec (or a platform feature a codec needs) that this build cannot run. */
  'unsupported_codec',
] as const;

export type ChunkCodecErrorCode = (typeof CHUNK_CODEC_ERROR_CODES)[number];

export class ChunkCodecError extends Error {
  override readonly name = 'ChunkCodecError';
  readonly code: ChunkCodecErrorCode;

  constructor(code: ChunkCodecErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isChunkCodecError(
  value: unknown,
  code?: ChunkCodecErrorCode,
): value is ChunkCodecError {
  return value instanceof ChunkCodecError && (code === undefined || value.code === code);
}
