// The chunk codec: a signal's chunks as Zarr v3 writes them, addressed by SHA-256. See README.md.
export { allocate, bytesPerSample, DTYPES } from './dtype.ts';
export type { Dtype, SignalArray, TypedArrayOf } from './dtype.ts';
export { ChunkCodecError, CHUNK_CODEC_ERROR_CODES, isChunkCodecError } from './errors.ts';
export type { ChunkCodecErrorCode } from './errors.ts';
export {
  DEFAULT_CHUNK_LENGTH,
  MAX_CHUNK_LENGTH,
  defaultLayout,
  resolvedFillValue,
  validateLayout,
  zarrArrayMetadata,
} from './layout.ts';
export type {
  BytesCodec,
  ChunkLayout,
  CompressorCodec,
  GzipCodec,
  ZarrArrayMetadata,
  ZarrCodec,
  ZarrFillValue,
  ZstdCodec,
} from './layout.ts';
export { decodeChunk, encodeChunk } from './codec.ts';
export type { DecodeExpectations, EncodedChunk } from './codec.ts';
export { sha256Hex } from './sha256.ts';
export { chunkStats } from './stats.ts';
export type { ChunkStats } from './stats.ts';
