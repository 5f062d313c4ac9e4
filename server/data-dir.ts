// The data directory: created on first start, and proven writable before we accept requests,
// so a wrong --data fails at once with a clear message instead of at the first write.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export class DataDirError extends Error {
  override name = 'DataDirError';
}

export async function prepareDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true });
    const probe = path.join(dataDir, `.write-probe-${process.pid}`);
    await writeFile(probe, 'ok');
    await rm(probe);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DataDirError(`Data directory ${dataDir} is not usable: ${reason}`);
  }
}
