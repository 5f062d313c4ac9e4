// fl-update-prompt: "A new version is ready — Reload to update". Shown when a new service
// worker is waiting; reloading is safe because every screen lives in the URL and every saved
// item lives in IndexedDB, not in page memory.
import { defineGadget, html } from '../runtime/index.ts';

export const updatePromptGadget = defineGadget({
  name: 'fl-update-prompt',
  state: (): { available: boolean; applying: boolean } => ({ available: false, applying: false }),
  methods: {
    /** Called by the root when the service worker reports a waiting version. */
    show: async (g): Promise<void> => {
      await g.changeState({ available: true });
    },
  },
  render: (g) =>
    g.state.available
      ? html`<div class="update-banner" role="alert">
          <span>A new version of Fieldlake is ready.</span>
          ${
            g.state.applying
              ? html`<button type="button" class="primary" disabled>Reloading…</button>`
              : html`<button type="button" class="primary" data-action="apply-update">Reload to update</button>`
          }
        </div>`
      : html``,
  on: {
    click: {
      selector: '[data-action="apply-update"]',
      handler: async (g) => {
        await g.changeState({ applying: true });
        await g.acquire('applyUpdate');
      },
    },
  },
});
