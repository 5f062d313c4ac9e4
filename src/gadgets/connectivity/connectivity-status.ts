// Whether the lake can be reached. navigator.onLine only says that some network interface is
// up (a tablet on a site LAN without a route to the lake says "online"), so we also ask the
// lake itself — which also tells whether it speaks our API version: a lake older or newer
// than the app is shown as such (sync stops there; local data is kept).
import { API_VERSION, API_VERSION_HEADER } from '../../shared/wire/api.ts';

export type Connectivity = 'online' | 'offline' | 'unreachable' | 'lake-too-old' | 'lake-too-new';

/** Compares the lake's API version (its response header) with the app's. */
export function versionStatus(header: string | null): 'online' | 'lake-too-old' | 'lake-too-new' {
  const version = Number(header);
  if (header === null || !Number.isInteger(version) || version === API_VERSION) return 'online';
  return version < API_VERSION ? 'lake-too-old' : 'lake-too-new';
}

/** Asks GET /api/health with a timeout; any failure means the lake is unreachable. */
export async function probeLake(
  fetchImpl: typeof fetch,
  signal: AbortSignal,
  timeoutMs = 5000,
): Promise<Exclude<Connectivity, 'offline'>> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetchImpl('/api/health', {
      cache: 'no-store',
      signal: AbortSignal.any([signal, timeout]),
    });
    if (!response.ok) return 'unreachable';
    return versionStatus(response.headers.get(API_VERSION_HEADER));
  } catch (error) {
    if (signal.aborted) throw error;
    return 'unreachable';
  }
}

export const connectivityLabels: Readonly<Record<Connectivity, string>> = {
  online: 'Online',
  offline: 'Offline',
  unreachable: 'Lake unreachable',
  'lake-too-old': 'Lake too old for this app: update the lake (your data stays on this device)',
  'lake-too-new': 'Lake too new for this app: reload to update (your data stays on this device)',
};
