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
    // Follows the browser's online/offline events and asks the lake now and then: every 30 s
    // while it answers, sooner (1 s, 2 s, 4 s, … up to 30 s) while it does not, since right
    // after the network comes back the first probe often fails. Stops when the indicator
    // leaves the page.
    async (g, signal) => {
      let wake = (): void => undefined;
      const onNetworkChange = (): void => {
        failures = 0;
        wake();
      };
      window.addEventListener('online', onNetworkChange, { signal });
      window.addEventListener('offline', onNetworkChange, { signal });
      let failures = 0;
      while (!signal.aborted) {
        const status: Connectivity = navigator.onLine ? await probeLake(fetch, signal) : 'offline';
        signal.throwIfAborted();
        await g.changeState({ status });
        failures = status === 'unreachable' ? failures + 1 : 0;
        const delay =
          failures > 0 ? Math.min(1000 * 2 ** (failures - 1), probeIntervalMs) : probeIntervalMs;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
          signal.addEventListener('abort', wake, { once: true });
        });
      }
    },
  ],
});
