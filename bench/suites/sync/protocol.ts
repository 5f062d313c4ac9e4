// What the sync benchmark page exposes (types only; shared by the page and the driver).

/** Installed on `window` under `pageApiKey`; every timing is milliseconds of performance.now. */
export interface PageApi {
  /** Ours: SyncEngine.fetchChunks (LakeChunks, verified) into a fresh IndexedDB chunk store. */
  downloadOurs(hashes: string[], round: number): Promise<number>;
  /** Peer: fetch each chunk and put its bytes in a plain IndexedDB object store. */
  downloadPeer(hashes: string[], round: number): Promise<number>;
  /**
   * Ours: a signal of `chunks` 1 MiB float32 chunks recorded on this device (untimed), then one
   * timed sync cycle that uploads its chunks and pushes its manifest and header.
   */
  uploadOurs(datasetId: string, chunks: number, round: number): Promise<number>;
  /** Peer: `chunks` fresh 1 MiB chunks PUT one after the other to /api/chunks/:sha256. */
  uploadPeer(chunks: number, round: number): Promise<number>;
  /** Ours: a first sync cycle of an empty device pulling every document; answers [ms, docs]. */
  initialOurs(round: number): Promise<[number, number]>;
  /** Peer: the change feed read page by page, each page's documents put in one transaction. */
  initialPeer(round: number): Promise<[number, number]>;
  /** Ours: document sync, then a kit of the dataset at overview resolution filled; [ms, chunks]. */
  kitOverviewOurs(datasetId: string, round: number): Promise<[number, number]>;
  /** Peer: fetch of the same level chunks, not stored; [ms, chunks]. */
  kitOverviewPeer(hashes: string[]): Promise<[number, number]>;
  /** The level chunk hashes a kit-overview plan of the dataset names (after a document sync). */
  overviewHashes(datasetId: string): Promise<string[]>;
}

export const pageApiKey = 'fieldlakeSyncBench';
