// One syncer per origin: several services (one per tab) share a lock manager and a
// BroadcastChannel name; exactly one syncs, the others see its status and forward "Sync now";
// when the syncer's tab goes, the next takes over and nothing is lost.
import { describe, expect, it } from 'vitest';
import { MemoryChunkStore } from '../chunks/memory-chunk-store.ts';
import { JioError } from '../errors.ts';
import { createMemoryData, MemoryStorage } from '../storages/memory.ts';
import type { Storage } from '../types.ts';
import { StorageBudget } from './storage-budget.ts';
import { SyncEngine } from './sync-engine.ts';
import { SyncReport } from './sync-report.ts';
import {
  type LockManagerLike,
  type ServiceNode,
  SyncService,
  type SyncStatusView,
} from './sync-service.ts';
import { SyncState } from './sync-state.ts';

/** The Web Locks semantics that matter here: exclusive, queued, released when the callback settles. */
class FakeLocks implements LockManagerLike {
  readonly #queues = new Map<string, (() => void)[]>();
  readonly #held = new Set<string>();

  request(
    name: string,
    options: { ifAvailable?: boolean; signal?: AbortSignal },
    callback: (lock: unknown) => Promise<unknown>,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const run = (): void => {
        this.#held.add(name);
        callback({ name })
          .then(resolve, reject)
          .finally(() => {
            this.#held.delete(name);
            this.#queues.get(name)?.shift()?.();
          });
      };
      if (!this.#held.has(name)) run();
      else if (options.ifAvailable === true) callback(null).then(resolve, reject);
      else {
        const queue = this.#queues.get(name) ?? [];
        queue.push(run);
        this.#queues.set(name, queue);
        options.signal?.addEventListener('abort', () => {
          const index = queue.indexOf(run);
          if (index >= 0) queue.splice(index, 1);
          reject(new Error('aborted'));
        });
      }
    });
  }
}

const user = { id: 'u1', name: 'tech', role: 'technician' as const, sites: ['s1'] };

async function tab(
  local: Storage,
  stateStorage: Storage,
  remote: Storage,
  locks: LockManagerLike,
  channelName: string,
) {
  const engine = new SyncEngine({
    local,
    remote,
    state: await SyncState.open(stateStorage),
    report: new SyncReport(),
  });
  let signedIn = true;
  const node: ServiceNode = {
    local,
    engine,
    budget: new StorageBudget({ chunks: new MemoryChunkStore(), settings: stateStorage }),
    session: () =>
      signedIn
        ? Promise.resolve(user)
        : Promise.reject(new JioError('unauthorized', 'session expired')),
  };
  const service = new SyncService({
    node,
    locks,
    channel: new BroadcastChannel(channelName),
    scheduler: { periodMs: 3_600_000, baseDelayMs: 3_600_000 },
  });
  return {
    service,
    engine,
    signOut: () => {
      signedIn = false;
    },
    signIn: () => {
      signedIn = true;
    },
  };
}

function until(
  service: SyncService,
  test: (status: SyncStatusView) => boolean,
): Promise<SyncStatusView> {
  return new Promise((resolve) => {
    if (test(service.status())) {
      resolve(service.status());
      return;
    }
    const stop = service.subscribe((status) => {
      if (test(status)) {
        stop();
        resolve(status);
      }
    });
  });
}

describe('sync service', () => {
  it('lets exactly one tab sync; the others follow its status and forward Sync now', async () => {
    const local = new MemoryStorage(createMemoryData());
    const stateData = createMemoryData();
    const remote = new MemoryStorage(createMemoryData());
    const locks = new FakeLocks();
    const channel = `sync-${String(Math.random())}`;
    const first = await tab(local, new MemoryStorage(stateData), remote, locks, channel);
    const second = await tab(local, new MemoryStorage(stateData), remote, locks, channel);
    first.service.start();
    second.service.start();
    expect(first.service.leader).toBe(true);
    expect(second.service.leader).toBe(false);
    await until(first.service, (s) => s.known && s.scheduler.state === 'idle');
    // A change made in the follower's tab reaches the lake through the leader.
    await local.put('note/1', { type: 'note', text: 'from tab 2' });
    const after = await second.service.syncNow();
    expect(after.leader).toBe(false);
    expect(after.pending).toBe(0);
    expect((await remote.get('note/1')).text).toBe('from tab 2');
    expect(first.engine.report.counters.pushed).toBe(1);
    expect(second.engine.report.counters['cycle-start']).toBe(0);
    // The leader's tab closes: the follower takes the lock and syncs what was left.
    await first.service.stop();
    await local.put('note/2', { type: 'note', text: 'after the handover' });
    await until(second.service, () => second.service.leader);
    const handed = await second.service.syncNow();
    expect(handed.leader).toBe(true);
    expect((await remote.get('note/2')).text).toBe('after the handover');
    await second.service.stop();
  });

  it('keeps the outbox when the session has ended, and resumes after signing in', async () => {
    const local = new MemoryStorage(createMemoryData());
    const remote = new MemoryStorage(createMemoryData());
    const only = await tab(
      local,
      new MemoryStorage(createMemoryData()),
      remote,
      new FakeLocks(),
      `s-${String(Math.random())}`,
    );
    only.signOut();
    await local.put('note/1', { type: 'note', text: 'offline work' });
    only.service.start();
    const expired = await until(only.service, (s) => s.known && s.scheduler.state === 'retry-wait');
    expect(expired.signInNeeded).toBe(true);
    expect(expired.pending).toBe(1);
    expect(expired.scheduler.lastError?.code).toBe('unauthorized');
    only.signIn();
    const resumed = await only.service.syncNow();
    expect(resumed).toMatchObject({ signInNeeded: false, pending: 0 });
    expect((await remote.get('note/1')).text).toBe('offline work');
    await only.service.stop();
  });
});
