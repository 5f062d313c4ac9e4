// The chunk garbage collector (DESIGN.md, "Chunk"): bytes no manifest page or attachment
// references any more — superseded versions, uploads whose document never came — are removed
// once they have been unreferenced for the grace period, so a client mid-sync never finds a
// hash that means nothing, and a client that uploads chunks before their manifest has time
// to push it.
import type { FastifyBaseLogger } from 'fastify';
import type { Lake } from '../lake.ts';

export interface CollectResult {
  removed: number;
  freedBytes: number;
}

export async function collectGarbage(lake: Lake, limit = 1000): Promise<CollectResult> {
  const before = lake.now() - lake.settings.chunkGraceMs;
  let removed = 0;
  let freedBytes = 0;
  for (const sha256 of await lake.meta.unreferencedChunks(before, limit)) {
    const record = await lake.meta.getChunk(sha256);
    // Forget first: a crash between the two leaves an orphan file (harmless, found by a
    // sweep), never an index entry pointing at nothing.
    await lake.meta.forgetChunk(sha256);
    await lake.blobs.delete(sha256);
    removed++;
    freedBytes += record?.length ?? 0;
  }
  return { removed, freedBytes };
}

/** Runs the collector every `intervalMs` in the background until the returned stop is called. */
export function scheduleGarbageCollection(
  lake: Lake,
  log: FastifyBaseLogger,
  intervalMs: number,
): () => Promise<void> {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = collectGarbage(lake).then(
      (result) => {
        if (result.removed > 0) log.info(result, 'collected unreferenced chunks');
      },
      (error: unknown) => {
        log.error({ err: error }, 'chunk garbage collection failed');
      },
    );
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
