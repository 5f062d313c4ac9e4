import { describe, expect, it } from 'vitest';
import { interleave, median, ratioOf, resultFrom } from './stats.ts';

describe('ratioOf', () => {
  it('is value / peerValue when higher is better (above 1 = we are ahead)', () => {
    expect(ratioOf('higher', 30_000, 15_000)).toBe(2);
    expect(ratioOf('higher', 9_000, 10_000)).toBeCloseTo(0.9);
  });

  it('is peerValue / value when lower is better (above 1 = we are ahead)', () => {
    expect(ratioOf('lower', 2, 200)).toBe(100);
    expect(ratioOf('lower', 200, 100)).toBe(0.5);
  });

  it('refuses figures that cannot give a ratio', () => {
    expect(() => ratioOf('lower', 0, 1)).toThrow(/positive/);
    expect(() => ratioOf('higher', 1, Number.NaN)).toThrow(/positive/);
  });
});

describe('median', () => {
  it('takes the middle of odd and even counts, whatever the order', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });
});

describe('interleave', () => {
  it('alternates which side goes first and collects one sample each per round', async () => {
    const order: string[] = [];
    const samples = await interleave(
      4,
      (round) => {
        order.push(`ours${round}`);
        return Promise.resolve(round);
      },
      (round) => {
        order.push(`peer${round}`);
        return Promise.resolve(10 + round);
      },
    );
    expect(order).toEqual(['ours0', 'peer0', 'peer1', 'ours1', 'ours2', 'peer2', 'peer3', 'ours3']);
    expect(samples).toEqual({ ours: [0, 1, 2, 3], peer: [10, 11, 12, 13] });
  });
});

describe('resultFrom', () => {
  it('reports medians, the oriented ratio and the rounds', () => {
    const result = resultFrom(
      { case: 'a/b', metric: 'ms', unit: 'ms', direction: 'lower', backend: 'js' },
      [1, 2, 9],
      { name: 'peer', samples: [10, 40, 50] },
    );
    expect(result).toMatchObject({
      value: 2,
      peerValue: 40,
      ratio: 20,
      rounds: 3,
      target: null,
      anchor: null,
      speedFigure: true,
    });
    expect(
      resultFrom({ case: 'a', metric: 'm', unit: 'u', direction: 'higher', backend: 'js' }, [3]),
    ).toMatchObject({
      peer: null,
      peerValue: null,
      ratio: null,
    });
  });
});
