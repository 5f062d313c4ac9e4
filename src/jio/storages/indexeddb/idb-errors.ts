// Every IndexedDB failure reaches one path (request error, transaction error and abort all
// reject Dexie's promise) and becomes a JioError callers can act on.
import { JioError } from '../../errors.ts';

interface NamedError {
  name?: unknown;
  message?: unknown;
  inner?: unknown;
}

function names(error: unknown): string[] {
  const found: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const { name, inner } = current as NamedError;
    if (typeof name === 'string') found.push(name);
    current = inner;
  }
  return found;
}

export function toJioError(error: unknown, during: string): unknown {
  if (error instanceof JioError) return error;
  const all = names(error);
  // Our own cancellation stays an AbortError, as fetch's does.
  if (all[0] === 'AbortError' && error instanceof DOMException) return error;
  const message = (error as NamedError | null)?.message;
  const detail = typeof message === 'string' ? message : String(error);
  if (all.includes('QuotaExceededError')) {
    return new JioError(
      'insufficient_storage',
      `The device's storage is full while ${during}: nothing was written`,
      {
        reason: 'quota_exceeded',
      },
    );
  }
  if (all.includes('DatabaseClosedError')) {
    return new JioError('unavailable', `The local database is closed (${during}): ${detail}`, {
      reason: 'closed',
    });
  }
  if (all.includes('VersionError') || all.includes('UpgradeError')) {
    return new JioError(
      'unavailable',
      `The local database has a newer or broken schema (${during}): ${detail}`,
      {
        reason: 'schema',
      },
    );
  }
  return new JioError('unavailable', `IndexedDB failed while ${during}: ${detail}`, {
    reason: 'indexeddb',
  });
}

/** Runs an IndexedDB operation and reports any failure as a JioError (or the AbortError). */
export async function runIdb<T>(during: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toJioError(error, during);
  }
}
