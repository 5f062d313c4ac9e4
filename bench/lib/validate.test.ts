import { describe, expect, it } from 'vitest';
import { ratioOf } from './stats.ts';
import type { BenchReport, BenchResult } from './types.ts';
import { assertValidReport, reportProblems, resultProblems } from './validate.ts';

function good(
  overrides: Partial<Record<keyof BenchResult, unknown>> = {},
): Record<string, unknown> {
  const base: BenchResult = {
    case: 'minmax/w1024/wasm/1worker',
    metric: 'throughput',
    value: 20,
    unit: 'GB/s',
    direction: 'higher',
    backend: 'wasm',
    speedFigure: true,
    target: 28,
    peer: 'numpy',
    peerValue: 10,
    ratio: 2,
    anchor: null,
    rounds: 9,
  };
  return { ...base, ...overrides };
}

function report(results: unknown[] = [good()]): Record<string, unknown> {
  return {
    name: 'minmax',
    date: '2026-11-22T01:00:00.000Z',
    git: 'abc1234-dirty',
    env: { cpu: 'AMD EPYC', cores: 2, node: 'v20.20.2', chromium: null, gpuAdapter: null },
    results,
  };
}

describe('result validation', () => {
  it('accepts a well-formed result, with and without a peer', () => {
    expect(resultProblems(good())).toEqual([]);
    expect(
      resultProblems(
        good({ peer: null, peerValue: null, ratio: null, target: null, anchor: 'paper X: 3 GB/s' }),
      ),
    ).toEqual([]);
  });

  it.each([
    [
      'a missing field',
      (() => {
        const r = good();
        delete r.unit;
        return r;
      })(),
      /missing "unit"/,
    ],
    [
      'an unknown field',
      good({ extra: 1 } as Partial<Record<keyof BenchResult, unknown>>),
      /unknown field "extra"/,
    ],
    ['a bad direction', good({ direction: 'up' }), /direction/],
    ['a NaN value', good({ value: Number.NaN }), /value/],
    ['a string value', good({ value: '20' }), /value/],
    ['a case that is not a path', good({ case: 'min max' }), /case/],
    ['an empty metric', good({ metric: '' }), /metric/],
    ['speedFigure not boolean', good({ speedFigure: 'yes' }), /speedFigure/],
    ['a peer without a value', good({ peerValue: null, ratio: null }), /all null or all set/],
    ['a ratio with the wrong orientation', good({ ratio: 0.5 }), /does not match value\/peerValue/],
    [
      'a lower-is-better ratio the wrong way',
      good({ direction: 'lower', ratio: 2 }),
      /does not match peerValue\/value/,
    ],
    ['zero rounds', good({ rounds: 0 }), /rounds/],
    ['a non-integer rounds', good({ rounds: 2.5 }), /rounds/],
    ['a string target', good({ target: '28' }), /target/],
  ])('rejects %s', (_label, result, message) => {
    const problems = resultProblems(result);
    expect(problems.join('\n')).toMatch(message);
  });

  it('rejects a report with a bad entry, loudly', () => {
    expect(() => {
      assertValidReport(report([good(), good({ case: 'x/y', direction: 'sideways' })]));
    }).toThrow(/breaks the contract[\s\S]*results\[1\][\s\S]*direction/);
  });

  it('rejects bad report fields', () => {
    expect(reportProblems(report([]))).toContain('report: results must be a non-empty array');
    expect(reportProblems({ ...report(), git: 'main' }).join()).toMatch(/git/);
    expect(reportProblems({ ...report(), date: 'yesterday' }).join()).toMatch(/date/);
    expect(reportProblems(report([good(), good()])).join()).toMatch(/duplicate/);
    const adapter = {
      vendor: 'google',
      architecture: 'swiftshader',
      device: '',
      description: '',
      isFallbackAdapter: true,
    };
    const base = report();
    const env = base.env as Record<string, unknown>;
    expect(reportProblems({ ...base, env: { ...env, gpuAdapter: adapter } }).join()).toMatch(
      /chromium is null/,
    );
    expect(
      reportProblems({ ...base, env: { ...env, chromium: 'Chromium 156', gpuAdapter: adapter } }),
    ).toEqual([]);
    expect(
      reportProblems({
        ...base,
        env: { ...env, chromium: 'Chromium 156', gpuAdapter: { vendor: 'x' } },
      }).join(),
    ).toMatch(/missing "isFallbackAdapter"/);
    expect(reportProblems({ ...base, git: null })).toEqual([]);
  });

  it('accepts what assertValidReport narrows to', () => {
    const value: unknown = report();
    assertValidReport(value);
    const typed: BenchReport = value;
    expect(typed.results[0]?.ratio).toBe(ratioOf('higher', 20, 10));
  });
});
