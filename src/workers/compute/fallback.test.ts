// A kernel failing mid-job hands the chunk to js once, from the state the failure left as it
// was; bad input is not retried; js failing is the job's failure.
import { describe, expect, it } from 'vitest';
import { AlgorithmError } from '../../algorithms/errors.ts';
import type { BackendName } from '../../algorithms/types.ts';
import { kernelSlot } from './fallback.ts';

interface Kernel {
  name: string;
  step(total: number[]): void;
}

const js: Kernel = { name: 'js', step: (total) => total.push(1) };

function failingOn(call: number, error: Error): Kernel {
  let calls = 0;
  return {
    name: 'gpu',
    step(total) {
      total.push(1);
      if (++calls === call) throw error;
    },
  };
}

function setup(kernel: Kernel) {
  const runner: { backend: BackendName; fellBack?: string } = { backend: 'webgpu' };
  let total: number[] = [];
  const slot = kernelSlot(runner, { backend: 'webgpu', kernel }, js, () => {
    const saved = [...total];
    return () => {
      total = saved;
    };
  });
  const chunk = () =>
    slot.run((current) => {
      current.step(total);
    });
  return { runner, chunk, total: () => total };
}

describe('kernelSlot', () => {
  it('redoes the failed chunk on js from the restored state, and says why', async () => {
    const { runner, chunk, total } = setup(
      failingOn(2, new AlgorithmError('unavailable', 'device lost')),
    );
    for (let i = 0; i < 4; i++) await chunk();
    expect(total()).toEqual([1, 1, 1, 1]);
    expect(runner.backend).toBe('js');
    expect(runner.fellBack).toBe('webgpu: device lost');
  });

  it('does not retry bad input, nor a failure of js itself', async () => {
    const bad = setup(failingOn(1, new AlgorithmError('bad_request', 'window too large')));
    await expect(bad.chunk()).rejects.toMatchObject({ code: 'bad_request' });
    expect(bad.runner.backend).toBe('webgpu');
    const runner: { backend: BackendName; fellBack?: string } = { backend: 'js' };
    const broken = failingOn(1, new Error('js broke'));
    const slot = kernelSlot(runner, { backend: 'js', kernel: broken }, broken);
    await expect(
      slot.run((kernel) => {
        kernel.step([]);
      }),
    ).rejects.toThrow('js broke');
  });
});
