import { describe, expect, it } from 'vitest';
import { isAlgorithmError } from '../errors.ts';
import { runCaseTable } from '../test-support/case-table.suite.ts';
import { decodeFloat64 } from '../test-support/fixtures.ts';
import { getWindow, WINDOW_NAMES } from './index.ts';
import { fixture } from './spectral.suite.ts';

interface WindowCase {
  name: string;
  dtype: 'float64';
  window: string;
  n: number;
  symmetric: boolean;
  expected: string;
}

const cases: WindowCase[] = fixture.windows.map((entry) => ({ ...entry, dtype: 'float64' }));

runCaseTable<WindowCase>({
  algorithm: 'windows',
  cases,
  expected: (testCase) => ({ window: decodeFloat64(testCase.expected) }),
  backends: [
    {
      backend: 'js',
      // Cosines from integer-reduced angles vs numpy's cos(k·linspace(−π, π)): last bits only.
      tolerance: { float64: 1e-14 },
      run: async (testCase) => ({
        window: getWindow(testCase.window, testCase.n, { symmetric: testCase.symmetric }),
      }),
    },
  ],
});

describe('getWindow', () => {
  it('takes the aliases and refuses unknown names and lengths', () => {
    expect(getWindow('rectangular', 4)).toEqual(getWindow('boxcar', 4));
    expect(getWindow('flat-top', 9)).toEqual(getWindow('flattop', 9));
    expect(WINDOW_NAMES).toContain('hann');
    for (const call of [
      () => getWindow('kaiser', 8),
      () => getWindow('hann', 0),
      () => getWindow('hann', 2.5),
    ]) {
      try {
        call();
        expect.unreachable();
      } catch (error) {
        expect(isAlgorithmError(error, 'bad_request')).toBe(true);
      }
    }
  });

  it('is periodic by default: the symmetric window of n + 1 without its last point', () => {
    const periodic = getWindow('blackman', 64);
    const symmetric = getWindow('blackman', 65, { symmetric: true });
    expect(Array.from(periodic)).toEqual(Array.from(symmetric.subarray(0, 64)));
  });
});
