// The words the Sync screen uses for the engine's status: one place, pure, tested in Node.
import type { SyncStatusView } from '../../workers/sync-worker-api.ts';

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? String(value) : value.toFixed(value < 10 ? 1 : 0)} ${units[unit] ?? 'B'}`;
}

/** "in 12 s", "in 3 min": when the next attempt is due. */
export function formatDelay(ms: number): string {
  if (ms <= 1000) return 'now';
  if (ms < 60_000) return `in ${String(Math.round(ms / 1000))} s`;
  return `in ${String(Math.round(ms / 60_000))} min`;
}

export type Headline = { tone: 'ok' | 'busy' | 'waiting' | 'problem'; text: string };

/** The one line at the top of the screen: what the user most needs to know now. */
export function headline(status: SyncStatusView | undefined, now: number): Headline {
  if (status?.known !== true) return { tone: 'busy', text: 'Starting sync…' };
  if (status.signInNeeded) {
    return {
      tone: 'problem',
      text: `Your session has ended: sign in again to sync. ${kept(status.pending)}`,
    };
  }
  const scheduler = status.scheduler;
  if (scheduler.state === 'syncing') {
    const transfer = status.transfer;
    if (transfer !== undefined && transfer.totalBytes > 0) {
      const verb = transfer.direction === 'upload' ? 'Uploading' : 'Downloading';
      return {
        tone: 'busy',
        text: `${verb} ${formatBytes(transfer.doneBytes)} of ${formatBytes(transfer.totalBytes)}…`,
      };
    }
    return { tone: 'busy', text: 'Syncing…' };
  }
  if (scheduler.state === 'retry-wait') {
    const why =
      scheduler.lastError?.code === 'unavailable'
        ? 'The lake cannot be reached'
        : `Sync failed (${scheduler.lastError?.message ?? 'unknown error'})`;
    const when =
      scheduler.nextAt === undefined ? '' : `; next try ${formatDelay(scheduler.nextAt - now)}`;
    return { tone: 'waiting', text: `${why}${when}. ${kept(status.pending)}` };
  }
  if (status.failures.length > 0) {
    return {
      tone: 'problem',
      text: `${String(status.failures.length)} change${status.failures.length === 1 ? ' was' : 's were'} refused by the lake; see below.`,
    };
  }
  if (status.pending > 0)
    return { tone: 'waiting', text: `${pendingText(status.pending)} waiting to sync.` };
  return { tone: 'ok', text: 'Everything is synced.' };
}

function pendingText(pending: number): string {
  return `${String(pending)} unsynced change${pending === 1 ? '' : 's'}`;
}

function kept(pending: number): string {
  return pending === 0
    ? 'Nothing is waiting to sync.'
    : `${pendingText(pending)} kept on this device.`;
}
