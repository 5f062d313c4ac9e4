// The IndexedDB layout, versioned. Every version is kept here forever: Dexie upgrades a
// database from whatever version it holds, step by step, and an upgrade must never lose or
// change unsynced data (a technician's days of offline work may sit in these tables).
//
// Keys are compound arrays, never strings joined with a separator, so ids containing any
// character cannot collide (jIO's IndexedDB storage joined keys with "_").
import { Dexie, type EntityTable, type Table } from 'dexie';
import type { AttachmentInfo } from '../../types.ts';

export interface DocumentRow {
  id: string;
  /** content.type when it is a string, else '' (indexed since version 2). */
  type: string;
  rev: string;
  seq: number;
  /** 0 live, 1 tombstone (numbers, since booleans cannot be indexed). */
  deleted: 0 | 1;
  content: Record<string, unknown>;
}

export interface AttachmentRow {
  docId: string;
  name: string;
  info: AttachmentInfo;
  /** Bytes per part (the last part may be shorter). */
  partSize: number;
  partCount: number;
}

export interface AttachmentPartRow {
  docId: string;
  name: string;
  index: number;
  /** ArrayBuffer rather than Blob: Blobs read back from IndexedDB fail in incognito-like contexts. */
  bytes: ArrayBuffer;
}

export interface ChunkMetaRow {
  sha256: string;
  byteLength: number;
  owners: { signalId: string; level: number }[];
  lastUsed: number;
  unsynced: 0 | 1;
  kits: string[];
}

export interface MetaRow {
  key: 'seq';
  value: number;
}

/** Attachments are cut into 1 MiB parts so a range read touches only the parts it needs. */
export const attachmentPartSize = 1024 * 1024;

export type FieldlakeDexie = Dexie & {
  documents: EntityTable<DocumentRow, 'id'>;
  attachments: Table<AttachmentRow, [string, string]>;
  attachmentParts: Table<AttachmentPartRow, [string, string, number]>;
  meta: EntityTable<MetaRow, 'key'>;
  /**
   * Chunk bytes alone (so that accounting scans never load bytes), the ArrayBuffer itself
   * under an out-of-line key: wrapping it in an object measured ~20 % slower to write.
   */
  chunkBytes: Table<ArrayBuffer, string>;
  chunkMeta: EntityTable<ChunkMetaRow, 'sha256'>;
};

export interface IndexedDbEnvironment {
  indexedDB?: IDBFactory;
  IDBKeyRange?: typeof IDBKeyRange;
}

/** Version 1: documents with revisions and a change sequence, attachments in parts. */
export function declareVersion1(db: Dexie): void {
  db.version(1).stores({
    documents: 'id, seq, deleted',
    attachments: '[docId+name], docId',
    attachmentParts: '[docId+name+index], [docId+name]',
    meta: 'key',
  });
}

/**
 * Version 2: the chunk store (bytes and accounting in separate tables), and documents indexed
 * by type. The upgrade fills `type` from each stored document; it touches nothing else, so
 * pending local changes (their revisions and sequence numbers) stay exactly as they were.
 */
export function declareVersion2(db: Dexie): void {
  db.version(2)
    .stores({
      documents: 'id, seq, deleted, type',
      chunkBytes: '',
      chunkMeta: 'sha256, unsynced, *kits, lastUsed',
    })
    .upgrade(async (transaction) => {
      await transaction
        .table<DocumentRow, string>('documents')
        .toCollection()
        .modify((row) => {
          row.type = documentType(row.content);
        });
    });
}

export function documentType(content: Record<string, unknown>): string {
  return typeof content.type === 'string' ? content.type : '';
}

/** The current schema version; every version stays declared so any older database upgrades. */
export const schemaVersion = 2;

export function openFieldlakeDexie(
  database: string,
  environment: IndexedDbEnvironment = {},
): FieldlakeDexie {
  const options = {
    ...(environment.indexedDB === undefined ? {} : { indexedDB: environment.indexedDB }),
    ...(environment.IDBKeyRange === undefined ? {} : { IDBKeyRange: environment.IDBKeyRange }),
  };
  const db = new Dexie(database, options) as FieldlakeDexie;
  declareVersion1(db);
  declareVersion2(db);
  return db;
}
