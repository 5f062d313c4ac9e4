// Where the lake keeps what under its data directory; the server and the admin CLI both use
// these, so they always open the same files.
import path from 'node:path';

/** The metadata store (SQLite): documents, accounts, tokens, the chunk index. */
export const META_FILE = 'meta.sqlite';
/**
 * The blob store's root is the data directory itself, so the Zarr view sits at `<data>/zarr`
 * beside `objects/` (bytes by hash), `uploads/` and `tmp/`: one level for analysts to find.
 */
export const BLOBS_DIR = '.';

export function metaFile(dataDir: string): string {
  return path.join(dataDir, META_FILE);
}

export function blobsDir(dataDir: string): string {
  return path.join(dataDir, BLOBS_DIR);
}
