// The gadget tree of one registry: which element hosts which gadget, mounting of roots and of
// the children found in a gadget's markup, and removal detection. Removal is watched with one
// MutationObserver per mounted root, because a gadget's element can leave the page by means
// the runtime never sees (someone's `element.remove()` or `innerHTML = ''`); the runtime's own
// re-renders destroy what they drop directly, without waiting for the observer.
import { showGadgetError } from './errors.ts';
import { GadgetInstance } from './instance.ts';
import type { InternalRootProviders, InternalSpec } from './internal-spec.ts';

export class Runtime {
  readonly #specs: ReadonlyMap<string, InternalSpec>;
  readonly #instances = new WeakMap<Element, GadgetInstance>();
  /** Hosts created by declareGadget: the parent's re-renders neither match nor remove them. */
  readonly #foreign = new WeakSet<Node>();
  /** Placeholders that already show an error (unknown gadget, taken scope): not retried. */
  readonly #refused = new WeakSet<Element>();
  readonly #observers = new WeakMap<GadgetInstance, MutationObserver>();
  #unscopedCount = 0;

  constructor(specs: ReadonlyMap<string, InternalSpec>) {
    this.#specs = specs;
  }

  /** The spec defined under name; throws `Unknown gadget "<name>"` if none. */
  specNamed(name: string): InternalSpec {
    const spec = this.#specs.get(name);
    if (spec === undefined) throw new Error(`Unknown gadget "${name}"`);
    return spec;
  }

  /** The gadget mounted on element, if any. */
  instanceAt(element: Element): GadgetInstance | undefined {
    return this.#instances.get(element);
  }

  isMounted(element: Element): boolean {
    return this.#instances.has(element);
  }

  isForeign(node: Node): boolean {
    return this.#foreign.has(node);
  }

  markForeign(host: Element): void {
    this.#foreign.add(host);
  }

  /** Mounts a root gadget on element; resolves when it is ready. */
  async mountRoot(
    element: HTMLElement,
    name: string,
    providers: InternalRootProviders | undefined,
  ): Promise<GadgetInstance> {
    if (this.#instances.has(element))
      throw new Error(`A gadget is already mounted on this element`);
    let spec: InternalSpec;
    try {
      spec = this.specNamed(name);
    } catch (error) {
      showGadgetError(element, { name, scope: '', error });
      throw error;
    }
    const root = new GadgetInstance(this, spec, element, undefined, '', '', providers);
    this.#instances.set(element, root);
    this.#watch(root);
    await root.start();
    return root;
  }

  /** Mounts child gadget spec on host under parent; resolves when it is ready. */
  async mountChild(
    parent: GadgetInstance,
    host: HTMLElement,
    spec: InternalSpec,
    scope: string,
  ): Promise<GadgetInstance> {
    const key = scope === '' ? `\u0000unscoped-${String(++this.#unscopedCount)}` : scope;
    const child = new GadgetInstance(this, spec, host, parent, scope, key, parent.rootProviders);
    this.#instances.set(host, child);
    parent.children.set(key, child);
    await child.start();
    return child;
  }

  /**
   * Mounts every `[data-gadget]` placeholder in parent's own markup (not inside a child
   * gadget) that is not mounted yet. A child that cannot be mounted shows its error in its
   * placeholder; the parent is not concerned.
   */
  async mountPlaceholders(parent: GadgetInstance): Promise<void> {
    const mounts: Promise<unknown>[] = [];
    for (const host of this.#placeholdersIn(parent.element)) {
      const name = host.getAttribute('data-gadget') ?? '';
      const scope = host.getAttribute('data-gadget-scope') ?? '';
      const spec = this.#specs.get(name);
      const refusal =
        spec === undefined
          ? `Unknown gadget "${name}"`
          : scope !== '' && parent.children.has(scope)
            ? `Scope "${scope}" is already used in gadget "${parent.name}"`
            : undefined;
      if (spec === undefined || refusal !== undefined) {
        this.#refused.add(host);
        showGadgetError(host, { name, scope, error: new Error(refusal) });
        continue;
      }
      // Its failure is already shown in its host: the parent carries on.
      mounts.push(this.mountChild(parent, host, spec, scope).catch(() => undefined));
    }
    await Promise.all(mounts);
  }

  #placeholdersIn(root: Element): HTMLElement[] {
    const found: HTMLElement[] = [];
    const visit = (element: Element): void => {
      for (const child of Array.from(element.children)) {
        if (this.#instances.has(child) || this.#refused.has(child)) continue;
        if (child.hasAttribute('data-gadget')) {
          if (child instanceof HTMLElement) found.push(child);
          continue;
        }
        visit(child);
      }
    };
    visit(root);
    return found;
  }

  /** Destroys root's tree as soon as its elements leave the node they were mounted in. */
  #watch(root: GadgetInstance): void {
    const scope = root.element.getRootNode();
    const observer = new MutationObserver((records) => {
      if (records.some((record) => record.removedNodes.length > 0)) this.#sweep(root, scope);
    });
    observer.observe(scope, { childList: true, subtree: true });
    this.#observers.set(root, observer);
  }

  #sweep(instance: GadgetInstance, scope: Node): void {
    // Checked when the records arrive, not per record: a node moved within the page (removed
    // then inserted in the same task) is still contained, and stays alive.
    if (!scope.contains(instance.element)) {
      instance.destroy();
      return;
    }
    for (const child of [...instance.children.values()]) this.#sweep(child, scope);
  }

  /** Drops a destroyed instance from the maps (called by GadgetInstance.destroy). */
  forget(instance: GadgetInstance): void {
    if (this.#instances.get(instance.element) === instance)
      this.#instances.delete(instance.element);
    this.#observers.get(instance)?.disconnect();
    this.#observers.delete(instance);
  }
}
