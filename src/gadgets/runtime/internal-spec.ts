// How the runtime sees a spec once its types are erased. Every gadget has its own state and
// method types, but one registry holds them all; `registry.define` converts a typed
// GadgetSpec to this shape in one place, and the runtime only ever calls each function with
// the arguments its typed declaration promised.
import type { EventBinding, GadgetHandle, GadgetService } from './gadget.ts';
import type { Template } from './template.ts';

/** A gadget's state as the runtime stores it. */
export type State = Readonly<Record<string, unknown>>;

/** A declared method or provider: the handle, then its own arguments. */
export type HandleFunction = (g: GadgetHandle<State>, ...args: readonly unknown[]) => unknown;

/** A GadgetSpec with its type parameters erased. */
export interface InternalSpec {
  readonly name: string;
  state?(element: HTMLElement): State;
  render(g: GadgetHandle<State>): Template;
  readonly methods?: Readonly<Record<string, HandleFunction | undefined>>;
  readonly provide?: Readonly<Record<string, HandleFunction | undefined>>;
  readonly services?: readonly GadgetService<State>[];
  readonly on?: Readonly<Record<string, EventBinding<State, Event> | undefined>>;
  onStateChange?(g: GadgetHandle<State>, modified: ReadonlySet<string>): Promise<void> | void;
  ready?(g: GadgetHandle<State>): Promise<void> | void;
}

/** Root-level providers (given to mount) with their types erased. */
export type InternalRootProviders = Readonly<
  Record<string, ((...args: readonly unknown[]) => unknown) | undefined>
>;

/** The entry of `table` named `name`, ignoring inherited keys such as "toString". */
export function ownEntry<T>(
  table: Readonly<Record<string, T | undefined>> | undefined,
  name: string,
): T | undefined {
  return table !== undefined && Object.hasOwn(table, name) ? table[name] : undefined;
}
