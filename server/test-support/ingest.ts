// Helpers the ingestion tests share: documents written as the admin through the bulk route, and
// a signal's values read back through the CSV slice route (what a user would download).
import type { FastifyInstance } from 'fastify';

/** Writes `items` with POST /api/bulk; throws unless every item was written. */
export async function writeAll(
  app: FastifyInstance,
  bearer: string,
  items: readonly { id: string; doc: Record<string, unknown> }[],
): Promise<void> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/bulk',
    headers: { authorization: `Bearer ${bearer}` },
    payload: { items },
  });
  const results = response.json<{ results?: { ok: boolean; id: string }[] }>().results ?? [];
  const failed = results.filter((result) => !result.ok);
  if (response.statusCode !== 200 || failed.length > 0) {
    throw new Error(`bulk write failed (${response.statusCode}): ${response.body.slice(0, 300)}`);
  }
}

/** A signal's samples by index (NaN for a gap), from GET …/signals/<name>.csv?time=none. */
export async function signalValues(
  app: FastifyInstance,
  bearer: string,
  datasetId: string,
  name: string,
): Promise<number[]> {
  const response = await app.inject({
    url: `/api/datasets/${encodeURIComponent(datasetId)}/signals/${encodeURIComponent(name)}.csv?time=none`,
    headers: { authorization: `Bearer ${bearer}` },
  });
  if (response.statusCode !== 200) {
    throw new Error(`reading ${name} answered ${response.statusCode}: ${response.body}`);
  }
  return response.body
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const value = line.split(',')[1] ?? '';
      return value === '' ? Number.NaN : Number(value);
    });
}
