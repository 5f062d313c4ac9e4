// Turns what `pg` throws into MetaStoreError codes the routes map to HTTP statuses, keeping the
// original as `cause` for the logs. A lost or refused connection is 'busy' (503, "retry"): for a
// caller the lake is unavailable for a moment, whether the database is restarting, failing over
// or overloaded, and retrying later is the right answer in every case.
import { MetaStoreError } from '../types.ts';

type Code = MetaStoreError['code'];

/** The fields of pg's DatabaseError (an ErrorResponse of the server) that the mapping reads. */
interface ServerError extends Error {
  code: string;
  severity: string;
  detail?: string | undefined;
}

/** An error the PostgreSQL server sent (it carries a SQLSTATE and a severity). */
export function isServerError(error: unknown): error is ServerError {
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { severity?: unknown }).severity === 'string'
  );
}

/** Socket errors of Node that mean "no connection to the server". */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** What pg says (without a code) when a connection is lost or cannot be had in time. */
const CONNECTION_MESSAGES =
  /Connection terminated|not queryable|timeout exceeded when trying to connect|connection timeout/i;

/**
 * Whether `error` means the connection is gone or could not be made: the statement it
 * answers may or may not have run, and the connection must not go back to the pool.
 */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (isServerError(error)) {
    // 08: connection exception; 57P01–03: the server shut the session down (admin command,
    // crash, starting up); 53300: too many connections.
    return error.code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(error.code);
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && SOCKET_CODES.has(code)) return true;
  return CONNECTION_MESSAGES.test(error.message);
}

/** A transaction the server rolled back because of other transactions: running it again may pass. */
export function isTransientConflict(error: unknown): boolean {
  // 40001 serialization_failure, 40P01 deadlock_detected.
  return isServerError(error) && (error.code === '40001' || error.code === '40P01');
}

function codeOf(error: ServerError): Code | undefined {
  const sqlstate = error.code;
  if (sqlstate === '53100') return 'no_space'; // disk_full
  if (sqlstate === 'XX001' || sqlstate === 'XX002') return 'corrupt'; // data / index corrupted
  if (isConnectionError(error) || isTransientConflict(error)) return 'busy';
  // 53200 out_of_memory, 55P03 lock_not_available (lock_timeout), 57014 query_canceled
  // (statement_timeout, cancel): the server is overloaded or something holds a lock too long.
  if (['53200', '55P03', '57014'].includes(sqlstate)) return 'busy';
  // 22: data exception (a value the column cannot hold: a fractional number in a bigint, a
  // NUL character in text); 23: integrity constraint (unique, foreign key, check).
  if (sqlstate.startsWith('22') || sqlstate.startsWith('23')) return 'invalid';
  // 28: authentication failed; 3D000: no such database: a configuration mistake at open.
  if (sqlstate.startsWith('28') || sqlstate === '3D000') return 'invalid';
  return undefined;
}

/**
 * The MetaStoreError for `error` (a MetaStoreError passes through; an unrecognised Error too,
 * so a programming mistake such as an SQL syntax error keeps its own stack). `label` names the
 * database (without its password) in the message.
 */
export function toMetaStoreError(error: unknown, label: string): Error {
  if (error instanceof MetaStoreError) return error;
  if (!(error instanceof Error)) return new Error(String(error));
  const mapped = isServerError(error)
    ? codeOf(error)
    : isConnectionError(error)
      ? 'busy'
      : undefined;
  if (mapped === undefined) return error;
  const detail = isServerError(error) && error.detail !== undefined ? ` (${error.detail})` : '';
  return new MetaStoreError(mapped, `${describe(mapped)} (${label}): ${error.message}${detail}`, {
    cause: error,
  });
}

function describe(code: Code): string {
  switch (code) {
    case 'no_space':
      return 'no space left for the metadata store';
    case 'corrupt':
      return 'the metadata store reports damaged data';
    case 'busy':
      return 'the metadata store is unreachable or overloaded';
    case 'invalid':
      return 'the metadata store refused the request';
    case 'closed':
      return 'the metadata store is closed';
  }
}

/** The URL without its password, for messages and logs. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'PostgreSQL (unparsable URL)';
  }
}
