// Signals shared by the browser and the lake: header, manifest and pyramid-level documents,
// the manifest helpers and the one pyramid reducer. See README.md in this folder.
export { fromJsonNumber, toJsonNumber } from './json-number.ts';
export type { JsonNumber } from './json-number.ts';
export {
  LEVEL1_BUCKET_LENGTH,
  MAX_LEVELS,
  bucketLength,
  levelColumns,
  levelCount,
  levelDtype,
  levelForSpan,
  levelId,
  levelLength,
  manifestPageSize,
  pageId,
} from './types.ts';
export type {
  ChunkPage,
  LevelDtype,
  ManifestEntry,
  NewSignal,
  PyramidLevelHeader,
  PyramidState,
  SignalHeader,
} from './types.ts';
export {
  buildPyramid,
  coarsenBuckets,
  createPyramidBuilder,
  reduceLevelRange,
  reduceSamples,
} from './pyramid.ts';
export type { Bucket, LevelArray, LevelBuckets, PyramidBuilder, PyramidSpec } from './pyramid.ts';
export {
  entriesByPage,
  levelManifestEntry,
  manifestEntry,
  manifestSlot,
  updatePageEntries,
} from './manifest.ts';
export type { PageUpdate } from './manifest.ts';
