// The outbox as a file: when the browser will not promise to keep the data (persistence
// denied), or a tablet must hand its work to another device, the user exports what the lake
// has not acknowledged, and imports it elsewhere or later; sync then pushes it as usual.
//
// Format (NDJSON, UTF-8, one JSON value per line):
//   {"format":"fieldlake-outbox","version":1,"exportedAt":ISO,"user"?:{id,name},"lake"?:url}
//   {"kind":"doc","id":…,"rev":…,"deleted":false,"doc":{…}}       one per outbox entry
//   {"kind":"chunk","sha256":…,"owners":[{signalId,level}],"data":base64}   unsynced chunks
//   {"kind":"end","docs":N,"chunks":M,"digest":hex}
// `digest` is the SHA-256 of the concatenated SHA-256 digests of every line before it (their
// UTF-8 bytes, without the newline), so a file cut short, edited or damaged is refused whole.
// An import checks everything — format, version, each line, each chunk's hash, the counts and
// the digest — before it writes anything; then chunks, then documents.
import type { ChunkOwner, ChunkStore } from '../chunks/types.ts';
import { JioError, isJioError } from '../errors.ts';
import type { CallOptions, JioDocument, Storage } from '../types.ts';
import { contentOf, forkId, sameContent } from './conflict-rules.ts';
import type { SyncEngine } from './sync-engine.ts';

export const OUTBOX_FORMAT = 'fieldlake-outbox';
export const OUTBOX_VERSION = 1;

export interface OutboxSummary {
  docs: number;
  deletions: number;
  chunks: number;
  chunkBytes: number;
}

export interface OutboxHeader {
  exportedAt: string;
  user?: { id: string; name: string };
  lake?: string;
}

export interface OutboxExportOptions extends CallOptions {
  engine: Pick<SyncEngine, 'outbox'>;
  local: Storage;
  chunks: ChunkStore;
  user?: { id: string; name: string };
  lake?: string;
  now?: () => Date;
}

export interface OutboxImportReport {
  written: string[];
  unchanged: string[];
  conflicts: { id: string; reason: string }[];
  chunksWritten: number;
  header: OutboxHeader;
}

interface DocLine {
  kind: 'doc';
  id: string;
  rev: string;
  deleted: boolean;
  doc?: Record<string, unknown>;
}

interface ChunkLine {
  kind: 'chunk';
  sha256: string;
  owners: ChunkOwner[];
  data: string;
}

/** A chunk as read back: its bytes decoded and verified. */
interface ReadChunk {
  sha256: string;
  owners: ChunkOwner[];
  bytes: Uint8Array;
}

const encoder = new TextEncoder();

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Base64 in slices: String.fromCharCode over a whole chunk would overflow the call stack. The
 * slice is a multiple of 3 bytes, so no slice but the last ends in `=` padding (a padded slice
 * in the middle makes the text undecodable — every chunk over one slice was).
 */
const BASE64_SLICE = 3 * 10_922;

function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let start = 0; start < bytes.length; start += BASE64_SLICE) {
    out += btoa(String.fromCharCode(...bytes.subarray(start, start + BASE64_SLICE)));
  }
  return out;
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Accumulates the digest of the lines written or read. */
class LineDigest {
  readonly #digests: Uint8Array[] = [];
  async add(line: string): Promise<void> {
    this.#digests.push(await sha256(encoder.encode(line)));
  }
  async hex(): Promise<string> {
    const all = new Uint8Array(this.#digests.length * 32);
    this.#digests.forEach((digest, index) => {
      all.set(digest, index * 32);
    });
    return hex(await sha256(all));
  }
}

export async function exportOutbox(
  options: OutboxExportOptions,
): Promise<{ blob: Blob; summary: OutboxSummary; fileName: string }> {
  const { engine, chunks } = options;
  const exportedAt = (options.now ?? (() => new Date()))();
  const parts: string[] = [];
  const digest = new LineDigest();
  const emit = async (value: unknown): Promise<void> => {
    const line = JSON.stringify(value);
    await digest.add(line);
    parts.push(line, '\n');
  };
  await emit({
    format: OUTBOX_FORMAT,
    version: OUTBOX_VERSION,
    exportedAt: exportedAt.toISOString(),
    ...(options.user === undefined ? {} : { user: options.user }),
    ...(options.lake === undefined ? {} : { lake: options.lake }),
  });
  const summary: OutboxSummary = { docs: 0, deletions: 0, chunks: 0, chunkBytes: 0 };
  for (const item of await engine.outbox(options)) {
    const line: DocLine = item.deleted
      ? { kind: 'doc', id: item.id, rev: item.rev, deleted: true }
      : { kind: 'doc', id: item.id, rev: item.rev, deleted: false, doc: item.doc ?? {} };
    await emit(line);
    summary.docs++;
    if (item.deleted) summary.deletions++;
  }
  for (const info of await chunks.listUnsynced(Number.MAX_SAFE_INTEGER, options)) {
    // One chunk in memory at a time (they are up to a few MiB each).
    const [bytes] = await chunks.get([info.sha256], options);
    if (bytes === undefined) continue;
    const line: ChunkLine = {
      kind: 'chunk',
      sha256: info.sha256,
      owners: info.owners,
      data: toBase64(bytes),
    };
    await emit(line);
    summary.chunks++;
    summary.chunkBytes += bytes.byteLength;
  }
  const end = {
    kind: 'end',
    docs: summary.docs,
    chunks: summary.chunks,
    digest: await digest.hex(),
  };
  parts.push(JSON.stringify(end), '\n');
  const stamp = exportedAt
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '-');
  return {
    blob: new Blob(parts, { type: 'application/x-ndjson' }),
    summary,
    fileName: `fieldlake-outbox-${stamp}.ndjson`,
  };
}

function refuse(message: string): JioError {
  return new JioError('bad_request', `Not a usable outbox file: ${message}; nothing was imported`, {
    reason: 'invalid_outbox_file',
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkOwners(value: unknown, where: string): ChunkOwner[] {
  if (!Array.isArray(value) || value.length === 0) throw refuse(`${where}: no owners`);
  return value.map((owner) => {
    if (
      !isRecord(owner) ||
      typeof owner.signalId !== 'string' ||
      !Number.isSafeInteger(owner.level)
    ) {
      throw refuse(`${where}: an owner is not {signalId, level}`);
    }
    return { signalId: owner.signalId, level: owner.level as number };
  });
}

/** Parses and verifies the whole file; throws 400 `invalid_outbox_file` naming the line. */
async function readOutbox(file: Blob): Promise<{
  header: OutboxHeader;
  docs: DocLine[];
  chunks: ReadChunk[];
}> {
  const text = await file.text();
  if (!text.endsWith('\n')) throw refuse('it does not end with a complete line (cut short?)');
  const lines = text.slice(0, -1).split('\n');
  const digest = new LineDigest();
  const parsed = lines.map((line, index) => {
    try {
      return JSON.parse(line) as unknown;
    } catch {
      throw refuse(`line ${String(index + 1)} is not JSON`);
    }
  });
  const first = parsed[0];
  if (!isRecord(first) || first.format !== OUTBOX_FORMAT)
    throw refuse('line 1 is not a Fieldlake outbox header');
  if (first.version !== OUTBOX_VERSION) {
    throw refuse(
      `version ${String(first.version)} is not supported (this app reads version ${String(OUTBOX_VERSION)})`,
    );
  }
  if (typeof first.exportedAt !== 'string') throw refuse('line 1 has no export time');
  const header: OutboxHeader = {
    exportedAt: first.exportedAt,
    ...(isRecord(first.user) &&
    typeof first.user.id === 'string' &&
    typeof first.user.name === 'string'
      ? { user: { id: first.user.id, name: first.user.name } }
      : {}),
    ...(typeof first.lake === 'string' ? { lake: first.lake } : {}),
  };
  const docs: DocLine[] = [];
  const chunks: ReadChunk[] = [];
  await digest.add(lines[0] ?? '');
  for (let index = 1; index < parsed.length; index++) {
    const value = parsed[index];
    const where = `line ${String(index + 1)}`;
    if (!isRecord(value)) throw refuse(`${where} is not an object`);
    if (value.kind === 'end') {
      if (index !== parsed.length - 1) throw refuse(`${where}: the end line is not the last`);
      if (value.docs !== docs.length || value.chunks !== chunks.length) {
        throw refuse(
          `${where}: the file announces ${String(value.docs)} documents and ${String(value.chunks)} chunks, it holds ${String(docs.length)} and ${String(chunks.length)}`,
        );
      }
      if (value.digest !== (await digest.hex()))
        throw refuse(`${where}: the digest does not match (the file was altered or damaged)`);
      return { header, docs, chunks };
    }
    await digest.add(lines[index] ?? '');
    if (value.kind === 'doc') {
      if (
        typeof value.id !== 'string' ||
        typeof value.rev !== 'string' ||
        typeof value.deleted !== 'boolean'
      ) {
        throw refuse(`${where}: a document line needs id, rev and deleted`);
      }
      if (!value.deleted && !isRecord(value.doc))
        throw refuse(`${where}: a document line has no document`);
      docs.push({
        kind: 'doc',
        id: value.id,
        rev: value.rev,
        deleted: value.deleted,
        ...(value.deleted ? {} : { doc: value.doc as Record<string, unknown> }),
      });
    } else if (value.kind === 'chunk') {
      if (typeof value.sha256 !== 'string' || typeof value.data !== 'string') {
        throw refuse(`${where}: a chunk line needs sha256 and data`);
      }
      let bytes: Uint8Array;
      try {
        bytes = fromBase64(value.data);
      } catch {
        throw refuse(`${where}: the chunk data is not base64`);
      }
      if (hex(await sha256(bytes)) !== value.sha256)
        throw refuse(`${where}: chunk ${value.sha256} does not have that hash`);
      chunks.push({ sha256: value.sha256, owners: checkOwners(value.owners, where), bytes });
    } else {
      throw refuse(`${where} is neither a document, a chunk nor the end`);
    }
  }
  throw refuse('it has no end line (cut short?)');
}

export async function importOutbox(
  file: Blob,
  options: CallOptions & { local: Storage; chunks: ChunkStore; engine: Pick<SyncEngine, 'outbox'> },
): Promise<OutboxImportReport> {
  const { header, docs, chunks } = await readOutbox(file);
  const { local } = options;
  for (const chunk of chunks) {
    for (const owner of chunk.owners) {
      // Hashed by readOutbox a moment ago, in this process.
      await options.chunks.put([{ sha256: chunk.sha256, bytes: chunk.bytes, owner }], {
        ...options,
        unsynced: true,
        verified: true,
      });
    }
  }
  const pending = new Set((await options.engine.outbox(options)).map((item) => item.id));
  const report: OutboxImportReport = {
    written: [],
    unchanged: [],
    conflicts: [],
    chunksWritten: chunks.length,
    header,
  };
  for (const line of docs) {
    let current: JioDocument | undefined;
    try {
      current = await local.get(line.id, options);
    } catch (error) {
      if (!isJioError(error, 'not_found')) throw error;
    }
    if (current === undefined) {
      if (line.deleted) report.unchanged.push(line.id);
      else {
        await local.put(line.id, line.doc ?? {}, options);
        report.written.push(line.id);
      }
      continue;
    }
    if (!line.deleted && sameContent(contentOf(current), line.doc ?? {})) {
      report.unchanged.push(line.id);
      continue;
    }
    if (pending.has(line.id)) {
      // Both sides hold unsynced work: annotations keep both, anything else is left to the user.
      if (!line.deleted && line.doc?.type === 'annotation') {
        const id = forkId(line.id, line.rev);
        await local.put(id, { ...line.doc, conflictOf: line.id }, options);
        report.written.push(id);
      } else {
        report.conflicts.push({ id: line.id, reason: 'both_unsynced' });
      }
      continue;
    }
    // The local copy is synced; the imported version is later, unsynced work.
    const rev = current._rev;
    if (line.deleted) await local.remove(line.id, options);
    else
      await local.put(
        line.id,
        { ...(line.doc ?? {}), ...(rev === undefined ? {} : { _rev: rev }) },
        options,
      );
    report.written.push(line.id);
  }
  return report;
}
