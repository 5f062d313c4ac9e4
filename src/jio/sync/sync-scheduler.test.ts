// The scheduler's timing rules with a fake clock: backoff with jitter, coalescing, stop.
import { describe, expect, it } from 'vitest';
import { JioError } from '../errors.ts';
import type { SyncResult } from './sync-engine.ts';
import { type SyncTrigger, SyncScheduler } from './sync-scheduler.ts';

const ok: SyncResult = { pulled: 0, pushed: 0, conflicts: 0, failed: 0, pending: 0 };

function fakeTimers() {
  let now = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  let nextId = 1;
  return {
    now: () => now,
    setTimer: (callback: () => void, ms: number) => {
      const id = nextId++;
      timers.set(id, { at: now + ms, callback });
      return id;
    },
    clearTimer: (handle: unknown) => timers.delete(handle as number),
    pending: () => [...timers.values()].map((timer) => timer.at - now),
    /** Advances to the next timer and fires it. */
    fire: () => {
      const [id, timer] = [...timers].sort(([, x], [, y]) => x.at - y.at)[0] ?? [];
      if (id === undefined || timer === undefined) throw new Error('no timer');
      timers.delete(id);
      now = timer.at;
      timer.callback();
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('sync scheduler', () => {
  it('backs off exponentially with jitter while cycles fail, and resets on success', async () => {
    const clock = fakeTimers();
    let fail = 4;
    const triggers: SyncTrigger[] = [];
    const scheduler = new SyncScheduler({
      run: (trigger) => {
        triggers.push(trigger);
        if (fail-- > 0)
          return Promise.reject(new JioError('unavailable', 'offline', { reason: 'offline' }));
        return Promise.resolve(ok);
      },
      random: () => 1,
      baseDelayMs: 1000,
      maxDelayMs: 5000,
      periodMs: 60_000,
      ...clock,
    });
    scheduler.start();
    await settle();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      expect(scheduler.status.state).toBe('retry-wait');
      expect(scheduler.status.lastError).toMatchObject({ code: 'unavailable', reason: 'offline' });
      delays.push(clock.pending()[0] ?? -1);
      clock.fire();
      await settle();
    }
    expect(delays).toEqual([1000, 2000, 4000, 5000]);
    expect(scheduler.status).toMatchObject({ state: 'idle', failures: 0 });
    expect(clock.pending()).toEqual([60_000]);
    expect(triggers).toEqual(['start', 'timer', 'timer', 'timer', 'timer']);
    await scheduler.stop();
  });

  it('spreads retries: jitter keeps each delay in [ceiling/2, ceiling]', () => {
    const values = [0, 0.5, 0.999];
    const scheduler = new SyncScheduler({
      run: () => Promise.resolve(ok),
      random: () => values.shift() ?? 0,
      baseDelayMs: 1000,
    });
    expect([scheduler.retryDelay(3), scheduler.retryDelay(3), scheduler.retryDelay(3)]).toEqual([
      2000, 3000, 3998,
    ]);
  });

  it('coalesces triggers during a cycle into one more cycle, and stops cleanly', async () => {
    const clock = fakeTimers();
    let release: () => void = () => undefined;
    let runs = 0;
    const scheduler = new SyncScheduler({
      run: async () => {
        runs++;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return ok;
      },
      ...clock,
    });
    scheduler.start();
    scheduler.trigger('online');
    scheduler.trigger('sync-now');
    scheduler.trigger('live-change');
    release();
    await settle();
    await settle();
    expect(runs).toBe(2);
    release();
    await settle();
    expect(runs).toBe(2);
    const stopped = scheduler.stop();
    await stopped;
    expect(scheduler.status.state).toBe('stopped');
    expect(clock.pending()).toEqual([]);
    scheduler.trigger('sync-now');
    expect(runs).toBe(2);
  });
});
