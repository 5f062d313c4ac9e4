// When the engine runs: on demand (start-up, `online`, visibility, the lake's live change
// notifications, Background Sync, "Sync now" — all are `trigger(reason)`), and on a timer that
// backs off exponentially with jitter while cycles fail, so a hundred tablets coming back into
// coverage at once do not hammer the lake in step. Triggers during a cycle coalesce into one
// more cycle after it. Pure logic: timers and randomness are injected for tests.
import type { SyncResult } from './sync-engine.ts';

export type SyncTrigger =
  | 'start'
  | 'online'
  | 'visible'
  | 'live-change'
  | 'background-sync'
  | 'sync-now'
  | 'timer'
  | 'local-change';

export type SchedulerState = 'idle' | 'syncing' | 'retry-wait' | 'stopped';

export interface SchedulerStatus {
  state: SchedulerState;
  /** Consecutive failed cycles (0 after a success). */
  failures: number;
  /** Device time of the next timed cycle, if one is planned. */
  nextAt?: number;
  lastResult?: SyncResult;
  lastError?: { code: string; reason?: string; message: string };
  /** Device time of the last cycle that succeeded. */
  lastSuccessAt?: number;
  /** Device time the latest cycle started (so a caller can wait for one after its request). */
  lastStartedAt?: number;
}

export interface SchedulerOptions {
  run: (trigger: SyncTrigger) => Promise<SyncResult>;
  /** First retry delay (default 2 s); doubles per failure up to maxDelayMs (default 5 min). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Timed cycle while all is well (default 60 s): catches what no notification announced. */
  periodMs?: number;
  random?: () => number;
  now?: () => number;
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export class SyncScheduler {
  readonly #options: Required<Omit<SchedulerOptions, 'run'>> & Pick<SchedulerOptions, 'run'>;
  #status: SchedulerStatus = { state: 'stopped', failures: 0 };
  #timer: unknown;
  #again: SyncTrigger | undefined;
  #running: Promise<void> | undefined;
  readonly #listeners = new Set<(status: SchedulerStatus) => void>();

  constructor(options: SchedulerOptions) {
    this.#options = {
      baseDelayMs: 2000,
      maxDelayMs: 5 * 60_000,
      periodMs: 60_000,
      random: Math.random,
      now: Date.now,
      setTimer: (callback, ms) => setTimeout(callback, ms),
      clearTimer: (handle) => {
        clearTimeout(handle as ReturnType<typeof setTimeout>);
      },
      ...options,
    };
  }

  get status(): SchedulerStatus {
    return { ...this.#status };
  }

  subscribe(listener: (status: SchedulerStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(): void {
    if (this.#status.state !== 'stopped') return;
    this.#set({ state: 'idle' });
    this.trigger('start');
  }

  /** Stops timers; a cycle in flight finishes. Resolves when it has. */
  async stop(): Promise<void> {
    this.#cancelTimer();
    this.#again = undefined;
    this.#set({ state: 'stopped' });
    await this.#running;
  }

  /** Runs a cycle now, or right after the one in flight. */
  trigger(reason: SyncTrigger): void {
    if (this.#status.state === 'stopped') return;
    if (this.#running !== undefined) {
      this.#again ??= reason;
      return;
    }
    this.#cancelTimer();
    this.#running = this.#cycle(reason).finally(() => {
      this.#running = undefined;
      const again = this.#again;
      this.#again = undefined;
      if (again !== undefined && this.#status.state !== 'stopped') this.trigger(again);
    });
  }

  /** The delay before retry number `failures` (≥ 1): exponential, capped, with full jitter on half. */
  retryDelay(failures: number): number {
    const { baseDelayMs, maxDelayMs, random } = this.#options;
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(30, failures - 1));
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  }

  async #cycle(reason: SyncTrigger): Promise<void> {
    this.#set({ state: 'syncing', lastStartedAt: this.#options.now() });
    try {
      const result = await this.#options.run(reason);
      if (this.#status.state === 'stopped') return;
      const now = this.#options.now();
      this.#status = {
        ...this.#status,
        state: 'idle',
        failures: 0,
        lastResult: result,
        lastSuccessAt: now,
      };
      delete this.#status.lastError;
      // Work that arrived during the cycle runs at once; otherwise the next timed cycle.
      this.#plan(this.#options.periodMs, 'idle');
    } catch (error) {
      if (this.#status.state === 'stopped') return;
      const failures = this.#status.failures + 1;
      const details = (error as { details?: { reason?: unknown } } | null)?.details;
      const code = (error as { code?: unknown } | null)?.code;
      this.#status = {
        ...this.#status,
        state: 'retry-wait',
        failures,
        lastError: {
          code: typeof code === 'string' ? code : 'internal',
          ...(typeof details?.reason === 'string' ? { reason: details.reason } : {}),
          message: error instanceof Error ? error.message : String(error),
        },
      };
      this.#plan(this.retryDelay(failures), 'retry-wait');
    }
  }

  #plan(delay: number, state: SchedulerState): void {
    if (this.#status.state === 'stopped') return;
    this.#cancelTimer();
    this.#timer = this.#options.setTimer(() => {
      this.#timer = undefined;
      this.trigger('timer');
    }, delay);
    this.#set({ state, nextAt: this.#options.now() + delay });
  }

  #cancelTimer(): void {
    if (this.#timer === undefined) return;
    this.#options.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  #set(patch: Partial<SchedulerStatus>): void {
    const next: SchedulerStatus = { ...this.#status, ...patch };
    if (patch.state !== undefined && patch.state !== 'retry-wait' && patch.state !== 'idle') {
      delete next.nextAt;
    }
    this.#status = next;
    for (const listener of this.#listeners) listener(this.status);
  }
}
