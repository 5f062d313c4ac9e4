// What the sync benchmark page exposes (types only; shared by the page and the driver).

/**
 * One timed pass. `calls`: milliseconds spent inside each method of the stores and channels the
 * pass used (e.g. `lake-chunks.download`, `chunk-store.put`, `lake.changes`, `idb.put`),
 * measured around every call; calls may overlap, so they need not add up to `ms`.
 */
export interface Timed {
  ms: number;
  /** Bytes moved (chunk cases), documents (document cases) or chunks (kit case). */
  amount: number;
  calls: Record<string, number>;
}

/** Installed on `window` under `pageApiKey`; every timing is milliseconds of performance.now. */
export interface PageApi {
  /**
   * Ours: SyncEngine.fetchChunks (LakeChunks, verified) into a fresh IndexedDB chunk store;
   * checks afterwards that the store holds every chunk.
   */
  downloadOurs(hashes: string[], round: number): Promise<Timed>;
  /** Peer: fetch each chunk and put its bytes in a plain IndexedDB object store. */
  downloadPeer(hashes: string[], round: number): Promise<Timed>;
  /** Milliseconds of SHA-256 (Web Crypto, as LakeChunks verifies) over one 1 MiB buffer. */
  hashMsPerMiB(): Promise<number>;
  /**
   * Ours, untimed: a fresh device, synced once, records a signal of `chunks` 1 MiB float32
   * chunks (`unsynced`), bytes no earlier round made. Answers the milliseconds it took.
   */
  uploadOursPrepare(datasetId: string, chunks: number, round: number): Promise<number>;
  /**
   * Ours, timed: the sync cycle that uploads the prepared signal's chunks and pushes its
   * manifest and header; fails unless the lake acknowledged everything (nothing pending, no
   * chunk left unsynced, every chunk created on the lake). `amount`: chunk bytes sent.
   */
  uploadOursRun(): Promise<Timed>;
  /**
   * Peer, untimed: `chunks` fresh 1 MiB chunks hashed in memory, to be sent as `Uint8Array`
   * bodies (`bytes`, as LakeHttp sends them) or as `Blob`s (a diagnostic: Chromium moves a Blob
   * body to the network service far faster than an ArrayBufferView).
   */
  uploadPeerPrepare(chunks: number, round: number, body: 'bytes' | 'blob'): Promise<number>;
  /** Peer, timed: the prepared chunks PUT one after the other to /api/chunks/:sha256 (each 201). */
  uploadPeerRun(): Promise<Timed>;
  /** Ours: a first sync cycle of an empty device pulling every document (`amount`: pulled). */
  initialOurs(round: number): Promise<Timed>;
  /** Peer: the change feed read page by page, each page's documents put in one transaction. */
  initialPeer(round: number): Promise<Timed>;
  /** Ours: document sync, then a kit of the dataset at overview resolution filled (`amount`: chunks). */
  kitOverviewOurs(datasetId: string, round: number): Promise<Timed>;
  /** Peer: fetch of the same level chunks (each distinct one once), not stored. */
  kitOverviewPeer(hashes: string[]): Promise<Timed>;
  /** The level chunk hashes a kit-overview plan of the dataset names (after a document sync). */
  overviewHashes(datasetId: string): Promise<string[]>;
}

export const pageApiKey = 'fieldlakeSyncBench';
