// Slows password guessing: failed sign-ins are counted per client address over a sliding
// window, and past a limit that address gets 429 (with Retry-After) until old failures age out.
// In memory, per lake process: enough for an embedded lake; a scale-out deployment would rate
// limit at its load balancer as well.
import { HttpError } from '../http/errors.ts';

export interface SignInLimiter {
  /** Throws 429 when `key` has failed too often recently. */
  check(key: string, now: number): void;
  fail(key: string, now: number): void;
  succeed(key: string): void;
}

export function createSignInLimiter(maxFailures = 20, windowMs = 10 * 60 * 1000): SignInLimiter {
  const failures = new Map<string, number[]>();
  const recent = (key: string, now: number): number[] => {
    const kept = (failures.get(key) ?? []).filter((at) => now - at < windowMs);
    if (kept.length === 0) failures.delete(key);
    else failures.set(key, kept);
    return kept;
  };
  return {
    check(key, now) {
      const times = recent(key, now);
      if (times.length >= maxFailures) {
        const retryAfter = Math.ceil(((times[0] ?? now) + windowMs - now) / 1000);
        throw new HttpError(
          'too_many_requests',
          `Too many failed sign-ins from this address: try again in ${retryAfter} s`,
          { reason: 'rate_limited' },
          { 'retry-after': String(retryAfter) },
        );
      }
    },
    fail(key, now) {
      failures.set(key, [...recent(key, now), now]);
    },
    succeed(key) {
      failures.delete(key);
    },
  };
}
