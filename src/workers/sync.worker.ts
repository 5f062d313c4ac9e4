// The sync worker: one per tab, so sync never runs on the page's thread. Every tab's worker
// opens the storages; the one holding the `fieldlake-sync` Web Lock syncs (sync-service.ts),
// the others show its status and forward "Sync now". The page talks to it with comlink
// (sync-client.ts).
import * as Comlink from 'comlink';
import { installJioErrorTransfer } from '../jio/comlink-transfer.ts';
import { createSyncWorkerApi } from './sync-worker-api.ts';

installJioErrorTransfer();
Comlink.expose(createSyncWorkerApi());
