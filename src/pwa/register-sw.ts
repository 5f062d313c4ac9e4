// Registers our service worker with workbox-window and turns its update life cycle into two
// callbacks: a new version is waiting → onUpdateWaiting; the user accepts → applyUpdate()
// activates it and the page reloads into the new version once it controls the page.
import { Workbox } from 'workbox-window';

export interface ServiceWorkerControl {
  applyUpdate(): void;
  checkForUpdate(): Promise<void>;
}

const updateCheckMs = 60 * 60 * 1000;

export function registerServiceWorker(
  onUpdateWaiting: () => void,
): ServiceWorkerControl | undefined {
  if (!('serviceWorker' in navigator)) return undefined;
  const wb = new Workbox('/sw.js', { scope: '/' });
  let reloading = false;

  // Fires for a waiting worker whether this page's update check found it or the browser's own
  // (on navigation); both are a new version of the app.
  wb.addEventListener('waiting', () => {
    onUpdateWaiting();
  });

  const checkForUpdate = async (): Promise<void> => {
    try {
      await wb.update();
    } catch {
      // Offline or the lake is down: the next check will try again.
    }
  };
  wb.register().then(
    () => {
      setInterval(() => void checkForUpdate(), updateCheckMs);
      window.addEventListener('online', () => void checkForUpdate());
    },
    (error: unknown) => {
      console.error('Service worker registration failed', error);
    },
  );

  return {
    applyUpdate: () => {
      // Reload only once the new worker controls the page, so the reload is served by it. We
      // listen on the container rather than workbox-window's `controlling`, which does not fire
      // for a worker found by the browser's own update check.
      navigator.serviceWorker.addEventListener('controllerchange', () => {
        if (reloading) return;
        reloading = true;
        window.location.reload();
      });
      wb.messageSkipWaiting();
    },
    checkForUpdate,
  };
}
