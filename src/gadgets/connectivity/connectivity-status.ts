// Whether the lake can be reached. navigator.onLine only says that some network interface is
// up (a tablet on a site LAN without a route to the lake says "online"), so we also ask the
// lake itself.

export type Connectivity = 'online' | 'offline' | 'unreachable';

/** Asks GET /api/health with a timeout; any failure means the lake is unreachable. */
export async function probeLake(
  fetchImpl: typeof fetch,
  signal: AbortSignal,
  timeoutMs = 5000,
): Promise<'online' | 'unreachable'> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetchImpl('/api/health', {
      cache: 'no-store',
      signal: AbortSignal.any([signal, timeout]),
    });
    return response.ok ? 'online' : 'unreachable';
  } catch (error) {
    if (signal.aborted) throw error;
    return 'unreachable';
  }
}

export const connectivityLabels: Readonly<Record<Connectivity, string>> = {
  online: 'Online',
  offline: 'Offline',
  unreachable: 'Lake unreachable',
};
