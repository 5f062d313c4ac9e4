// App entry: mounts the root gadget and registers the service worker.
import { createAppRegistry } from './gadgets/app-registry.ts';
import { registerServiceWorker, type ServiceWorkerControl } from './pwa/register-sw.ts';
import { openAppStorage } from './app-storage.ts';
import { type SyncClient, startSyncClient } from './gadgets/sync-screen/sync-client.ts';
import './styles/app.css';

let serviceWorker: ServiceWorkerControl | undefined;
// Sync starts with the app, whatever the screen: the outbox must drain even if the user never
// opens the Sync tab.
const sync: SyncClient = startSyncClient();
openAppStorage(sync);

const registry = createAppRegistry({
  applyUpdate: () => {
    if (serviceWorker === undefined) window.location.reload();
    else serviceWorker.applyUpdate();
  },
  syncClient: () => sync,
});

const host = document.getElementById('app');
if (host === null) throw new Error('index.html has no #app element');

registry.mount(host, 'fl-app').then(
  (app) => {
    // The dev server builds no service worker (it would cache modules that Vite rebuilds).
    if (!import.meta.env.PROD) return;
    serviceWorker = registerServiceWorker(() => {
      app.call('showUpdate').catch((error: unknown) => {
        console.error('Could not show the update prompt', error);
      });
    });
  },
  (error: unknown) => {
    console.error('Fieldlake failed to start', error);
  },
);
