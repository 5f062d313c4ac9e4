// fl-connectivity: the online/offline indicator in the top bar.
import { defineGadget, html } from '../runtime/index.ts';
import { type Connectivity, connectivityLabels, probeLake } from './connectivity-status.ts';

const probeIntervalMs = 30_000;

export const connectivityGadget = defineGadget({
  name: 'fl-connectivity',
  state: (): { status: Connectivity } => ({ status: navigator.onLine ? 'online' : 'offline' }),
  render: (g) => html`<span class="connectivity" role="status" data-status="${g.state.status}"
      ><span class="dot" aria-hidden="true"></span><span class="label">${connectivityLabels[g.state.status]}</span></span
    >`,
  services: [
    // Follows the browser's online/offline events and, while online, probes the lake now and
    // then. Everything stops when the indicator leaves the page.
    async (g, signal) => {
      const check = async (): Promise<void> => {
        if (!navigator.onLine) {
          await g.changeState({ status: 'offline' });
          return;
        }
        const status = await probeLake(fetch, signal);
        if (!signal.aborted) await g.changeState({ status });
      };
      const onChange = (): void => {
        check().catch(() => undefined);
      };
      window.addEventListener('online', onChange, { signal });
      window.addEventListener('offline', onChange, { signal });
      const timer = setInterval(onChange, probeIntervalMs);
      signal.addEventListener('abort', () => { clearInterval(timer); });
      await check();
    },
  ],
});
