// Attachment metadata: (document, name) → a blob of the chunk store by hash. An attachment is a
// reference to its blob, so replacing or removing one may start that chunk's grace period.
import type Database from 'better-sqlite3';
import type { AttachmentRecord } from '../types.ts';
import { chunkReleaser } from './chunks.ts';
import { checkIndex, checkSha256, checkText, invalid } from './validate.ts';

interface AttachmentRow {
  doc_id: string;
  name: string;
  sha256: string;
  length: number;
  content_type: string;
}

export interface AttachmentStatements {
  putAttachment(record: AttachmentRecord): void;
  getAttachment(docId: string, name: string): AttachmentRecord | undefined;
  listAttachments(docId: string): AttachmentRecord[];
  removeAttachment(docId: string, name: string): boolean;
  removeAttachments(docId: string): void;
}

export function attachmentStatements(
  db: Database.Database,
  now: () => number,
): AttachmentStatements {
  const release = chunkReleaser(db, now);
  const COLUMNS = 'doc_id, name, sha256, length, content_type';
  const get = db.prepare<[string, string], AttachmentRow>(
    `SELECT ${COLUMNS} FROM attachments WHERE doc_id = ? AND name = ?`,
  );
  const list = db.prepare<[string], AttachmentRow>(
    `SELECT ${COLUMNS} FROM attachments WHERE doc_id = ? ORDER BY name`,
  );
  const upsert = db.prepare<AttachmentRow>(
    `INSERT INTO attachments (${COLUMNS})
     VALUES (@doc_id, @name, @sha256, @length, @content_type)
     ON CONFLICT (doc_id, name) DO UPDATE SET sha256 = excluded.sha256,
       length = excluded.length, content_type = excluded.content_type`,
  );
  const removeOne = db
    .prepare<[string, string], string>(
      `DELETE FROM attachments WHERE doc_id = ? AND name = ? RETURNING sha256`,
    )
    .pluck();
  const removeAll = db
    .prepare<[string], string>(`DELETE FROM attachments WHERE doc_id = ? RETURNING sha256`)
    .pluck();

  const put = db.transaction((row: AttachmentRow) => {
    const previous = get.get(row.doc_id, row.name);
    upsert.run(row);
    if (previous !== undefined && previous.sha256 !== row.sha256) release(previous.sha256);
  });
  const remove = db.transaction((docId: string, name: string) => {
    const sha256 = removeOne.get(docId, name);
    if (sha256 === undefined) return false;
    release(sha256);
    return true;
  });
  const removeEvery = db.transaction((docId: string) => {
    for (const sha256 of new Set(removeAll.all(docId))) release(sha256);
  });

  return {
    putAttachment({ docId, name, sha256, length, contentType }) {
      checkText('docId', docId);
      checkText('an attachment name', name);
      checkSha256(sha256);
      checkIndex('length', length);
      if (typeof contentType !== 'string') throw invalid('contentType must be a string');
      put.immediate({ doc_id: docId, name, sha256, length, content_type: contentType });
    },
    getAttachment(docId, name) {
      const row = get.get(docId, name);
      return row === undefined ? undefined : toRecord(row);
    },
    listAttachments(docId) {
      return list.all(docId).map(toRecord);
    },
    removeAttachment(docId, name) {
      return remove.immediate(docId, name);
    },
    removeAttachments(docId) {
      removeEvery.immediate(docId);
    },
  };
}

function toRecord(row: AttachmentRow): AttachmentRecord {
  return {
    docId: row.doc_id,
    name: row.name,
    sha256: row.sha256,
    length: row.length,
    contentType: row.content_type,
  };
}
