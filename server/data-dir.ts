// The data directory: created on first start, and proven writable before we accept requests,
// so a wrong --data fails at once with a clear message instead of at the first write.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export class DataDirError extends Error {
  override name = 'DataDirError';
}

/** Creates the directory and proves it writable; 'full' when it is but the disk is full. */
export async function prepareDataDir(dataDir: string): Promise<'ok' | 'full'> {
  try {
    await mkdir(dataDir, { recursive: true });
    const probe = path.join(dataDir, `.write-probe-${process.pid}`);
    await writeFile(probe, 'ok');
    await rm(probe);
  } catch (error) {
    // A full disk is usable: the lake starts, serves what it holds and answers writes with 507
    // until space is freed — refusing to start would take the data offline too.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      await rm(path.join(dataDir, `.write-probe-${process.pid}`), { force: true }).catch(
        () => undefined,
      );
      return 'full';
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new DataDirError(`Data directory ${dataDir} is not usable: ${reason}`);
  }
  return 'ok';
}
