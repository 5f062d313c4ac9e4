// The lake's metadata store: documents with revisions and one global change sequence, the
// chunk index, attachments, accounts, site grants and tokens. The embedded lake implements it
// over SQLite (decision 0010); the scale-out lake will implement it over PostgreSQL, and one
// conformance suite (meta-store.suite.ts) holds every implementation to it.
//
// Every method is async so that a network database fits behind it; the SQLite implementation
// answers synchronously inside and keeps each call bounded (pages, batches) because
// better-sqlite3 blocks the event loop while a statement runs.
import type { Role } from '../../src/shared/wire/session.ts';

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
  /**
   * The new body, without `_rev`/`_deleted` (MetaStoreError 'invalid' otherwise, or when it is
   * not JSON: see canonicalJson). For a deletion: ignored, the previous body, site and type are
   * kept in the tombstone, and the revision hashes `{}`.
   */
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
      /**
       * This very write (same assumed revision, same body) was applied earlier and another
       * write has replaced it since: a retry whose first answer was lost, arriving late. The
       * writer must adopt `current`, not resolve a conflict (that would apply its write twice).
       */
      applied?: true;
    };

/**
 * Which documents a reader may see: `{all: true}` every document; `{all: false, sites}` the
 * documents whose site is in `sites` and the site-less ones (site null), so an empty list
 * still shows the site-less documents (as canSee in server/auth/principal.ts). A principal
 * that may see nothing (a collector) must not be given a filter at all.
 */
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
   * Applies the writes in one transaction, in order (a later write sees an earlier one of the
   * same batch); each applied write takes the next global seq. Each is conditional on its
   * assumedRev: a string must equal the stored revision (a tombstone's included); null needs
   * the document missing or a tombstone (re-creation); undefined always holds. A failed
   * condition answers ok: false with the stored document. The new revision is
   * nextRevision(stored rev or null, body, deleted), so generations continue across deletion.
   *
   * A replay (a retried write whose first answer was lost) answers ok, replayed, with the
   * stored rev and seq, and writes nothing: the stored revision is the one this write produced
   * (nextRevision(assumedRev, body) === current.rev for a string; for null, the stored revision
   * was made from nothing or a tombstone with this body; for undefined, the last write stored
   * this very body, so an unconditional write of the stored body is a no-op).
   *
   * Every revision a document ever had is remembered, so a retry of a write that was applied
   * and then replaced by another answers ok: false with `applied: true` (not a conflict).
   *
   * Deleting a missing document answers ok: false with current null (nothing to delete);
   * deleting a tombstone whose condition holds changes nothing (ok, replayed).
   * An invalid write (not a JSON body, empty id) rejects the whole batch with
   * MetaStoreError 'invalid' and nothing of it is written.
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

/** One setChunkRefs call of a setChunkRefsMany batch. */
export interface ChunkRefsWrite {
  arrayId: string;
  site: string | null;
  first: number;
  hashes: readonly string[];
}

export interface ChunkIndex {
  /**
   * Records stored bytes; idempotent (the first record's fields win). Recording bytes that are
   * already known restarts their grace period (the chunk route calls it for "already there"
   * too), so a chunk re-uploaded just before its manifest is written is not collected between.
   */
  recordChunk(record: ChunkRecord): Promise<void>;
  /**
   * recordChunk for each record, in order, in one transaction (one commit, where each
   * recordChunk is its own): the same hash twice keeps the first record's fields and the later
   * clock. Every record is checked before anything is written: an invalid one rejects the call
   * with MetaStoreError 'invalid' and nothing of it is recorded. An empty list does nothing.
   */
  recordChunks(records: readonly ChunkRecord[]): Promise<void>;
  getChunk(sha256: string): Promise<ChunkRecord | undefined>;
  /**
   * Replaces the references of chunk indexes [first, first + hashes.length) of an array (a
   * manifest page was written); references of that array at indexes ≥ first + hashes.length
   * within the same page are left alone. Returns the chunk indexes whose hash changed (the
   * Zarr view relinks only those) and the hashes no longer referenced there (superseded:
   * referenced in the range before, by no index of the array after; one that nothing references
   * any more starts its grace period now).
   */
  setChunkRefs(
    arrayId: string,
    site: string | null,
    first: number,
    hashes: readonly string[],
  ): Promise<{ changed: number[]; superseded: string[] }>;
  /**
   * setChunkRefs for each item, in order, in one transaction: answers what each call would
   * have answered, item by item (a later item sees the references an earlier one set). Every
   * item is checked before anything is written: an invalid one rejects the call with
   * MetaStoreError 'invalid' and no reference of it changes. An empty list answers [].
   */
  setChunkRefsMany(
    items: readonly ChunkRefsWrite[],
  ): Promise<{ changed: number[]; superseded: string[] }[]>;
  /**
   * Drops every reference of an array (its signal or manifest page was deleted), or those of
   * indexes [first, first + count) when given. Returns the superseded hashes, as setChunkRefs.
   */
  clearChunkRefs(arrayId: string, first?: number, count?: number): Promise<string[]>;
  /**
   * Where a chunk is referenced now (empty when only uploaded or superseded), in (arrayId,
   * chunkIndex) order; at most `limit` when given (a fill-value chunk may be referenced by
   * many indexes, and an access check needs only one it may see).
   */
  chunkRefs(sha256: string, limit?: number): Promise<ChunkRef[]>;
  /**
   * Chunks referenced by no manifest and no attachment whose grace-period clock is older than
   * `before`: the clock is the latest of storedAt, a later recordChunk of the same bytes and
   * the time the chunk lost its last reference. Oldest clock first.
   */
  unreferencedChunks(before: number, limit: number): Promise<string[]>;
  forgetChunk(sha256: string): Promise<void>;
}

export type { Role };

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
  /** MetaStoreError 'invalid' when the id or the name is taken. */
  createUser(user: UserRecord): Promise<void>;
  getUser(id: string): Promise<UserRecord | undefined>;
  getUserByName(name: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;
  updateUser(
    id: string,
    patch: Partial<Pick<UserRecord, 'role' | 'passwordHash' | 'disabled'>>,
  ): Promise<UserRecord | undefined>;
  /**
   * Grants a site (bumping the global sequence, which the grant records); idempotent: granting
   * it again answers the existing grant. MetaStoreError 'invalid' for an unknown user.
   * Revoking does not bump the sequence; granting again after a revoke makes a new grant.
   */
  grantSite(userId: string, site: string): Promise<SiteGrant>;
  revokeSite(userId: string, site: string): Promise<boolean>;
  grants(userId: string): Promise<SiteGrant[]>;

  /** MetaStoreError 'invalid' when the id or hash is taken or the user unknown. */
  createToken(token: TokenRecord): Promise<void>;
  getTokenByHash(hash: string): Promise<TokenRecord | undefined>;
  getToken(id: string): Promise<TokenRecord | undefined>;
  listTokens(userId?: string): Promise<TokenRecord[]>;
  /** Whether this call revoked it (false: unknown or already revoked, whose revokedAt stays). */
  revokeToken(id: string, at: number): Promise<boolean>;
  /**
   * Marks a sign-in token used; false if it was already used, is revoked, expired at `at` or
   * is not a sign-in token (one use only, race-free: one conditional update decides).
   */
  useToken(id: string, at: number): Promise<boolean>;
  /**
   * Deletes session and sign-in tokens that were dead before `before` (expired, revoked or
   * used); answers how many.
   */
  purgeTokens(before: number): Promise<number>;
}

/** One collector request, logged durably before the lake answers 2xx (exactly-once ingestion). */
export interface IngestLogEntry {
  /** Log order: the transformation applies requests in this order. */
  seq: number;
  /** The dedupe key: the collector's idempotency header, else SHA-256 of policy and body. */
  key: string;
  policyId: string;
  /** SHA-256 hex of the raw body: the blob's name in the blob store, unless `inline`. */
  sha256: string;
  length: number;
  /**
   * True when the row holds the body itself (read it with ingestBody); false when the body is
   * a blob in the blob store. pendingIngests and getIngest never load bodies: they answer many
   * rows, and the transformation reads one body at a time.
   */
  inline: boolean;
  format: string;
  /** The collector's tag (Wendelin reference, fluent tag), if any. */
  tag: string | null;
  /** Milliseconds since the epoch (server clock). */
  receivedAt: number;
  status: 'pending' | 'done' | 'failed';
  /** JSON of what the transformation did (counts) or why it failed. */
  result: string | null;
}

/**
 * A request to log: the entry's fields the caller gives, and optionally the body itself, stored
 * in the log row (see logIngest).
 */
export type IngestRequest = Omit<IngestLogEntry, 'seq' | 'status' | 'result' | 'inline'> & {
  body?: Uint8Array;
};

/** One finishIngest call of a finishIngests batch. */
export interface IngestFinish {
  key: string;
  status: 'done' | 'failed';
  result: string;
}

export interface IngestLog {
  /**
   * Logs a request once per key: `logged: false` with the existing entry when the key was
   * already logged (a collector's retry), and nothing changes.
   *
   * With `chunk` (the body's blob: `chunk.sha256` must be `entry.sha256`), a new entry is
   * logged in the same transaction as recordChunk(chunk) and setChunkRefs(chunk.refId, null,
   * 0, [entry.sha256]): the body is referenced from the moment it is logged, so garbage
   * collection never takes it, and the request path commits once instead of three times. A
   * retried key records and references nothing (the first request did). An invalid chunk or
   * refId, or a hash other than the entry's, rejects with MetaStoreError 'invalid' and
   * nothing is logged.
   *
   * With `entry.body`, a new entry holds the body in its own row (`inline`), written in the
   * same transaction: a small request is durable after one commit, where a blob costs its own
   * fsyncs besides. The store checks the body against the entry (length, and SHA-256: the
   * commit is the durability point, so what it stores must be what the entry names) and
   * rejects a mismatch, or a body given together with a chunk, with MetaStoreError 'invalid'
   * and nothing logged. A retried key stores nothing: the first request's body stays. The
   * store reads `body` until the call settles (PostgreSQL sends it after taking the counter
   * lock): the caller must not change those bytes before then.
   */
  logIngest(
    entry: IngestRequest,
    chunk?: ChunkRecord & { refId: string },
  ): Promise<{ logged: boolean; entry: IngestLogEntry }>;
  /**
   * The body a logged request holds in its row (an empty body as an empty array); undefined
   * when the key is unknown or its body is in the blob store (`inline` false).
   */
  ingestBody(key: string): Promise<Uint8Array | undefined>;
  /** Pending requests in log order. */
  pendingIngests(limit: number): Promise<IngestLogEntry[]>;
  finishIngest(key: string, status: 'done' | 'failed', result: string): Promise<void>;
  /**
   * finishIngest for each item, in order (the same key twice: the last item wins), in one
   * transaction. Every item is checked first (a non-empty key, status 'done' or 'failed', a
   * string result): an invalid one rejects the call with MetaStoreError 'invalid' and no
   * entry changes. Unknown keys are passed over, as by finishIngest; an empty list does nothing.
   */
  finishIngests(items: readonly IngestFinish[]): Promise<void>;
  getIngest(key: string): Promise<IngestLogEntry | undefined>;
  /** Counts by status, for one policy or all. */
  ingestCounts(policyId?: string): Promise<{ pending: number; done: number; failed: number }>;
}

/**
 * Named leases: which of several lake instances (scale-out) does a singleton job, such as the
 * ingestion transformation, at a time. A holder renews its lease well within the ttl while it
 * works and stops working when a renewal answers false; an instance that dies stops renewing,
 * and another takes the lease once it has expired.
 *
 * Time is the store's clock (the `now` option, Date.now by default) of the instance making the
 * call, not the database server's: the instances of a scale-out deployment must keep their
 * clocks synchronized (NTP), and the ttl must be well above the skew they may have (seconds
 * rather than milliseconds), or an instance whose clock runs ahead takes a lease that is
 * still held.
 */
export interface LeaseStore {
  /**
   * True when `holder` holds the lease `name` after the call, until now + ttlMs: it was free,
   * it had expired (its expiry is before now), or `holder` held it already (renewed). False
   * when another holder's lease has not expired; nothing changes then. Atomic: of holders
   * racing for a free or expired lease, from any number of instances, exactly one wins.
   * MetaStoreError 'invalid' for an empty name or holder, or a ttlMs that is not an integer ≥ 1.
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Frees the lease when `holder` holds it (expired or not); otherwise does nothing. */
  releaseLease(name: string, holder: string): Promise<void>;
}

export interface MetaStore
  extends DocumentStore, AttachmentStore, ChunkIndex, AccountStore, IngestLog, LeaseStore {
  /** Store-level key/value settings (seeding done, schema notes). */
  getSetting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string): Promise<void>;
  /** Idempotent; every other call after it rejects with MetaStoreError 'closed'. */
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
