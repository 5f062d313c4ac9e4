// fl-sync-screen: the plain Sync screen — what is synced, pending or failed and why, "Sync
// now", transfer progress, storage used against the budget, persistence and the outbox export
// and import, signing in again when the session has ended. Everything it shows comes from the
// sync worker's status; everything it does goes through the sync client.
import { defineGadget, type GadgetHandle, html } from '../runtime/index.ts';
import type { SyncClient, SyncStatusView } from './sync-client.ts';
import { formatBytes, headline } from './sync-labels.ts';

interface SyncScreenState {
  status: SyncStatusView | undefined;
  busy: string | undefined;
  message: string | undefined;
  persisted: boolean | undefined;
}

const MIB = 1024 * 1024;

function client(g: GadgetHandle<SyncScreenState>): Promise<SyncClient> {
  return g.acquire('syncClient');
}

async function act(
  g: GadgetHandle<SyncScreenState>,
  busy: string,
  work: () => Promise<string | undefined>,
): Promise<void> {
  if (g.state.busy !== undefined) return;
  await g.changeState({ busy, message: undefined });
  try {
    const message = await work();
    await g.changeState({ busy: undefined, message });
  } catch (error) {
    await g.changeState({
      busy: undefined,
      message: error instanceof Error ? error.message : String(error),
    });
  }
}

export const syncScreenGadget = defineGadget({
  name: 'fl-sync-screen',
  state: (): SyncScreenState => ({
    status: undefined,
    busy: undefined,
    message: undefined,
    persisted: undefined,
  }),
  render: (g) => {
    const status = g.state.status;
    const line = headline(status, Date.now());
    const budget = status?.budget;
    const transfer = status?.transfer;
    return html`<section class="sync-screen" aria-labelledby="screen-title">
      <h2 id="screen-title">Sync</h2>
      <p class="sync-headline" role="status" data-tone="${line.tone}">${line.text}</p>
      ${
        transfer !== undefined && transfer.totalBytes > 0
          ? html`<progress
              class="sync-progress"
              max="${transfer.totalBytes}"
              value="${transfer.doneBytes}"
              aria-label="Transfer progress"
            ></progress>`
          : html``
      }
      <div class="sync-actions">
        <button type="button" class="primary" data-action="sync-now">
          ${g.state.busy === 'sync' ? 'Syncing…' : 'Sync now'}
        </button>
        ${status?.user === undefined ? html`` : html`<span class="sync-user">Signed in as ${status.user.name}</span>`}
      </div>
      ${g.state.message === undefined ? html`` : html`<p class="sync-message" role="alert">${g.state.message}</p>`}
      ${status?.signInNeeded === true ? signInForm() : html``}
      <h3>Datasets</h3>
      ${datasetTable(status)}
      <h3>Storage</h3>
      ${
        budget === undefined
          ? html`<p>Measuring…</p>`
          : html`<p class="sync-storage">
                Cached data uses <strong>${formatBytes(budget.chunkBytes)}</strong> of a
                ${formatBytes(budget.budgetBytes)} budget (${budget.source === 'default' ? 'default: half of' : 'set by you; the browser allows'}
                ${formatBytes(budget.quotaBytes)}). Unsynced: ${formatBytes(budget.unsyncedBytes)};
                pinned by kits: ${formatBytes(budget.pinnedBytes)}.
              </p>
              ${
                budget.atRisk
                  ? html`<p class="sync-warning" role="alert">
                      This browser has not promised to keep Fieldlake's data: unsynced work is at
                      risk if storage runs low. Allow persistent storage, or export the outbox to a
                      file.
                    </p>`
                  : html``
              }
              <form class="sync-budget" data-form="budget">
                <label
                  >Budget (MiB)
                  <input
                    name="budget"
                    type="number"
                    min="0"
                    step="1"
                    inputmode="numeric"
                    value="${Math.round(budget.budgetBytes / MIB)}"
                /></label>
                <button type="submit">Set budget</button>
                <button type="button" data-action="default-budget">Use default</button>
              </form>
              <p>
                Persistent storage: ${budget.persisted ? 'granted' : 'not granted'}
                ${budget.persisted ? html`` : html`<button type="button" data-action="persist">Allow</button>`}
              </p>`
      }
      <h3>Field kits</h3>
      <p>Pin what you will need before going out: the overview arrives first, then full resolution.</p>
      <div data-gadget="fl-sync-kits" data-gadget-scope="kits"></div>
      <h3>Outbox</h3>
      <p>
        Export what has not reached the lake to a file, to import on another device or later.
      </p>
      <div class="sync-actions">
        <button type="button" data-action="export">Export outbox</button>
        <label class="file-button"
          >Import outbox file<input type="file" accept=".ndjson,application/x-ndjson" data-action="import"
        /></label>
      </div>
      <h3>Activity</h3>
      ${eventList(status)}
    </section>`;
  },
  services: [
    async (g, signal) => {
      const sync = await client(g);
      const unsubscribe = sync.subscribe((status) => {
        void g.changeState({ status });
      });
      signal.addEventListener('abort', unsubscribe, { once: true });
      // The headline says "next try in 12 s": keep it current between status changes.
      const timer = setInterval(() => {
        void g.changeState({ status: sync.current });
      }, 5000);
      signal.addEventListener('abort', () => {
        clearInterval(timer);
      });
    },
  ],
  on: {
    click: {
      selector: '[data-action]',
      handler: async (g, _event, _signal, target) => {
        const action = target.getAttribute('data-action');
        const sync = await client(g);
        if (action === 'sync-now') {
          await act(g, 'sync', async () => {
            const status = await sync.syncNow();
            await g.changeState({ status });
            return undefined;
          });
        } else if (action === 'persist') {
          await act(g, 'persist', async () => {
            const granted = await sync.requestPersistence();
            await g.changeState({ status: sync.current, persisted: granted });
            return granted
              ? 'Persistent storage granted.'
              : 'The browser refused persistent storage. Export the outbox to keep a copy of unsynced work.';
          });
        } else if (action === 'default-budget') {
          await act(g, 'budget', async () => {
            await sync.worker.setBudget(null);
            return 'The budget is back to its default.';
          });
        } else if (action === 'export') {
          await act(g, 'export', async () => {
            const exported = await sync.worker.exportOutbox();
            download(exported.blob, exported.fileName);
            return `Exported ${String(exported.docs)} changes and ${String(exported.chunks)} chunks to ${exported.fileName}.`;
          });
        }
      },
    },
    change: {
      selector: 'input[type="file"][data-action="import"]',
      handler: async (g, _event, _signal, target) => {
        const file = (target as HTMLInputElement).files?.[0];
        if (file === undefined) return;
        const sync = await client(g);
        await act(g, 'import', async () => {
          const report = await sync.worker.importOutbox(file);
          return `Imported ${String(report.written)} changes (${String(report.unchanged)} already here, ${String(report.conflicts)} in conflict).`;
        });
        (target as HTMLInputElement).value = '';
      },
    },
    submit: {
      selector: 'form',
      preventDefault: true,
      handler: async (g, _event, _signal, target) => {
        const form = target as HTMLFormElement;
        const data = new FormData(form);
        const sync = await client(g);
        if (form.dataset.form === 'budget') {
          const mib = Number(data.get('budget'));
          await act(g, 'budget', async () => {
            if (!Number.isFinite(mib) || mib < 0)
              throw new Error('The budget must be a number of MiB ≥ 0.');
            const budget = await sync.worker.setBudget(Math.round(mib * MIB));
            return `Budget set to ${formatBytes(budget.budgetBytes)}.`;
          });
        } else if (form.dataset.form === 'sign-in') {
          await act(g, 'sign-in', async () => {
            const response = await fetch('/api/session', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ name: data.get('name'), password: data.get('password') }),
            });
            if (!response.ok) throw new Error('Sign-in failed: check the name and password.');
            const status = await sync.syncNow();
            await g.changeState({ status });
            return 'Signed in; sync resumed.';
          });
        }
      },
    },
  },
});

function signInForm() {
  return html`<form class="sync-sign-in" data-form="sign-in">
    <label>Name <input name="name" autocomplete="username" required /></label>
    <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
    <button type="submit" class="primary">Sign in</button>
  </form>`;
}

function datasetTable(status: SyncStatusView | undefined) {
  if (status?.known !== true) return html`<p>Waiting for the first sync…</p>`;
  if (status.datasets.length === 0) return html`<p>Every dataset is synced.</p>`;
  return html`<table class="sync-datasets">
    <thead>
      <tr><th scope="col">Dataset</th><th scope="col">State</th><th scope="col">Changes</th><th scope="col">Why</th></tr>
    </thead>
    <tbody>
      ${status.datasets.map(
        (dataset) => html`<tr data-dataset="${dataset.datasetId}" data-state="${dataset.state}">
          <td>${dataset.datasetId === 'other' ? 'Other documents' : dataset.datasetId}</td>
          <td>${dataset.state === 'failed' ? 'Failed' : 'Pending'}</td>
          <td>${dataset.pending}</td>
          <td>${dataset.reasons.join('; ')}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function eventList(status: SyncStatusView | undefined) {
  const events = (status?.events ?? [])
    .filter((event) => event.kind !== 'cycle-start')
    .slice(-12)
    .reverse();
  if (events.length === 0) return html`<p>Nothing yet.</p>`;
  return html`<ol class="sync-events">
    ${events.map(
      (event) => html`<li data-kind="${event.kind}">
        <time datetime="${new Date(event.at).toISOString()}">${new Date(event.at).toLocaleTimeString()}</time>
        ${event.kind}${event.id === undefined ? '' : ` ${shortId(event.id)}`}${event.detail === undefined ? '' : `: ${event.detail}`}
      </li>`,
    )}
  </ol>`;
}

/** A chunk's 64-hex hash shortened as git does; document ids as they are. */
function shortId(id: string): string {
  return /^[0-9a-f]{64}$/.test(id) ? `chunk ${id.slice(0, 12)}` : id;
}

function download(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 60_000);
}
