// A job's kernel and its way back to js. A kernel that fails mid-job for any reason but bad
// input (a lost GPU device, a memory that cannot grow) hands the job to the js kernel, which
// redoes the failed chunk from the state the failure left untouched, and the runner says so
// (`fellBack`). Bad input fails on every backend alike, so it is not retried.
import { isAlgorithmError } from '../../algorithms/errors.ts';
import type { BackendName } from '../../algorithms/types.ts';
import type { Runner } from './catalog.ts';

export interface KernelSlot<K> {
  /** Runs `step` on the current kernel, falling back once to js (see the header). */
  run<T>(step: (kernel: K) => Promise<T> | T): Promise<T>;
}

/** Binds `runner.backend`/`fellBack` to the kernel in use; `restore` undoes a failed step. */
export function kernelSlot<K>(
  runner: Pick<Runner, 'backend' | 'fellBack'>,
  chosen: { backend: BackendName; kernel: K },
  js: K,
  restore: () => () => void = () => () => undefined,
): KernelSlot<K> {
  let current = chosen.kernel;
  return {
    async run(step) {
      const undo = restore();
      try {
        return await step(current);
      } catch (error) {
        if (current === js || isAlgorithmError(error, 'bad_request')) throw error;
        undo();
        current = js;
        runner.backend = 'js';
        runner.fellBack = `${chosen.backend}: ${error instanceof Error ? error.message : String(error)}`;
        return step(current);
      }
    },
  };
}
