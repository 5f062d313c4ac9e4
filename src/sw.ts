// Fieldlake's service worker. Compiled by vite-plugin-pwa (Workbox injectManifest), which
// replaces self.__WB_MANIFEST with the list of built files and their revisions. Every cache
// rule is written out below with its reason; Background Sync runs a sync cycle when no tab
// does.
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NetworkOnly } from 'workbox-strategies';
import { runBackgroundSync } from './jio/sync/background-sync.ts';
import { BACKGROUND_SYNC_TAG } from './jio/sync/sync-node.ts';
import type { LockManagerLike } from './jio/sync/sync-service.ts';
import { isSkipWaitingMessage } from './pwa/messages.ts';

declare const self: ServiceWorkerGlobalScope;

// Rule 1 — the app shell is precached: index.html, the hashed JS/CSS bundles, the manifest and
// the icons, each with its revision. Precached files are answered from the cache first, so the
// app starts with no network, and a new build replaces them all at once (never a mix of two
// versions).
precacheAndRoute(self.__WB_MANIFEST);

// Rule 2 — caches of older builds are deleted once this version is active, so storage does not
// grow with every update.
cleanupOutdatedCaches();

// Rule 3 — the API is live data and is never answered from a cache here: the storage layer keeps
// what the app needs offline in IndexedDB, with its own sync rules. A failed request must fail
// visibly (the app then works from its local copy) rather than return stale data.
registerRoute(
  ({ url }) => url.origin === self.location.origin && isApiPath(url.pathname),
  new NetworkOnly(),
);

// Rule 4 — every other navigation (a deep link such as /sync or /datasets/x, a reload on any
// screen) is answered with the precached shell, online or offline; the app routes on the client.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('/index.html'), { denylist: [/^\/api(\/|$)/] }),
);

// Nothing else is routed: any other request goes to the network as if there were no service
// worker.

// Updates wait for the user: the page shows "Reload to update" and sends SKIP_WAITING when the
// user accepts, so a technician's screen never changes version under their hands.
self.addEventListener('message', (event: ExtendableMessageEvent) => {
  if (isSkipWaitingMessage(event.data)) void self.skipWaiting();
});

// The first install takes control of open pages at once, so the app works offline after the
// very first load without a second visit.
self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

// Background Sync: a tab registered the tag while work waited for the network; the browser fires
// it when the network is back, tabs open or not. A rejected promise makes the browser retry.
interface BackgroundSyncEvent extends ExtendableEvent {
  readonly tag: string;
}
self.addEventListener('sync', (event: Event) => {
  const sync = event as BackgroundSyncEvent;
  if (sync.tag !== BACKGROUND_SYNC_TAG) return;
  const locks = (self.navigator as { locks?: unknown }).locks as LockManagerLike | undefined;
  sync.waitUntil(runBackgroundSync(locks));
});

function isApiPath(pathname: string): boolean {
  return pathname === '/api' || pathname.startsWith('/api/');
}
