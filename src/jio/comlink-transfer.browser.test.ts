// A JioError thrown in a real Web Worker reaches the page as a JioError.
import * as Comlink from 'comlink';
import { describe, expect, it } from 'vitest';
import type { FailingWorkerApi } from './comlink-transfer.fixture.worker.ts';
import { installJioErrorTransfer } from './comlink-transfer.ts';
import { JioError } from './errors.ts';

describe('JioError across a Web Worker', () => {
  it('keeps its class, code, status and reason; other errors stay plain', async () => {
    installJioErrorTransfer();
    const worker = new Worker(new URL('./comlink-transfer.fixture.worker.ts', import.meta.url), {
      type: 'module',
    });
    try {
      const remote = Comlink.wrap<FailingWorkerApi>(worker);
      const error = await remote.fail().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JioError);
      expect(error).toMatchObject({
        code: 'insufficient_storage',
        status: 507,
        details: { reason: 'quota_exceeded' },
      });
      const plain = await remote.failPlain().catch((e: unknown) => e);
      expect(plain).not.toBeInstanceOf(JioError);
      expect((plain as Error).message).toBe('plain failure');
    } finally {
      worker.terminate();
    }
  });
});
