// Test fixture: a worker whose calls fail with a JioError (comlink-transfer.browser.test.ts).
import * as Comlink from 'comlink';
import { installJioErrorTransfer } from './comlink-transfer.ts';
import { JioError } from './errors.ts';

installJioErrorTransfer();

const api = {
  fail(): void {
    throw new JioError('insufficient_storage', 'disk full in the worker', {
      reason: 'quota_exceeded',
    });
  },
  failPlain(): void {
    throw new RangeError('plain failure');
  },
};

export type FailingWorkerApi = typeof api;

Comlink.expose(api);
