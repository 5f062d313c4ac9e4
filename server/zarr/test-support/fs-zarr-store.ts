// Read-only stores for zarrita over the lake's Zarr view: its directory (`<data>/zarr`) and its
// HTTP view (`/api/zarr/`). Both only fetch bytes by key; every Zarr rule (metadata, chunk key
// encoding, codecs, fill value, shape) is zarrita's, which is the point of the proof. The
// directory store is written here because `@zarrita/storage` (its FileSystemStore) is only a
// transitive dependency, not one this project declares.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as zarr from 'zarrita';

/** What zarrita asks a store for: an absolute key such as `/<dataset>/<signal>/c/0`. */
type ZarrKey = `/${string}`;

export interface ReadOnlyZarrStore {
  get(key: ZarrKey): Promise<Uint8Array | undefined>;
}

function errnoOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

/** The directory hierarchy as any local Zarr reader sees it (a missing key reads as fill). */
export function directoryZarrStore(root: string): ReadOnlyZarrStore {
  return {
    async get(key) {
      const parts = key.split('/').filter((part) => part !== '');
      // zarrita builds keys from node paths; a `..` would only mean a bug in the caller here,
      // but a test helper reading files should still never leave its root.
      if (parts.some((part) => part === '..' || part === '.')) return undefined;
      try {
        return new Uint8Array(await readFile(path.join(root, ...parts)));
      } catch (error) {
        const code = errnoOf(error);
        if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
        throw error;
      }
    },
  };
}

/**
 * zarrita's own FetchStore over `<base>/api/zarr/` (a listening lake) with a bearer token —
 * what an analyst's reader does over HTTP, URL building and status handling included.
 */
export function httpZarrStore(base: string, token: string): zarr.FetchStore {
  return new zarr.FetchStore(new URL('/api/zarr/', base), {
    fetch: (request) => {
      // `new Request(request, init)` keeps the method, URL, Range header and abort signal.
      const headers = new Headers(request.headers);
      headers.set('authorization', `Bearer ${token}`);
      return fetch(new Request(request, { headers }));
    },
  });
}
