// A registry is a value, not a global (STYLE.md practice 3): the app makes one, each test makes
// its own, and two registries never see each other's gadgets.
import type { RootProviders } from './acquisition.ts';
import type { GadgetMethods, GadgetRef, GadgetSpec, UntypedGadget } from './gadget.ts';
import type { InternalRootProviders, InternalSpec } from './internal-spec.ts';
import { Runtime } from './runtime.ts';

/** Options of {@link GadgetRegistry.mount}. */
export interface MountOptions {
  /** Providers answering acquisitions that no gadget of the tree answers. */
  readonly provide?: RootProviders;
}

/** Defined gadgets and the trees mounted from them. */
export interface GadgetRegistry {
  /** Defines a gadget under `spec.name`. Throws if that name is already defined. */
  define<S extends object, M extends GadgetMethods<S>>(spec: GadgetSpec<S, M>): void;
  /** Whether a gadget is defined under name. */
  has(name: string): boolean;
  /**
   * Renders gadget `name` into element, mounts the children declared in its markup
   * (recursively), runs `ready`, starts services, and resolves with its ref. Rejects, after
   * showing the error in element, if the name is unknown or the gadget fails to start.
   * Mount into an element that is in the page: the tree is destroyed when it leaves the node
   * it was mounted in (the document, or the detached tree it was in at mount time).
   */
  mount<G = UntypedGadget>(
    element: HTMLElement,
    name: string,
    options?: MountOptions,
  ): Promise<GadgetRef<G>>;
  /** Destroys the root gadget mounted on element (aborting every signal of its tree) and empties element. */
  unmount(element: HTMLElement): void;
}

/** Creates an empty registry. */
export function createGadgetRegistry(): GadgetRegistry {
  const specs = new Map<string, InternalSpec>();
  const runtime = new Runtime(specs);
  return {
    define(spec) {
      if (typeof spec.name !== 'string' || spec.name === '')
        throw new Error('A gadget needs a non-empty name');
      if (specs.has(spec.name)) throw new Error(`Gadget "${spec.name}" is already defined`);
      // Type erasure: the registry holds gadgets of every state type. The runtime calls each
      // function of the spec only with the arguments its typed declaration promised.
      specs.set(spec.name, spec as unknown as InternalSpec);
    },
    has: (name) => specs.has(name),
    async mount<G>(element: HTMLElement, name: string, options?: MountOptions) {
      const providers = options?.provide as InternalRootProviders | undefined;
      const root = await runtime.mountRoot(element, name, providers);
      // See GadgetHandle.child: the caller's G is a promise about which gadget this is.
      return root.ref as unknown as GadgetRef<G>;
    },
    unmount(element) {
      const instance = runtime.instanceAt(element);
      if (instance === undefined) return;
      if (instance.parent !== undefined) {
        throw new Error(
          `The element hosts child gadget "${instance.name}": remove it from its parent's markup instead`,
        );
      }
      instance.destroy();
      element.replaceChildren();
    },
  };
}
