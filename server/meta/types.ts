// The lake's metadata store: documents with revisions and one global change sequence, the
// chunk index, attachments, accounts, site grants and tokens. The embedded lake implements it
// over SQLite (decision 0010); the scale-out lake will implement it over PostgreSQL, and one
// conformance suite (meta-store.suite.ts) holds every implementation to it.
//
// Every method is async so that a network database fits behind it; the SQLite implementation
// answers synchronously inside and keeps each call bounded (pages, batches) because
// better-sqlite3 blocks the event loop while a statement runs.

/** A JSON object as stored (documents' bodies never carry `_rev`/`_deleted`: those are columns). */
export type JsonObject = Record<string, unknown>;

/** A document as the store holds it: the latest revision only (no revision tree). */
export interface StoredDoc {
  id: string;
  /** `<generation>-<32 hex>`, see nextRevision (server/docs/revision.ts). */
  rev: string;
  /** Global sequence of this revision: strictly increasing over all writes of the store. */
  seq: number;
  deleted: boolean;
  /** The site the document belongs to (access control); null: visible to every signed-in user. */
  site: string | null;
  /** The body's `type` when it is a string. */
  type: string | null;
  /** The body; the last body before deletion for a tombstone (so filters still apply). */
  body: JsonObject;
}

/** One conditional write of writeDocs. */
export interface DocWrite {
  id: string;
  /** The new body (for a deletion: ignored, the previous body is kept in the tombstone). */
  body: JsonObject;
  deleted: boolean;
  /** Revision the writer believes is stored; null: must not exist (or be a tombstone); undefined: unconditional. */
  assumedRev?: string | null;
  /** Site and type computed by the caller (server/docs/placement.ts) from the body and its parents. */
  site: string | null;
  type: string | null;
}

export type DocWriteOutcome =
  | {
      id: string;
      ok: true;
      rev: string;
      seq: number;
      /** True when the same write had already been applied (a retried push): nothing changed. */
      replayed: boolean;
    }
  | {
      id: string;
      ok: false;
      /** The stored document (null when missing) that made the condition fail. */
      current: StoredDoc | null;
    };

/** Which documents a reader may see. */
export type SiteFilter = { all: true } | { all: false; sites: readonly string[] };

export interface ChangesQuery {
  /** Only seq > since. */
  since: number;
  limit: number;
  sites: SiteFilter;
}

export interface BackfillQuery {
  /** Documents of these sites (granted after the reader's checkpoint) … */
  sites: readonly string[];
  /** … with after < seq ≤ upTo, in seq order. */
  after: number;
  upTo: number;
  limit: number;
}

export interface ListQuery {
  sites: SiteFilter;
  /** Only this type. */
  type?: string;
  /** Only ids > after (id order), for paging. */
  after?: string;
  limit: number;
  /** Tombstones are never listed. */
}

export interface DocumentStore {
  getDoc(id: string): Promise<StoredDoc | undefined>;
  getDocs(ids: readonly string[]): Promise<(StoredDoc | undefined)[]>;
  /**
   * Applies the writes in one transaction, in order; each is conditional on its assumedRev.
   * A write whose assumedRev does not match but whose resulting revision is already stored
   * (nextRevision(assumedRev, body) === current.rev) is a replay: ok, replayed, nothing written.
   * A write equal to a tombstone with assumedRev null succeeds (re-creation).
   */
  writeDocs(writes: readonly DocWrite[]): Promise<DocWriteOutcome[]>;
  /** Latest revision of every document (tombstones included) with seq > since, in seq order. */
  changes(query: ChangesQuery): Promise<StoredDoc[]>;
  /** Documents (tombstones included) of given sites in a seq window, in seq order. */
  backfill(query: BackfillQuery): Promise<StoredDoc[]>;
  /** Live documents in id order. */
  listDocs(query: ListQuery): Promise<StoredDoc[]>;
  /** Live documents the filter allows, optionally of one type. */
  countDocs(sites: SiteFilter, type?: string): Promise<number>;
  /** The current value of the global sequence (0 on an empty store). */
  currentSeq(): Promise<number>;
}

/** Attachment metadata; the bytes are a blob in the chunk store, by hash. */
export interface AttachmentRecord {
  docId: string;
  name: string;
  sha256: string;
  length: number;
  contentType: string;
}

export interface AttachmentStore {
  putAttachment(record: AttachmentRecord): Promise<void>;
  getAttachment(docId: string, name: string): Promise<AttachmentRecord | undefined>;
  listAttachments(docId: string): Promise<AttachmentRecord[]>;
  /** Whether one was removed. */
  removeAttachment(docId: string, name: string): Promise<boolean>;
  removeAttachments(docId: string): Promise<void>;
}

/** What the lake knows about a chunk's bytes (content-addressed). */
export interface ChunkRecord {
  sha256: string;
  length: number;
  /** Milliseconds since the epoch (server clock) the bytes were first stored. */
  storedAt: number;
  /** Principal (user id or token id) that uploaded it; null for server-made chunks. */
  uploader: string | null;
}

/** One place a manifest page references a chunk: the current version of one chunk index. */
export interface ChunkRef {
  sha256: string;
  /** The array (signal or pyramid level) document id. */
  arrayId: string;
  chunkIndex: number;
  site: string | null;
}

export interface ChunkIndex {
  /** Records stored bytes; idempotent (the first record wins). */
  recordChunk(record: ChunkRecord): Promise<void>;
  getChunk(sha256: string): Promise<ChunkRecord | undefined>;
  /**
   * Replaces the references of chunk indexes [first, first + hashes.length) of an array (a
   * manifest page was written). Returns the hashes no longer referenced there (superseded).
   */
  setChunkRefs(
    arrayId: string,
    site: string | null,
    first: number,
    hashes: readonly string[],
  ): Promise<string[]>;
  /** Where a chunk is referenced now (empty when only uploaded or superseded). */
  chunkRefs(sha256: string): Promise<ChunkRef[]>;
  /** Chunks referenced by no manifest whose storedAt (or last unreference) is older than `before`. */
  unreferencedChunks(before: number, limit: number): Promise<string[]>;
  forgetChunk(sha256: string): Promise<void>;
}

export type Role = 'admin' | 'analyst' | 'technician';

export interface UserRecord {
  id: string;
  name: string;
  role: Role;
  /** scrypt hash (server/auth/passwords.ts) or null when the user has only sign-in links. */
  passwordHash: string | null;
  createdAt: number;
  disabled: boolean;
}

/** A site given to a technician, with the sequence at which it was given (for the feed backfill). */
export interface SiteGrant {
  userId: string;
  site: string;
  seq: number;
}

export type TokenKind = 'session' | 'sign-in' | 'device' | 'collector';

export interface TokenRecord {
  id: string;
  /** SHA-256 hex of the secret; the secret itself is never stored. */
  hash: string;
  kind: TokenKind;
  /** The user it acts for (sessions, sign-in links, device tokens); null for collectors. */
  userId: string | null;
  /** Free text shown in listings ("tablet 3", "collectd at plant A"). */
  label: string;
  /** Collector tokens: the ingestion policy document id it may write through. */
  policy: string | null;
  createdAt: number;
  /** Milliseconds since the epoch; null: never expires. */
  expiresAt: number | null;
  revokedAt: number | null;
  /** Sign-in links: when it was used (one use only). */
  usedAt: number | null;
}

export interface AccountStore {
  createUser(user: UserRecord): Promise<void>;
  getUser(id: string): Promise<UserRecord | undefined>;
  getUserByName(name: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;
  updateUser(
    id: string,
    patch: Partial<Pick<UserRecord, 'role' | 'passwordHash' | 'disabled'>>,
  ): Promise<UserRecord | undefined>;
  /** Grants a site (bumping the global sequence, which the grant records); idempotent. */
  grantSite(userId: string, site: string): Promise<SiteGrant>;
  revokeSite(userId: string, site: string): Promise<boolean>;
  grants(userId: string): Promise<SiteGrant[]>;

  createToken(token: TokenRecord): Promise<void>;
  getTokenByHash(hash: string): Promise<TokenRecord | undefined>;
  getToken(id: string): Promise<TokenRecord | undefined>;
  listTokens(userId?: string): Promise<TokenRecord[]>;
  revokeToken(id: string, at: number): Promise<boolean>;
  /** Marks a sign-in token used; false if it was already used (one use only, race-free). */
  useToken(id: string, at: number): Promise<boolean>;
  /** Deletes expired session and sign-in tokens older than `before`. */
  purgeTokens(before: number): Promise<number>;
}

export interface MetaStore extends DocumentStore, AttachmentStore, ChunkIndex, AccountStore {
  /** Store-level key/value settings (seeding done, schema notes). */
  getSetting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string): Promise<void>;
  close(): Promise<void>;
}

/** Errors a store raises for the caller to map to HTTP statuses. */
export class MetaStoreError extends Error {
  override name = 'MetaStoreError';
  constructor(
    readonly code: 'no_space' | 'corrupt' | 'busy' | 'closed' | 'invalid',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
