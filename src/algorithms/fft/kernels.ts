// FFT kernels per backend behind one registry: js (the plans of plan.ts: every size, float32
// and float64, the oracle) and wasm (pffft's SIMD build: float32, sizes 2^a·3^b·5^c that are
// multiples of 32 real / 16 complex). `planOn` walks the backends in order and falls through
// to the next on `unavailable`, so a size or dtype pffft does not take runs on js.
import { AlgorithmError, isAlgorithmError } from '../errors.ts';
import { createKernelRegistry, type KernelRegistry } from '../registry.ts';
import type { BackendName } from '../types.ts';
import { loadPffft } from './pffft-loader.ts';
import { createPffftPlans, pffftUnsupported } from './pffft-kernel.ts';
import type { PffftModuleOptions } from './pffft-types.ts';
import { checkPlanOptions, fftPlan, type FftPlan, type FftPlanOptions } from './plan.ts';

export interface FftKernel {
  readonly backend: BackendName;
  /** Why this kernel does not take a plan of this size and kind (undefined when it does). */
  unsupported(n: number, options: FftPlanOptions): string | undefined;
  /** A plan (cached per kernel); AlgorithmError('unavailable') when `unsupported` says so. */
  plan(n: number, options: FftPlanOptions): FftPlan;
  /** Frees what the kernel holds outside the JS heap (wasm setups and buffers). */
  dispose(): void;
}

export const jsFftKernel: FftKernel = {
  backend: 'js',
  unsupported: () => undefined,
  plan: fftPlan,
  dispose() {},
};

export async function createPffftKernel(options: PffftModuleOptions = {}): Promise<FftKernel> {
  const plans = createPffftPlans(await loadPffft(options));
  return {
    backend: 'wasm',
    unsupported: pffftUnsupported,
    plan: (n, planOptions) => plans.plan(n, planOptions),
    dispose: () => {
      plans.dispose();
    },
  };
}

/** The FFT registry: js always, wasm when pffft loads (`options` say where its .wasm is). */
export function createFftKernels(options: PffftModuleOptions = {}): KernelRegistry<FftKernel> {
  const registry = createKernelRegistry<FftKernel>();
  registry.register({ backend: 'js', create: () => jsFftKernel });
  registry.register({ backend: 'wasm', create: () => createPffftKernel(options) });
  return registry;
}

/** The plan of the first backend of `order` that takes it (js takes every valid plan). */
export async function planOn(
  registry: KernelRegistry<FftKernel>,
  n: number,
  options: FftPlanOptions,
  order: readonly BackendName[] = ['wasm', 'js'],
): Promise<FftPlan> {
  const checked = checkPlanOptions(n, options);
  const reasons: string[] = [];
  for (const backend of order) {
    if (!registry.backends().includes(backend)) continue;
    try {
      const kernel = await registry.get(backend);
      const reason = kernel.unsupported(checked.n, checked);
      if (reason === undefined) return kernel.plan(checked.n, checked);
      reasons.push(`${backend}: ${reason}`);
    } catch (error) {
      if (!isAlgorithmError(error, 'unavailable')) throw error;
      reasons.push(`${backend}: ${error.message}`);
    }
  }
  throw new AlgorithmError(
    'unavailable',
    `fft: no backend takes this plan (${reasons.join('; ')})`,
  );
}
