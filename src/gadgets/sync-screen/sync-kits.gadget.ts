// fl-sync-kits: field kits on the Sync screen — pin sites/assets/datasets/signals × a time
// window × a resolution before going out, watch the coarse overview arrive first and then the
// raw data, see what each kit covers and the space it takes, refresh or unpin it. The kit
// itself is a document (synced); its chunks are pinned on this device only.
import { proxy } from 'comlink';
import type { KitCoverage, KitSpec } from '../../jio/sync/field-kit.ts';
import { defineGadget, type GadgetHandle, html } from '../runtime/index.ts';
import type { SyncClient } from './sync-client.ts';
import { formatBytes } from './sync-labels.ts';

interface KitRow {
  id: string;
  kit: KitSpec;
  coverage: KitCoverage;
}

interface KitsState {
  kits: readonly KitRow[];
  busy: string | undefined;
  progress: { done: number; total: number; bytes: number } | undefined;
  message: string | undefined;
}

function client(g: GadgetHandle<KitsState>): Promise<SyncClient> {
  return g.acquire('syncClient');
}

async function refresh(g: GadgetHandle<KitsState>): Promise<void> {
  const sync = await client(g);
  await g.changeState({ kits: await sync.worker.kits() });
}

/** A text field's value ('' for a missing field or a file). */
function text(value: FormDataEntryValue | null): string {
  return typeof value === 'string' ? value : '';
}

/** datetime-local value (local time, no zone) → ISO instant, or undefined when empty. */
function isoOf(value: FormDataEntryValue | null): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw new Error(`"${value}" is not a date and time`);
  return time.toISOString();
}

async function fetchKit(g: GadgetHandle<KitsState>, id: string, kit?: KitSpec): Promise<void> {
  if (g.state.busy !== undefined) return;
  await g.changeState({ busy: id, message: undefined, progress: undefined });
  const sync = await client(g);
  const onProgress = proxy((progress: { done: number; total: number; bytes: number }) => {
    void g.changeState({ progress });
  });
  try {
    const coverage =
      kit === undefined
        ? await sync.worker.fillKit(id, onProgress)
        : await sync.worker.pinKit(id, kit, onProgress);
    await g.changeState({
      message: coverage.complete
        ? `Kit ready offline: ${String(coverage.heldChunks)} chunks, ${formatBytes(coverage.heldBytes)}.`
        : `Kit partly fetched (${String(coverage.heldChunks)} of ${String(coverage.neededChunks)} chunks); fetch again when online.`,
    });
  } catch (error) {
    await g.changeState({
      message: `The kit could not be fetched completely: ${error instanceof Error ? error.message : String(error)}. What arrived stays pinned.`,
    });
  } finally {
    await g.changeState({ busy: undefined, progress: undefined });
    await refresh(g).catch(() => undefined);
  }
}

function levelsText(coverage: KitCoverage): string {
  const levels = new Map<number, { needed: number; held: number }>();
  for (const signal of coverage.signals) {
    for (const level of signal.levels) {
      const entry = levels.get(level.level) ?? { needed: 0, held: 0 };
      entry.needed += level.needed;
      entry.held += level.held;
      levels.set(level.level, entry);
    }
  }
  return [...levels]
    .sort(([a], [b]) => b - a)
    .map(
      ([level, { needed, held }]) =>
        `${level === 0 ? 'raw' : `L${String(level)}`} ${String(held)}/${String(needed)}`,
    )
    .join(', ');
}

export const syncKitsGadget = defineGadget({
  name: 'fl-sync-kits',
  state: (): KitsState => ({ kits: [], busy: undefined, progress: undefined, message: undefined }),
  render: (g) => html`<div class="sync-kits">
    <form class="kit-form" data-form="kit">
      <label>Name <input name="name" required placeholder="Tuesday round" /></label>
      <label
        >Sites, assets, datasets or signals (ids, comma-separated)
        <input name="scope" required placeholder="site/north-farm" />
      </label>
      <label>From <input name="from" type="datetime-local" /></label>
      <label>To <input name="to" type="datetime-local" /></label>
      <label
        >Resolution
        <select name="resolution">
          <option value="overview">Overview (pyramid levels only)</option>
          <option value="raw">Full resolution</option>
        </select>
      </label>
      <button type="submit" class="primary">Pin and fetch</button>
    </form>
    ${
      g.state.progress === undefined
        ? html``
        : html`<p>
            <progress
              class="sync-progress"
              max="${Math.max(1, g.state.progress.total)}"
              value="${g.state.progress.done}"
              aria-label="Kit download"
            ></progress>
            ${g.state.progress.done} of ${g.state.progress.total} chunks, ${formatBytes(g.state.progress.bytes)}
          </p>`
    }
    ${g.state.message === undefined ? html`` : html`<p class="sync-message" role="status">${g.state.message}</p>`}
    ${
      g.state.kits.length === 0
        ? html`<p>No kit pinned on this device.</p>`
        : html`<ul class="kit-list">
            ${g.state.kits.map(
              (
                row,
              ) => html`<li data-kit="${row.id}" data-complete="${row.coverage.complete ? 'yes' : 'no'}">
                <strong>${row.kit.name}</strong> — ${row.kit.scope.join(', ')}:
                ${row.coverage.complete ? 'ready offline' : 'incomplete'}, ${formatBytes(row.coverage.heldBytes)}
                <span class="kit-levels">(${levelsText(row.coverage)})</span>
                <button type="button" data-action="fill" data-id="${row.id}">Fetch</button>
                <button type="button" data-action="unpin" data-id="${row.id}">Unpin</button>
                <button type="button" data-action="remove" data-id="${row.id}">Delete</button>
              </li>`,
            )}
          </ul>`
    }
  </div>`,
  services: [
    async (g) => {
      await refresh(g).catch(() => undefined);
    },
  ],
  on: {
    submit: {
      selector: 'form[data-form="kit"]',
      preventDefault: true,
      handler: async (g, _event, _signal, target) => {
        const data = new FormData(target as HTMLFormElement);
        let kit: KitSpec;
        try {
          const from = isoOf(data.get('from'));
          const to = isoOf(data.get('to'));
          kit = {
            type: 'kit',
            name: text(data.get('name')).trim(),
            scope: text(data.get('scope'))
              .split(',')
              .map((id) => id.trim())
              .filter((id) => id !== ''),
            resolution: data.get('resolution') === 'raw' ? 'raw' : 'overview',
            ...(from === undefined ? {} : { from }),
            ...(to === undefined ? {} : { to }),
          };
        } catch (error) {
          await g.changeState({ message: error instanceof Error ? error.message : String(error) });
          return;
        }
        await fetchKit(g, `kit/${crypto.randomUUID()}`, kit);
      },
    },
    click: {
      selector: 'button[data-action]',
      handler: async (g, _event, _signal, target) => {
        const id = target.getAttribute('data-id') ?? '';
        if (target.getAttribute('data-action') === 'fill') {
          await fetchKit(g, id);
          return;
        }
        const sync = await client(g);
        if (target.getAttribute('data-action') === 'remove') {
          await sync.worker.removeKit(id);
          await g.changeState({ message: 'Kit deleted.' });
        } else {
          await sync.worker.unpinKit(id);
          await g.changeState({
            message: 'Kit unpinned on this device: its data may now be evicted.',
          });
        }
        await refresh(g);
      },
    },
  },
});
