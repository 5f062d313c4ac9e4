// One live gadget: its state, renders, services, jobs, event handlers and children, and the
// one lifetime (an AbortController) that all of them share. Everything a gadget runs is
// guarded: an error ends in `fail`, which shows the error in this gadget only.
import { acquireThrough, type AcquirableName, type ProviderLookup } from './acquisition.ts';
import { abortReason, isAbortError, messageOf, showGadgetError } from './errors.ts';
import type { DeclareOptions, EventBinding, GadgetHandle, GadgetRef } from './gadget.ts';
import { createHandle } from './handle.ts';
import {
  ownEntry,
  type InternalRootProviders,
  type InternalSpec,
  type State,
} from './internal-spec.ts';
import { morphChildren, type MorphHooks } from './morph.ts';
import { markHandled } from './promises.ts';
import type { Runtime } from './runtime.ts';
import { isTemplate, markupOf } from './template.ts';

type Status = 'mounting' | 'live' | 'failed' | 'destroyed';

/** State changes made in one tick, flushed together. */
interface Batch {
  /** The state before the first change of the batch. */
  readonly base: State;
  readonly keys: Set<string>;
  readonly waiters: { resolve(): void; reject(error: unknown): void }[];
}

/** A mounted gadget. Internal: gadget code sees only its handle, parents only its ref. */
export class GadgetInstance {
  /** Children by key (their scope, or a generated key for unscoped markup children). */
  readonly children = new Map<string, GadgetInstance>();
  readonly handle: GadgetHandle<State>;
  readonly ref: GadgetRef;
  #state: State = Object.freeze({});
  #status: Status = 'mounting';
  #failure: unknown = undefined;
  readonly #lifetime = new AbortController();
  #batch: Batch | undefined = undefined;
  /** Serialises flushes, so one render finishes before the next batch starts. */
  #flushes: Promise<void> = Promise.resolve();
  readonly #jobs = new Map<string, AbortController>();
  readonly #events = new Map<string, AbortController>();
  readonly #morphHooks: MorphHooks;

  constructor(
    readonly runtime: Runtime,
    readonly spec: InternalSpec,
    readonly element: HTMLElement,
    readonly parent: GadgetInstance | undefined,
    /** Scope as written in markup or given to declareGadget; '' when none. */
    readonly scope: string,
    /** Key in the parent's children map. */
    readonly key: string,
    /** The providers given to mount for this gadget's tree (inherited from the root). */
    readonly rootProviders: InternalRootProviders | undefined,
  ) {
    this.handle = createHandle(this);
    this.ref = Object.freeze({
      element,
      name: spec.name,
      scope,
      call: (method: string, ...args: readonly unknown[]) => this.call(method, args),
    });
    this.#morphHooks = {
      // Child hosts (and roots mounted inside this gadget by someone else) own their content.
      isOpaque: (el) => el.hasAttribute('data-gadget') || runtime.isMounted(el),
      isForeign: (node) => runtime.isForeign(node),
      removed: (node) => {
        for (const child of [...this.children.values()]) {
          if (node.contains(child.element)) child.destroy();
        }
      },
    };
  }

  get name(): string {
    return this.spec.name;
  }

  get state(): State {
    return this.#state;
  }

  get signal(): AbortSignal {
    return this.#lifetime.signal;
  }

  /**
   * Mounting or live: its callbacks may still run. A method, not a getter, so that the
   * compiler does not assume it unchanged across an await.
   */
  isAlive(): boolean {
    return this.#status === 'mounting' || this.#status === 'live';
  }

  /**
   * First render, then the children declared in it, then ready, then services. Rejects (after
   * showing the error in the element) if any of these fails.
   */
  async start(): Promise<void> {
    try {
      this.#state = Object.freeze({ ...this.spec.state?.(this.element) });
      this.#bindEvents();
      this.#render();
      await this.runtime.mountPlaceholders(this);
      if (this.isAlive()) await this.spec.ready?.(this.handle);
    } catch (error) {
      this.fail(error);
      throw error;
    }
    if (this.#status === 'failed') throw this.#failure;
    if (this.#status !== 'mounting') return;
    this.#status = 'live';
    for (const service of this.spec.services ?? []) {
      const signal = this.signal;
      void this.#guard(signal, () => service(this.handle, signal));
    }
  }

  #render(): void {
    const template = this.spec.render(this.handle);
    // A plain string (or anything else) is refused: only html`` and safe() make markup.
    if (!isTemplate(template))
      throw new TypeError(`render() of gadget "${this.name}" must return html\`\``);
    const parsed = this.element.ownerDocument.createElement('template');
    parsed.innerHTML = markupOf(template);
    morphChildren(this.element, parsed.content, this.#morphHooks);
  }

  /** Runs a callback of this gadget; an error that is not an abort fails the gadget. */
  async #guard(signal: AbortSignal, run: () => unknown): Promise<void> {
    try {
      await run();
    } catch (error) {
      if (signal.aborted || isAbortError(error)) return;
      this.fail(error);
    }
  }

  /** Batches delta into the next flush (see GadgetHandle.changeState). */
  changeState(delta: Readonly<Record<string, unknown>>): Promise<void> {
    if (!this.isAlive()) return Promise.resolve();
    let batch = this.#batch;
    if (batch === undefined) {
      const created: Batch = { base: this.#state, keys: new Set(), waiters: [] };
      batch = created;
      this.#batch = created;
      // After the current flush, and after the calls of this tick have joined the batch.
      this.#flushes = this.#flushes.then(() => this.#flush(created));
    }
    this.#state = Object.freeze({ ...this.#state, ...delta });
    for (const key of Object.keys(delta)) batch.keys.add(key);
    const waiters = batch.waiters;
    return markHandled(new Promise<void>((resolve, reject) => waiters.push({ resolve, reject })));
  }

  async #flush(batch: Batch): Promise<void> {
    await Promise.resolve();
    this.#batch = undefined;
    try {
      const modified = new Set(
        [...batch.keys].filter((key) => !Object.is(batch.base[key], this.#state[key])),
      );
      if (modified.size > 0 && this.isAlive()) {
        await this.spec.onStateChange?.(this.handle, modified);
        if (this.isAlive()) {
          this.#render();
          await this.runtime.mountPlaceholders(this);
        }
      }
      for (const waiter of batch.waiters) waiter.resolve();
    } catch (error) {
      this.fail(error);
      for (const waiter of batch.waiters) waiter.reject(error);
    }
  }

  /** Calls acquirable `name` on the nearest ancestor (then the root providers) that has it. */
  acquire(name: AcquirableName, args: readonly unknown[]): Promise<unknown> {
    return acquireThrough(this.#providerLevels(), name, args);
  }

  *#providerLevels(): Generator<ProviderLookup> {
    for (let level = this.parent; level !== undefined; level = level.parent) {
      const gadget = level;
      yield (name, args) => {
        const provider = ownEntry(gadget.spec.provide, name);
        return provider && (() => provider(gadget.handle, ...args));
      };
    }
    const providers = this.rootProviders;
    yield (name, args) => {
      const provider = ownEntry(providers, name);
      return provider && (() => provider(...args));
    };
  }

  /** Calls declared method `method` for a parent. */
  async call(method: string, args: readonly unknown[]): Promise<unknown> {
    if (this.#status === 'failed') {
      throw new Error(`Gadget "${this.name}" has failed: ${messageOf(this.#failure)}`);
    }
    if (this.#status === 'destroyed')
      throw new Error(`Gadget "${this.name}" is no longer in the page`);
    const fn = ownEntry(this.spec.methods, method);
    if (fn === undefined) throw new Error(`Gadget "${this.name}" has no method "${method}"`);
    try {
      return await fn(this.handle, ...args);
    } catch (error) {
      if (!isAbortError(error)) this.fail(error);
      throw error;
    }
  }

  /** The ref of the child with this scope; throws if there is none. */
  child(scope: string): GadgetRef {
    const child = this.children.get(scope);
    if (child === undefined || scope === '') {
      throw new Error(`Gadget "${this.name}" has no child gadget with scope "${scope}"`);
    }
    return child.ref;
  }

  /** Creates a child from code in a host the re-renders leave alone. */
  async declareGadget(name: string, options: DeclareOptions): Promise<GadgetRef> {
    if (!this.isAlive()) throw new Error(`Gadget "${this.name}" is no longer in the page`);
    if (options.scope === '' || this.children.has(options.scope)) {
      throw new Error(
        `Gadget "${this.name}" cannot declare a child with scope "${options.scope}": it is empty or taken`,
      );
    }
    const spec = this.runtime.specNamed(name);
    const host = this.element.ownerDocument.createElement('div');
    host.setAttribute('data-gadget', name);
    host.setAttribute('data-gadget-scope', options.scope);
    this.runtime.markForeign(host);
    (options.element ?? this.element).append(host);
    const child = await this.runtime.mountChild(this, host, spec, options.scope);
    return child.ref;
  }

  /** Runs job `name`, aborting its previous run (see GadgetHandle.job). */
  job<T>(name: string, run: (signal: AbortSignal) => Promise<T> | T): Promise<T> {
    this.#jobs.get(name)?.abort(abortReason(`Superseded by a new run of job "${name}"`));
    const controller = new AbortController();
    this.#jobs.set(name, controller);
    const signal = AbortSignal.any([this.signal, controller.signal]);
    const result = (async () => {
      try {
        signal.throwIfAborted();
        const value = await run(signal);
        // A run that finished without looking at its signal still lost to the newer one.
        signal.throwIfAborted();
        return value;
      } catch (error) {
        signal.throwIfAborted();
        if (!isAbortError(error)) this.fail(error);
        throw error;
      } finally {
        if (this.#jobs.get(name) === controller) this.#jobs.delete(name);
      }
    })();
    return markHandled(result);
  }

  #bindEvents(): void {
    for (const [type, binding] of Object.entries(this.spec.on ?? {})) {
      if (binding === undefined) continue;
      this.element.addEventListener(
        type,
        (event) => {
          this.#onEvent(type, binding, event);
        },
        {
          signal: this.signal,
          capture: binding.capture ?? false,
        },
      );
    }
  }

  #onEvent(type: string, binding: EventBinding<State, Event>, event: Event): void {
    if (!this.isAlive()) return;
    let target: Element = this.element;
    if (binding.selector !== undefined) {
      const matched = this.#ownMatch(event.target, binding.selector);
      if (matched === null) return;
      target = matched;
    }
    if (binding.preventDefault === true) event.preventDefault();
    this.#events.get(type)?.abort(abortReason(`Superseded by a new "${type}" event`));
    const controller = new AbortController();
    this.#events.set(type, controller);
    const signal = AbortSignal.any([this.signal, controller.signal]);
    void this.#guard(signal, () => binding.handler(this.handle, event, signal, target));
  }

  /**
   * The nearest element around target matching selector that belongs to this gadget's own
   * markup: matches inside a child gadget are the child's business, so the search goes on
   * from that child's host.
   */
  #ownMatch(eventTarget: EventTarget | null, selector: string): Element | null {
    const start =
      eventTarget instanceof Element
        ? eventTarget
        : eventTarget instanceof Node
          ? eventTarget.parentElement
          : null;
    let candidate = start?.closest(selector) ?? null;
    while (candidate !== null && this.element.contains(candidate)) {
      const host = this.#hostAbove(candidate);
      if (host === undefined) return candidate;
      candidate = host.closest(selector);
    }
    return null;
  }

  /** The outermost gadget host strictly between element and this gadget's element. */
  #hostAbove(element: Element): Element | undefined {
    let host: Element | undefined;
    for (
      let el = element.parentElement;
      el !== null && el !== this.element;
      el = el.parentElement
    ) {
      if (el.hasAttribute('data-gadget') || this.runtime.isMounted(el)) host = el;
    }
    return host;
  }

  /**
   * Shows error in this gadget's element, destroys its children and aborts its lifetime.
   * The first error wins; a gadget that already left the page shows nothing.
   */
  fail(error: unknown): void {
    if (!this.isAlive()) return;
    this.#status = 'failed';
    this.#failure = error;
    for (const child of [...this.children.values()]) child.destroy();
    this.#lifetime.abort(abortReason(`Gadget "${this.name}" failed`));
    showGadgetError(this.element, { name: this.name, scope: this.scope, error });
  }

  /** Aborts this gadget's lifetime and its descendants'; it can never run again. */
  destroy(): void {
    if (this.#status === 'destroyed') return;
    for (const child of [...this.children.values()]) child.destroy();
    this.#status = 'destroyed';
    this.#lifetime.abort(abortReason(`Gadget "${this.name}" left the page`));
    if (this.parent?.children.get(this.key) === this) this.parent.children.delete(this.key);
    this.runtime.forget(this);
    // Nothing will render any more: whoever awaits a state change may go on.
    const batch = this.#batch;
    this.#batch = undefined;
    for (const waiter of batch?.waiters ?? []) waiter.resolve();
  }
}
