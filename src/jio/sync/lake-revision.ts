// The revision the lake will give a push, computed on the device with the lake's own rule
// (server/docs/revision.ts): `<generation>-<first 32 hex of SHA-256(previous, deleted,
// canonical body)>`. The engine records it before sending, so when a later conflict shows the
// lake holding a revision this device produced (a push applied whose answer was lost, the
// document changed here since), it is recognised as our own write, not someone else's.
import { canonicalJson } from '../../shared/wire/canonical-json.ts';

/** The body the lake hashes for a deletion. */
const DELETION_BODY = '{}';

export async function lakeRevision(
  previous: string | null,
  content: Record<string, unknown> | undefined,
  deleted: boolean,
): Promise<string> {
  const generation = previous === null ? 1 : Number.parseInt(previous, 10) + 1;
  const body = deleted ? DELETION_BODY : canonicalJson(content ?? {});
  const bytes = new TextEncoder().encode(`${previous ?? ''}\n${String(deleted)}\n${body}`);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const hex = Array.from(digest.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${String(generation)}-${hex}`;
}
