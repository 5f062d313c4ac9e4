// The object gadget code receives: a narrow, frozen facade over a GadgetInstance, so that a
// gadget cannot reach the runtime's internals (children maps, destroy, fail) through it.
import type { AcquirableArgs, AcquirableName, AcquirableResult } from './acquisition.ts';
import type { DeclareOptions, GadgetHandle, GadgetRef } from './gadget.ts';
import type { GadgetInstance } from './instance.ts';
import type { State } from './internal-spec.ts';

/** The handle of instance. */
export function createHandle(instance: GadgetInstance): GadgetHandle<State> {
  return Object.freeze({
    element: instance.element,
    name: instance.spec.name,
    scope: instance.scope,
    get state(): State {
      return instance.state;
    },
    get signal(): AbortSignal {
      return instance.signal;
    },
    changeState: (delta: Partial<State>) => instance.changeState(delta),
    acquire: <K extends AcquirableName>(name: K, ...args: AcquirableArgs<K>) =>
      // The runtime walks providers by name; the types of name and args are checked here.
      instance.acquire(name, args) as Promise<AcquirableResult<K>>,
    // Typing a ref by the caller's `typeof gadget` is a promise about the markup, which the
    // compiler cannot check: the casts below are where that promise is taken.
    child: <G>(scope: string) => instance.child(scope) as unknown as GadgetRef<G>,
    declareGadget: async <G>(name: string, options: DeclareOptions) =>
      (await instance.declareGadget(name, options)) as unknown as GadgetRef<G>,
    job: <T>(name: string, run: (signal: AbortSignal) => Promise<T> | T) => instance.job(name, run),
  });
}
