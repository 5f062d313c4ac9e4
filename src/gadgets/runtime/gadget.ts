// The gadget contract: what a gadget declares (GadgetSpec), what its code can do
// (GadgetHandle) and what its parent can do with it (GadgetRef). These are renderJS's
// declareMethod / declareAcquiredMethod / allowPublicAcquisition / declareService /
// declareJob / onEvent / changeState / onStateChange, as one typed object instead of a chain
// of calls on a class.
import type { AcquirableArgs, AcquirableName, AcquirableResult } from './acquisition.ts';
import type { Template } from './template.ts';

/** What a declared method looks like to the runtime: the gadget's handle, then its arguments. */
export type GadgetMethod<S extends object> = (g: GadgetHandle<S>, ...args: never[]) => unknown;

/** Declared methods by name (renderJS declareMethod). */
export type GadgetMethods<S extends object> = Readonly<Record<string, GadgetMethod<S>>>;

/** A provider of acquirable K in a gadget (renderJS allowPublicAcquisition). */
export type GadgetProvider<S extends object, K extends AcquirableName> = (
  g: GadgetHandle<S>,
  ...args: AcquirableArgs<K>
) => AcquirableResult<K> | Promise<AcquirableResult<K>>;

/** The providers of one gadget. */
export type GadgetProviders<S extends object> = {
  readonly [K in AcquirableName]?: GadgetProvider<S, K>;
};

/** A service: runs while the gadget is in the page; `signal` aborts when it leaves. */
export type GadgetService<S extends object> = (
  g: GadgetHandle<S>,
  signal: AbortSignal,
) => Promise<void> | void;

/** One delegated event listener on the gadget's element (renderJS onEvent). */
export interface EventBinding<S extends object, E extends Event> {
  /**
   * Only events whose target is inside an element matching this selector, in the gadget's own
   * markup (not inside a child gadget), reach the handler. Without it, every event of that
   * type on the element does, including those bubbling from children.
   */
  readonly selector?: string;
  /** Call `event.preventDefault()` before the handler (forms, links). */
  readonly preventDefault?: boolean;
  /** Listen in the capture phase (for events that do not bubble, such as focus). */
  readonly capture?: boolean;
  /**
   * Handles the event. `signal` aborts when the next event of the same type arrives or the
   * gadget leaves the page; `target` is the element that matched `selector` (or the gadget's
   * element).
   */
  handler(g: GadgetHandle<S>, event: E, signal: AbortSignal, target: Element): Promise<void> | void;
}

/** Event bindings by event type. */
export type GadgetEvents<S extends object> = {
  readonly [K in keyof HTMLElementEventMap]?: EventBinding<S, HTMLElementEventMap[K]>;
};

/**
 * A gadget's declaration. S is its state, M its declared methods; both are inferred by
 * {@link defineGadget} (write `state` before `render` so S is known when `render` is typed).
 */
export interface GadgetSpec<
  S extends object = object,
  M extends GadgetMethods<S> = GadgetMethods<S>,
> {
  /** The name used in markup: `<div data-gadget="name" data-gadget-scope="scope"></div>`. */
  readonly name: string;
  /** Initial state; the element lets a gadget read its `data-*` configuration. */
  state?(element: HTMLElement): S;
  /** The gadget's markup for its current state. Called on mount and after state changes. */
  render(g: GadgetHandle<S>): Template;
  /** Methods the parent may call through `GadgetRef.call`. */
  readonly methods?: M;
  /** Acquirable methods this gadget answers for its descendants. */
  readonly provide?: GadgetProviders<S>;
  /** Started after the first render; each runs until the gadget leaves the page. */
  readonly services?: readonly GadgetService<S>[];
  /** Delegated DOM events on the gadget's element. */
  readonly on?: GadgetEvents<S>;
  /** Called after a state change with the keys whose values changed, before the re-render. */
  onStateChange?(g: GadgetHandle<S>, modified: ReadonlySet<keyof S>): Promise<void> | void;
  /** Called once after the first render, when declared children are ready. */
  ready?(g: GadgetHandle<S>): Promise<void> | void;
}

/** The view of a gadget that its parent gets: identity and declared methods. */
export interface GadgetRef<G = UntypedGadget> {
  /** The gadget's element (its host). */
  readonly element: HTMLElement;
  /** The gadget's name. */
  readonly name: string;
  /** Its scope in its parent ('' for a root). */
  readonly scope: string;
  /**
   * Calls declared method `method`. Rejects if the gadget has no such method, has failed or
   * has left the page; an error thrown by the method also shows in the gadget and rejects.
   */
  call<K extends MethodName<G>>(method: K, ...args: MethodArgs<G, K>): Promise<MethodResult<G, K>>;
}

/** The type of a gadget whose methods are not known: any name, any arguments. */
export interface UntypedGadget {
  readonly methods: Readonly<Record<string, (g: never, ...args: readonly unknown[]) => unknown>>;
}

type MethodsOf<G> = G extends { readonly methods?: infer M } ? NonNullable<M> : never;

/** The declared method names of gadget type G (`typeof someGadget`). */
export type MethodName<G> = Extract<keyof MethodsOf<G>, string>;

/** The arguments of method K of G, without the handle. */
export type MethodArgs<G, K extends MethodName<G>> = MethodsOf<G>[K] extends (
  g: never,
  ...args: infer A
) => unknown
  ? A
  : never;

/** What calling method K of G resolves to. */
export type MethodResult<G, K extends MethodName<G>> = MethodsOf<G>[K] extends (
  ...args: never[]
) => infer R
  ? Awaited<R>
  : never;

/** Where `declareGadget` puts a gadget created from code. */
export interface DeclareOptions {
  /** The child's scope, unique among its parent's children. */
  readonly scope: string;
  /** The element the child's host is appended to; the declaring gadget's element by default. */
  readonly element?: HTMLElement;
}

/** What a gadget's code can do with itself. Passed to every callback of its spec. */
export interface GadgetHandle<S extends object = object> {
  /** The gadget's element; its content is the gadget's render. */
  readonly element: HTMLElement;
  /** The gadget's name. */
  readonly name: string;
  /** Its scope in its parent ('' for a root). */
  readonly scope: string;
  /** The current state (a frozen snapshot; change it with changeState). */
  readonly state: Readonly<S>;
  /** Aborts when the gadget leaves the page (or fails). */
  readonly signal: AbortSignal;
  /**
   * Merges delta into the state. Calls in the same tick are batched: one onStateChange with
   * every key whose value changed (Object.is), then one render. Resolves after that render;
   * a delta that changes nothing renders nothing. Rejects (quietly if ignored) if the render
   * fails; resolves without rendering once the gadget has failed or left the page.
   */
  changeState(delta: Partial<S>): Promise<void>;
  /**
   * Calls acquirable `name` on the nearest ancestor that provides it (parent first, then
   * grandparent..., then the providers given to mount). Rejects with
   * `No gadget provides "<name>"` when none does.
   */
  acquire<K extends AcquirableName>(
    name: K,
    ...args: AcquirableArgs<K>
  ): Promise<AcquirableResult<K>>;
  /** The child gadget with this scope (declared in markup or from code). Throws if none. */
  child<G = UntypedGadget>(scope: string): GadgetRef<G>;
  /**
   * Creates child gadget `name` from code in a new host appended to `options.element` (or
   * this gadget's element), and resolves when it is ready. The host is left alone by this
   * gadget's re-renders.
   */
  declareGadget<G = UntypedGadget>(name: string, options: DeclareOptions): Promise<GadgetRef<G>>;
  /**
   * Runs `run` as job `name`: a new call with the same name aborts the previous run's signal
   * (renderJS declareJob). Resolves with run's result; rejects with an AbortError when
   * superseded or when the gadget leaves. A job that fails otherwise also fails the gadget.
   * Ignoring the returned promise is safe: it never reports an unhandled rejection.
   */
  job<T>(name: string, run: (signal: AbortSignal) => Promise<T> | T): Promise<T>;
}

/**
 * Declares a gadget. Returns the spec itself, typed, to pass to `registry.define` and to use
 * as a type: `g.child<typeof counter>('c').call('increment', 2)`.
 */
// M defaults to the constraint, not to "no methods": a narrower default would also be what
// the compiler types the methods' `g` parameter against, leaving it implicitly any.
export function defineGadget<
  S extends object = object,
  M extends GadgetMethods<S> = GadgetMethods<S>,
>(spec: GadgetSpec<S, M>): GadgetSpec<S, M> {
  return Object.freeze(spec);
}
