// Turns what better-sqlite3 throws into MetaStoreError codes the routes map to HTTP statuses,
// keeping the original as `cause` for the logs.
import { MetaStoreError } from '../types.ts';

type Code = MetaStoreError['code'];

/** SQLite primary result codes (the part before the first `_` of an extended code). */
const BY_PRIMARY: Readonly<Record<string, Code>> = {
  SQLITE_FULL: 'no_space',
  SQLITE_CORRUPT: 'corrupt',
  SQLITE_NOTADB: 'corrupt',
  SQLITE_BUSY: 'busy',
  SQLITE_LOCKED: 'busy',
  SQLITE_CONSTRAINT: 'invalid',
  SQLITE_MISMATCH: 'invalid',
  SQLITE_TOOBIG: 'invalid',
};

function sqliteCode(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/**
 * The MetaStoreError for `error` (a MetaStoreError passes through; an unrecognised Error too,
 * so a programming mistake keeps its own stack). `file` names the database in the message.
 */
export function toMetaStoreError(error: unknown, file: string): Error {
  if (error instanceof MetaStoreError) return error;
  if (!(error instanceof Error)) return new Error(String(error));
  const code = sqliteCode(error);
  if (code === undefined) return error;
  // An I/O error whose cause is a full disk arrives as SQLITE_IOERR_WRITE on some file
  // systems; SQLite says so only in the message.
  const primary = code.split('_', 2).join('_');
  const mapped =
    BY_PRIMARY[primary] ?? (/disk is full|no space/i.test(error.message) ? 'no_space' : undefined);
  if (mapped === undefined) return error;
  return new MetaStoreError(mapped, `${describe(mapped)} (${file}): ${error.message}`, {
    cause: error,
  });
}

function describe(code: Code): string {
  switch (code) {
    case 'no_space':
      return 'no space left for the metadata store';
    case 'corrupt':
      return 'the metadata store is damaged or not a SQLite database';
    case 'busy':
      return 'the metadata store is locked by another connection';
    case 'invalid':
      return 'the metadata store refused the write';
    case 'closed':
      return 'the metadata store is closed';
  }
}
