// Registration of the `lake` storage: `{type: "lake", url?: string, token?: string}`. Like
// `indexeddb`, it is registered apart from the core storages because it needs an environment
// that is not spec data (a fetch to use, a callback for version mismatches), and because only
// pages and workers that sync need it.
import { JioError } from '../../errors.ts';
import type { StorageRegistry } from '../../registry.ts';
import type { Storage } from '../../types.ts';
import type { LakeHttpOptions, VersionMismatch } from './http.ts';
import { LakeStorage } from './lake-storage.ts';

export { LakeStorage, SHA256_HEADER } from './lake-storage.ts';
export { LakeChunks } from './lake-chunks.ts';
export type {
  ChunkDownloadOptions,
  ChunkProbeResult,
  ChunkTransferProgress,
  ChunkUploadOptions,
  LakeChunksOptions,
  UploadResult,
} from './lake-chunks.ts';
export type { LakeHttpOptions as LakeStorageOptions, VersionMismatch } from './http.ts';

export interface LakeSpec {
  type: 'lake';
  /** Base address of the lake; default: the page's own origin. */
  url?: string;
  /** Bearer secret; without it the session cookie of the page is used. */
  token?: string;
}

/** What a registry's `lake` storages share: not data, so not in the spec. */
export interface LakeEnvironment {
  fetch?: typeof fetch;
  onVersionMismatch?: (mismatch: VersionMismatch) => void;
}

/** A storage that speaks to the lake at `options.url`. */
export function createLakeStorage(options: LakeHttpOptions): Storage {
  return new LakeStorage(options);
}

/** Registers `lake`, its storages using `environment`'s fetch and version-mismatch callback. */
export function registerLakeStorage(
  registry: StorageRegistry,
  environment: LakeEnvironment = {},
): void {
  registry.register('lake', (spec) => {
    const url = spec.url ?? (typeof location === 'undefined' ? undefined : location.origin);
    if (typeof url !== 'string') {
      throw new JioError('bad_request', 'lake: "url" must be the address of the lake', {
        reason: 'invalid_spec',
      });
    }
    const token = spec.token;
    if (token !== undefined && typeof token !== 'string') {
      throw new JioError('bad_request', 'lake: "token" must be a string', {
        reason: 'invalid_spec',
      });
    }
    return new LakeStorage({ ...environment, url, token });
  });
}
