// The methods a gadget may acquire from its ancestors, with their types. The root gadget
// (fl-app) provides them; tests provide their own at mount.
import type {} from './runtime/index.ts';
import type { SyncClient } from './sync-screen/sync-client.ts';

declare module './runtime/index.ts' {
  interface Acquirable {
    /** Shows a short message to the user (a toast). */
    notify(message: string): void;
    /** Moves the app to another screen, as a link would. */
    navigate(path: string): void;
    /** Activates the waiting new version of the app and reloads into it. */
    applyUpdate(): void;
    /** The page's client of the sync worker (one per tab). */
    syncClient(): SyncClient;
  }
}
