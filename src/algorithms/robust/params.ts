// The parameters every rolling statistic shares: a trailing window of `window` samples and the
// fewest non-NaN samples (`minPeriods`) a window needs before it has a value (pandas' rule).
import { badRequest, positiveInteger } from '../errors.ts';

export interface RollingWindow {
  window: number;
  /** 1 … window; default window, so any NaN in a window makes its outputs NaN (numpy's rule). */
  minPeriods: number;
}

/** A parameter as an error message shows it (objects by their type, not "[object Object]"). */
export function shown(value: unknown): string {
  return typeof value === 'object' && value !== null ? typeof value : String(value);
}

export function paramsObject(name: string, input: unknown): Record<string, unknown> {
  if (typeof input !== 'object' || input === null)
    throw badRequest(`${name}: params must be an object`);
  return input as Record<string, unknown>;
}

export function rollingWindow(
  name: string,
  raw: Record<string, unknown>,
  maxWindow: number,
): RollingWindow {
  const window = positiveInteger(`${name}: window`, raw.window, maxWindow);
  const minPeriods = positiveInteger(`${name}: minPeriods`, raw.minPeriods ?? window, window);
  return { window, minPeriods };
}

/** A positive finite multiplier (the MAD scale), or bad_request. */
export function positiveScale(name: string, value: unknown, fallback: number): number {
  const scale = value ?? fallback;
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) {
    throw badRequest(`${name} must be a finite number > 0, not ${shown(scale)}`);
  }
  return scale;
}
