// Attachment metadata: (document, name) → a blob of the chunk store by hash. An attachment is a
// reference to its blob, so replacing or removing one may start that chunk's grace period. The
// changes of one document's attachments are serialised by an advisory lock on its id, so a
// replaced hash is always the one that was there (see chunks.ts for the release itself).
import { checkIndex, checkSha256, checkText, invalid } from '../sqlite/validate.ts';
import type { AttachmentRecord } from '../types.ts';
import { lockObject, releaseChunks } from './chunks.ts';
import type { Db } from './db.ts';

interface AttachmentRow {
  doc_id: string;
  name: string;
  sha256: string;
  length: number;
  content_type: string;
  [column: string]: unknown;
}

export interface AttachmentStatements {
  putAttachment(record: AttachmentRecord): Promise<void>;
  getAttachment(docId: string, name: string): Promise<AttachmentRecord | undefined>;
  listAttachments(docId: string): Promise<AttachmentRecord[]>;
  removeAttachment(docId: string, name: string): Promise<boolean>;
  removeAttachments(docId: string): Promise<void>;
}

const COLUMNS = 'doc_id, name, sha256, length, content_type';

export function attachmentStatements(db: Db, now: () => number): AttachmentStatements {
  return {
    async putAttachment({ docId, name, sha256, length, contentType }) {
      checkText('docId', docId);
      checkText('an attachment name', name);
      checkSha256(sha256);
      checkIndex('length', length);
      if (typeof contentType !== 'string') throw invalid('contentType must be a string');
      await db.transaction(async (tx) => {
        await lockObject(tx, 'attachments', docId);
        const [previous] = await tx.rows<{ sha256: string }>(
          `SELECT sha256 FROM attachments WHERE doc_id = $1 AND name = $2`,
          [docId, name],
        );
        await tx.run(
          `INSERT INTO attachments (${COLUMNS}) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (doc_id, name) DO UPDATE SET sha256 = excluded.sha256,
             length = excluded.length, content_type = excluded.content_type`,
          [docId, name, sha256, length, contentType],
        );
        if (previous !== undefined && previous.sha256 !== sha256) {
          await releaseChunks(tx, [previous.sha256], now());
        }
      });
    },

    async getAttachment(docId, name) {
      const [row] = await db.read<AttachmentRow>(
        `SELECT ${COLUMNS} FROM attachments WHERE doc_id = $1 AND name = $2`,
        [docId, name],
      );
      return row === undefined ? undefined : toRecord(row);
    },

    async listAttachments(docId) {
      const rows = await db.read<AttachmentRow>(
        `SELECT ${COLUMNS} FROM attachments WHERE doc_id = $1 ORDER BY name`,
        [docId],
      );
      return rows.map(toRecord);
    },

    async removeAttachment(docId, name) {
      return db.transaction(async (tx) => {
        await lockObject(tx, 'attachments', docId);
        const rows = await tx.rows<{ sha256: string }>(
          `DELETE FROM attachments WHERE doc_id = $1 AND name = $2 RETURNING sha256`,
          [docId, name],
        );
        await releaseChunks(
          tx,
          rows.map((row) => row.sha256),
          now(),
        );
        return rows.length > 0;
      });
    },

    async removeAttachments(docId) {
      await db.transaction(async (tx) => {
        await lockObject(tx, 'attachments', docId);
        const rows = await tx.rows<{ sha256: string }>(
          `DELETE FROM attachments WHERE doc_id = $1 RETURNING sha256`,
          [docId],
        );
        await releaseChunks(
          tx,
          rows.map((row) => row.sha256),
          now(),
        );
      });
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
