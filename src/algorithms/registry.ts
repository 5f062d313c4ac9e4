// A kernel registry per algorithm: backends register a factory; the first call for a backend
// creates its kernel once (compiles the wasm module, requests the GPU device) and caches it,
// or remembers why it cannot run here. `first()` walks an order and falls through to the next
// backend on `unavailable`, ending at js, which always runs (the reference is the fallback).
import { AlgorithmError } from './errors.ts';
import { BACKENDS, type BackendName } from './types.ts';

export interface KernelFactory<K> {
  readonly backend: BackendName;
  /** The kernel, or an AlgorithmError('unavailable') saying why not (no adapter, no SIMD). */
  create(): K | Promise<K>;
}

export interface KernelRegistry<K> {
  register(factory: KernelFactory<K>): void;
  /** Registered backends, in preference order. */
  backends(): BackendName[];
  /** The kernel of `backend`; rejects with `unavailable` when it cannot run here. */
  get(backend: BackendName): Promise<K>;
  /** The first of `order` that runs here, with its name. */
  first(order?: readonly BackendName[]): Promise<{ backend: BackendName; kernel: K }>;
}

export function createKernelRegistry<K>(): KernelRegistry<K> {
  const factories = new Map<BackendName, KernelFactory<K>>();
  const created = new Map<BackendName, Promise<K>>();
  const registry: KernelRegistry<K> = {
    register(factory) {
      factories.set(factory.backend, factory);
      created.delete(factory.backend);
    },
    backends() {
      return BACKENDS.filter((name) => factories.has(name));
    },
    get(backend) {
      let kernel = created.get(backend);
      if (kernel === undefined) {
        const factory = factories.get(backend);
        kernel =
          factory === undefined
            ? Promise.reject(new AlgorithmError('unavailable', `no ${backend} kernel registered`))
            : Promise.resolve().then(() => factory.create());
        created.set(backend, kernel);
      }
      return kernel;
    },
    async first(order = BACKENDS) {
      const reasons: string[] = [];
      for (const backend of order) {
        if (!factories.has(backend)) continue;
        try {
          return { backend, kernel: await registry.get(backend) };
        } catch (error) {
          reasons.push(`${backend}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      throw new AlgorithmError('unavailable', `no backend runs here (${reasons.join('; ')})`);
    },
  };
  return registry;
}
