// fl-app: the root gadget. Holds the current screen (from the URL, so a reload or an update
// lands on the same screen), provides notify/navigate/applyUpdate to every gadget below it.
import { defineGadget, type GadgetHandle, html } from '../runtime/index.ts';
import { icon } from '../icons.ts';
import { type Route, routeFor, routes } from '../routes.ts';
import type { SyncClient } from '../sync-screen/sync-client.ts';
import type { updatePromptGadget } from '../update-prompt/update-prompt.gadget.ts';

interface Toast {
  id: number;
  message: string;
}

interface AppState {
  path: string;
  toasts: readonly Toast[];
}

const toastMs = 4000;
let nextToast = 1;

/** What the page gives the app (main.ts): the service worker's update hook, the sync client. */
export interface AppHooks {
  applyUpdate(): void;
  syncClient(): SyncClient;
}

export function createAppGadget(hooks: AppHooks) {
  return defineGadget({
    name: 'fl-app',
    state: (): AppState => ({ path: location.pathname, toasts: [] }),
    methods: {
      /** A new version is waiting: show the prompt. */
      showUpdate: async (g): Promise<void> => {
        await g.child<typeof updatePromptGadget>('update').call('show');
      },
    },
    provide: {
      notify: (g, message) => {
        const toast = { id: nextToast++, message };
        void g.changeState({ toasts: [...g.state.toasts, toast] });
        setTimeout(() => {
          void g.changeState({ toasts: g.state.toasts.filter((t) => t.id !== toast.id) });
        }, toastMs);
      },
      navigate: (g, path) => {
        navigateTo(g, path);
      },
      applyUpdate: () => {
        hooks.applyUpdate();
      },
      syncClient: () => hooks.syncClient(),
    },
    render: (g) => {
      const current = routeFor(g.state.path);
      return html`<div class="shell">
        <header class="topbar">
          <h1 class="brand"><img src="/favicon.svg" alt="" />Fieldlake</h1>
          <span class="spacer"></span>
          <div data-gadget="fl-connectivity" data-gadget-scope="connectivity"></div>
        </header>
        <div class="update-slot" data-gadget="fl-update-prompt" data-gadget-scope="update"></div>
        <main class="screen" id="main">
          ${
            current?.path === '/sync'
              ? html`<div data-gadget="fl-sync-screen" data-gadget-scope="screen:/sync"></div>`
              : html`<div
                  data-gadget="fl-placeholder-screen"
                  data-gadget-scope="${`screen:${current?.path ?? g.state.path}`}"
                  data-route="${g.state.path}"
                ></div>`
          }
        </main>
        <nav class="tabs" aria-label="Screens">${routes.map((route) => tab(route, current))}</nav>
        <div class="toast-region" aria-live="polite">
          ${g.state.toasts.map((t) => html`<div class="toast">${t.message}</div>`)}
        </div>
      </div>`;
    },
    on: {
      // In-app links (`<a data-route>`, in this gadget or any gadget below it) change the
      // screen without a page load; a modified click still opens a new tab as usual.
      click: {
        handler: (g, event) => {
          const link =
            event.target instanceof Element ? event.target.closest('a[data-route]') : null;
          if (
            !(link instanceof HTMLAnchorElement) ||
            event.ctrlKey ||
            event.metaKey ||
            event.shiftKey
          )
            return;
          event.preventDefault();
          navigateTo(g, new URL(link.href).pathname);
        },
      },
    },
    services: [
      // Back/forward buttons.
      (g, signal) => {
        window.addEventListener('popstate', () => void g.changeState({ path: location.pathname }), {
          signal,
        });
      },
    ],
    ready: (g) => {
      // '/' shows the default screen under its own address.
      if (location.pathname === '/') {
        const path = routes[0]?.path ?? '/';
        history.replaceState(null, '', path);
        void g.changeState({ path });
      }
    },
  });
}

function navigateTo(g: GadgetHandle<AppState>, path: string): void {
  if (path !== location.pathname) history.pushState(null, '', path);
  void g.changeState({ path });
}

function tab(route: Route, current: Route | undefined) {
  const selected = current?.path === route.path;
  return html`<a href="${route.path}" data-route aria-current="${selected ? 'page' : 'false'}"
    >${icon(route.icon)}<span>${route.label}</span></a
  >`;
}
