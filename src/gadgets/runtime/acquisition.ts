// Acquisition (renderJS declareAcquiredMethod / allowPublicAcquisition), typed: the app lists
// what can be acquired in one interface, so a gadget asks for `acquire('notify', msg)` and the
// compiler checks the name, the arguments and the result, instead of a string lookup that
// fails at run time.

/**
 * The methods a gadget can acquire from its ancestors: name → function type. Empty here; the
 * app extends it by declaration merging:
 *
 * ```ts
 * declare module './runtime/index.ts' {
 *   interface Acquirable { notify(message: string): void }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- empty so that the app can merge its methods in
export interface Acquirable {}

/** A name that can be acquired. */
export type AcquirableName = Extract<keyof Acquirable, string>;

/** The arguments of acquirable method K. */
export type AcquirableArgs<K extends AcquirableName> = Acquirable[K] extends (
  ...args: infer A
) => unknown
  ? A
  : never;

/** What acquiring K resolves to. */
export type AcquirableResult<K extends AcquirableName> = Acquirable[K] extends (
  ...args: never[]
) => infer R
  ? Awaited<R>
  : never;

/** A provider of K: the acquirable function, sync or async. */
export type Provider<K extends AcquirableName> = (
  ...args: AcquirableArgs<K>
) => AcquirableResult<K> | Promise<AcquirableResult<K>>;

/** Providers given to `registry.mount`, answering above the root gadget. */
export type RootProviders = { readonly [K in AcquirableName]?: Provider<K> };

/**
 * Thrown (or rejected) by a provider to decline a call: the acquisition goes on to the
 * provider's own ancestors, as a renderJS acquisition error does.
 */
export class AcquisitionError extends Error {
  /** @param message why the provider declined (for debugging). */
  constructor(message = 'Acquisition declined') {
    super(message);
    this.name = 'AcquisitionError';
  }
}

/**
 * One level of the walk: returns a thunk calling that level's provider of name, or undefined
 * when the level does not provide it. The walk order itself belongs to the gadget tree.
 */
export type ProviderLookup = (
  name: AcquirableName,
  args: readonly unknown[],
) => (() => unknown) | undefined;

/**
 * Asks each level in order (nearest first) and returns the first answer. A level that does
 * not provide the name, or whose provider throws AcquisitionError, passes the call on; any
 * other error rejects. Nobody answering rejects with `No gadget provides "<name>"`.
 */
export async function acquireThrough(
  levels: Iterable<ProviderLookup>,
  name: AcquirableName,
  args: readonly unknown[],
): Promise<unknown> {
  for (const lookup of levels) {
    const call = lookup(name, args);
    if (call === undefined) continue;
    try {
      return await call();
    } catch (error) {
      if (error instanceof AcquisitionError) continue;
      throw error;
    }
  }
  throw new Error(`No gadget provides "${name}"`);
}
