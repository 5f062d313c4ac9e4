// What an administrator does on the lake before a scenario — a site, an asset, technicians
// with sessions — and what a checker reads afterwards, straight to the lake (never through the
// fault proxy, so setup and verification are not the thing under test).
import { createHash } from 'node:crypto';

export interface LakeAddress {
  /** The lake itself, not the proxy. */
  url: string;
  adminToken: string;
}

/** A reply read whole, and whether it took more than one attempt. */
interface LakeReply {
  status: number;
  ok: boolean;
  body: Uint8Array;
  retried: boolean;
}

/**
 * fetch that waits out a lake restart (the harness kills and restarts it under running
 * scenarios): a refused connection, or a reply cut while its body was read, is retried for up
 * to 30 s, reading the lake's address again each time, since a restarted lake listens on a new
 * port. The body is read inside the retry: a kill -9 can land between the headers and the end.
 */
async function lakeFetch(lake: LakeAddress, path: string, init: RequestInit): Promise<LakeReply> {
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(`${lake.url}${path}`, init);
      const body = new Uint8Array(await response.arrayBuffer());
      return { status: response.status, ok: response.ok, body, retried: attempt > 0 };
    } catch (error) {
      if (attempt >= 120) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function call(
  lake: LakeAddress,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const response = await lakeFetch(lake, path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = new TextDecoder().decode(response.body);
  // A creation whose reply a restart cut was applied: its retry meets the document it made.
  if (method === 'PUT' && response.status === 409 && response.retried) return undefined;
  if (!response.ok) throw new Error(`${method} ${path}: ${String(response.status)} ${text}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

export async function putDoc(
  lake: LakeAddress,
  id: string,
  doc: Record<string, unknown>,
): Promise<void> {
  await call(lake, lake.adminToken, 'PUT', `/api/docs/${encodeURIComponent(id)}`, doc);
}

/**
 * A user of `role` on `sites`, signed in: answers its session's bearer secret. A creation
 * whose answer a lake restart cut may have happened: the next attempt uses another name.
 */
export async function addUser(
  lake: LakeAddress,
  name: string,
  role: 'technician' | 'analyst' | 'admin',
  sites: string[],
): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      const created = (await call(lake, lake.adminToken, 'POST', '/api/users', {
        name: attempt === 0 ? name : `${name}-${String(attempt)}`,
        role,
        sites,
      })) as { link: string };
      const secret = new URL(created.link).searchParams.get('token');
      const response = await lakeFetch(lake, '/api/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: secret }),
      });
      if (!response.ok) throw new Error(`sign-in of ${name}: ${String(response.status)}`);
      return (JSON.parse(new TextDecoder().decode(response.body)) as { token: string }).token;
    } catch (error) {
      if (attempt >= 4) throw error;
    }
  }
}

/** Every live document `token` may see, by id, without `_rev` (the change feed from 0). */
export async function lakeDocs(
  lake: LakeAddress,
  token: string,
): Promise<Map<string, Record<string, unknown>>> {
  const docs = new Map<string, Record<string, unknown>>();
  let since: number | string = 0;
  for (;;) {
    const page = (await call(
      lake,
      token,
      'GET',
      `/api/changes?since=${encodeURIComponent(String(since))}&limit=1000&include_docs=true`,
    )) as {
      results: { id: string; deleted: boolean; doc?: Record<string, unknown> }[];
      last_seq: number | string;
    };
    for (const change of page.results) {
      if (change.deleted || change.doc === undefined) docs.delete(change.id);
      else {
        const { _rev: _ignored, ...content } = change.doc;
        docs.set(change.id, content);
      }
    }
    since = page.last_seq;
    if (page.results.length === 0) return docs;
  }
}

/** Whether the lake holds the chunk with exactly the bytes its hash names. */
export async function lakeChunkIntact(lake: LakeAddress, sha256: string): Promise<boolean> {
  const response = await lakeFetch(lake, `/api/chunks/${sha256}`, {
    headers: { authorization: `Bearer ${lake.adminToken}` },
  });
  if (!response.ok) return false;
  return createHash('sha256').update(response.body).digest('hex') === sha256;
}
