// Helpers shared by the runtime's browser tests (not used by the app).

/** A fresh element attached to the page, so removal observers and focus behave as for users. */
export function attachedHost(): HTMLDivElement {
  const element = document.createElement('div');
  document.body.append(element);
  return element;
}

/**
 * Waits until pending microtasks (promise reactions, MutationObserver callbacks) and one
 * macrotask have run.
 */
export function settle(): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, 0);
  });
}

/** A promise with its resolve function, to hold a service or handler mid-flight. */
export function deferred<T = void>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resolves with the signal's reason when it aborts. */
export function whenAborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else
      signal.addEventListener(
        'abort',
        () => {
          resolve(signal.reason);
        },
        { once: true },
      );
  });
}
