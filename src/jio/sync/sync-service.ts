// One syncer per origin, whatever the number of tabs: every tab's sync worker runs a
// SyncService, which asks for the `fieldlake-sync` Web Lock; the one that holds it runs the
// scheduler and the engine and tells the others its status on a BroadcastChannel. "Sync now"
// in any tab reaches the holder through the same channel. When the holder's tab closes, the
// browser releases the lock and the next tab in line takes over (its engine recomputes the
// outbox from the documents, so nothing is lost in the handover).
import type { WireSessionUser } from '../../shared/wire/session.ts';
import { isJioError } from '../errors.ts';
import { datasetStatuses, type DatasetSyncStatus } from './dataset-status.ts';
import type { BudgetStatus } from './storage-budget.ts';
import type { SyncResult } from './sync-engine.ts';
import type { SyncNode } from './sync-node.ts';
import { SYNC_LOCK } from './sync-node.ts';
import type { SyncEvent } from './sync-report.ts';
import {
  type SchedulerOptions,
  type SchedulerStatus,
  SyncScheduler,
  type SyncTrigger,
} from './sync-scheduler.ts';

export interface LockManagerLike {
  request(
    name: string,
    options: { mode?: 'exclusive'; ifAvailable?: boolean; signal?: AbortSignal },
    callback: (lock: unknown) => Promise<unknown>,
  ): Promise<unknown>;
}

export interface ChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  close(): void;
}

/** What the Sync screen shows; structured-clone safe. */
export interface SyncStatusView {
  /** Whether this tab's worker is the syncer. */
  leader: boolean;
  /** Whether any tab's syncer has reported yet. */
  known: boolean;
  scheduler: SchedulerStatus;
  pending: number;
  datasets: DatasetSyncStatus[];
  failures: { id: string; message: string; reason?: string }[];
  /** The latest events, newest last. */
  events: SyncEvent[];
  counters: Record<string, number>;
  transfer?: { direction: 'upload' | 'download'; doneBytes: number; totalBytes: number };
  budget?: BudgetStatus;
  user?: WireSessionUser;
  /** The lake refused the session: the user must sign in again (the outbox is kept). */
  signInNeeded: boolean;
  updatedAt: number;
}

type Message =
  { type: 'status'; status: SyncStatusView } | { type: 'sync-now' } | { type: 'status-request' };

/** The parts of a sync node the service drives. */
export type ServiceNode = Pick<SyncNode, 'session' | 'engine' | 'budget' | 'local'>;

export interface SyncServiceOptions {
  node: ServiceNode;
  locks?: LockManagerLike | undefined;
  channel?: ChannelLike | undefined;
  /** Subscribes to the lake's live change notifications; answers an unsubscribe. */
  liveChanges?: ((onChange: () => void) => () => void) | undefined;
  /** Runs before each cycle with the signed-in user (access checks, user switch). */
  beforeCycle?: ((user: WireSessionUser) => Promise<void>) | undefined;
  scheduler?: Omit<SchedulerOptions, 'run'>;
  now?: () => number;
}

const EVENTS_SHOWN = 40;

export class SyncService {
  readonly #node: ServiceNode;
  readonly #options: SyncServiceOptions;
  readonly #scheduler: SyncScheduler;
  readonly #listeners = new Set<(status: SyncStatusView) => void>();
  readonly #stopping = new AbortController();
  #leader = false;
  #status: SyncStatusView;
  #user: WireSessionUser | undefined;
  #unsubscribeLive: (() => void) | undefined;
  #refresh: Promise<void> | undefined;
  #refreshAgain = false;
  /** syncNow callers: each waits for a cycle that started after its call, to end. */
  #cycleWaiters: { requestedAt: number; resolve: (status: SyncStatusView) => void }[] = [];

  constructor(options: SyncServiceOptions) {
    this.#node = options.node;
    this.#options = options;
    this.#scheduler = new SyncScheduler({
      ...options.scheduler,
      run: (trigger) => this.#run(trigger),
    });
    this.#status = {
      leader: false,
      known: false,
      scheduler: this.#scheduler.status,
      pending: 0,
      datasets: [],
      failures: [],
      events: [],
      counters: {},
      signInNeeded: false,
      updatedAt: this.#now(),
    };
    this.#scheduler.subscribe(() => {
      this.#scheduleRefresh();
    });
    options.node.engine.report.subscribe(() => {
      this.#scheduleRefresh();
    });
    options.channel?.addEventListener('message', (event) => {
      this.#onMessage(event.data as Message);
    });
  }

  get leader(): boolean {
    return this.#leader;
  }

  /** Asks for the lock; when granted (now or after another tab lets go) this tab syncs. */
  start(): void {
    const locks = this.#options.locks;
    if (locks === undefined) {
      // No Web Locks (Node tests, very old browsers): this is the only syncer there is.
      this.#becomeLeader();
      return;
    }
    locks
      .request(SYNC_LOCK, { mode: 'exclusive', signal: this.#stopping.signal }, async () => {
        this.#becomeLeader();
        // Held for the life of this worker: released when it stops or its tab closes.
        await new Promise<void>((resolve) => {
          this.#stopping.signal.addEventListener('abort', () => {
            resolve();
          });
        });
      })
      .catch(() => undefined);
    this.#post({ type: 'status-request' });
  }

  trigger(reason: SyncTrigger): void {
    if (this.#leader) this.#scheduler.trigger(reason);
  }

  /** Runs a cycle now (in whichever tab syncs) and answers the status after it. */
  syncNow(): Promise<SyncStatusView> {
    // Tabs of one origin share the device clock, so times compare across them.
    const requestedAt = this.#now();
    const done = new Promise<SyncStatusView>((resolve) => {
      this.#cycleWaiters.push({ requestedAt, resolve });
    });
    if (this.#leader) this.#scheduler.trigger('sync-now');
    else this.#post({ type: 'sync-now' });
    return done;
  }

  status(): SyncStatusView {
    return { ...this.#status, leader: this.#leader };
  }

  subscribe(listener: (status: SyncStatusView) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    this.#unsubscribeLive?.();
    await this.#scheduler.stop();
    this.#options.channel?.close();
  }

  #becomeLeader(): void {
    if (this.#stopping.signal.aborted) return;
    this.#leader = true;
    this.#unsubscribeLive = this.#options.liveChanges?.(() => {
      this.#scheduler.trigger('live-change');
    });
    this.#scheduler.start();
  }

  async #run(trigger: SyncTrigger): Promise<SyncResult> {
    try {
      this.#user = await this.#node.session();
      this.#status = { ...this.#status, signInNeeded: false };
    } catch (error) {
      if (isJioError(error, 'unauthorized')) this.#status = { ...this.#status, signInNeeded: true };
      throw error;
    }
    await this.#options.beforeCycle?.(this.#user);
    const result = await this.#node.engine.sync({ retryFailed: trigger === 'sync-now' });
    await this.#node.budget.enforce();
    return result;
  }

  #onMessage(message: Message): void {
    if (message.type === 'status' && !this.#leader) {
      this.#publish({ ...message.status, leader: false });
    } else if (message.type === 'sync-now' && this.#leader) {
      this.#scheduler.trigger('sync-now');
    } else if (message.type === 'status-request' && this.#leader) {
      this.#post({ type: 'status', status: this.#status });
    }
  }

  #post(message: Message): void {
    try {
      this.#options.channel?.postMessage(message);
    } catch {
      // A closed channel (the worker is stopping): nothing to tell.
    }
  }

  /** Recomputes the status at most once at a time; changes meanwhile cause one more pass. */
  #scheduleRefresh(): void {
    if (!this.#leader) return;
    if (this.#refresh !== undefined) {
      this.#refreshAgain = true;
      return;
    }
    this.#refresh = this.#computeStatus()
      .catch(() => undefined)
      .finally(() => {
        this.#refresh = undefined;
        if (this.#refreshAgain) {
          this.#refreshAgain = false;
          this.#scheduleRefresh();
        }
      });
  }

  async #computeStatus(): Promise<void> {
    const { engine, budget, local } = this.#node;
    const scheduler = this.#scheduler.status;
    const outbox = await engine.outbox();
    const failures = engine.state.failures();
    const lookup = async (id: string) => {
      try {
        return await local.get(id);
      } catch {
        return undefined;
      }
    };
    const status: SyncStatusView = {
      leader: true,
      known: true,
      scheduler,
      pending: outbox.length,
      datasets: await datasetStatuses(outbox, failures, lookup),
      failures: failures.map(([id, failure]) => ({
        id,
        message: failure.message,
        ...(failure.reason === undefined ? {} : { reason: failure.reason }),
      })),
      events: engine.report.events().slice(-EVENTS_SHOWN),
      counters: { ...engine.report.counters },
      ...(engine.transfer === undefined ? {} : { transfer: engine.transfer }),
      budget: await budget.status(),
      ...(this.#user === undefined ? {} : { user: this.#user }),
      signInNeeded: this.#status.signInNeeded,
      updatedAt: this.#now(),
    };
    this.#publish(status);
    this.#post({ type: 'status', status });
  }

  #publish(status: SyncStatusView): void {
    this.#status = status;
    const started = status.scheduler.lastStartedAt ?? -Infinity;
    if (status.scheduler.state !== 'syncing') {
      const served = (waiter: { requestedAt: number }): boolean => started >= waiter.requestedAt;
      const ready = this.#cycleWaiters.filter(served);
      this.#cycleWaiters = this.#cycleWaiters.filter((waiter) => !served(waiter));
      for (const waiter of ready) waiter.resolve(this.status());
    }
    for (const listener of this.#listeners) listener(this.status());
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}
