import { describe, expect, it } from 'vitest';
import { fftPlan } from '../fft/index.ts';
import {
  amplitudeFromPower,
  amplitudeToDb,
  DEFAULT_DB_FLOOR,
  getWindow,
  powerFromBins,
  powerScale,
  powerToDb,
} from './index.ts';

describe('spectrum scaling', () => {
  it('reads a sine of amplitude A on a bin as A²/2 power and A/√2 RMS amplitude', () => {
    const n = 64;
    const amplitude = 3;
    const x = Float64Array.from(
      { length: n },
      (_, j) => amplitude * Math.cos((2 * Math.PI * 5 * j) / n),
    );
    const window = getWindow('boxcar', n);
    const bins = fftPlan(n, { kind: 'real', dtype: 'float64' }).forward(x);
    const power = powerFromBins(bins, powerScale(window, 'spectrum', 1), true, n);
    expect(power[5]).toBeCloseTo(amplitude ** 2 / 2, 12);
    expect(amplitudeFromPower(power)[5]).toBeCloseTo(amplitude / Math.SQRT2, 12);
    // Density over the bin width (fs/n) integrates back to the same power.
    const density = powerFromBins(bins, powerScale(window, 'density', 1000), true, n);
    expect(((density[5] as number) * 1000) / n).toBeCloseTo(amplitude ** 2 / 2, 12);
  });

  it('doubles every one-sided bin but DC and (even nfft) Nyquist', () => {
    const bins = Float64Array.from([1, 0, 1, 0, 1, 0]);
    expect(Array.from(powerFromBins(bins, 1, true, 4))).toEqual([1, 2, 1]);
    expect(Array.from(powerFromBins(bins, 1, true, 5))).toEqual([1, 2, 2]);
    expect(Array.from(powerFromBins(bins, 1, false, 4))).toEqual([1, 1, 1]);
  });

  it('gives dB with a floor for zero, NaN kept', () => {
    expect(Array.from(powerToDb([100, 1, 0, NaN]))).toEqual([20, 0, DEFAULT_DB_FLOOR, NaN]);
    expect(Array.from(amplitudeToDb([10, 0], -120))).toEqual([20, -120]);
    expect(() => powerToDb([-1])).toThrow(/negative/);
  });
});
