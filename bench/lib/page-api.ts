// Benchmark pages install an API object on `window` under a key; the Node side calls its
// methods through Playwright. One typed caller for every browser suite.
import type { Page } from 'playwright-core';

type ArgsOf<T> = T extends (...args: infer P) => unknown ? P : never;
type ResultOf<T> = T extends (...args: never[]) => infer R ? R : never;
type Installed = Record<
  string,
  Record<string, ((...args: unknown[]) => Promise<unknown>) | undefined> | undefined
>;

/** A caller of `window[key][method](...args)` typed by the page's API interface. */
export function pageCaller<Api extends object>(key: string) {
  return <M extends keyof Api & string>(
    page: Page,
    method: M,
    ...args: ArgsOf<Api[M]>
  ): ResultOf<Api[M]> =>
    page.evaluate(
      ([k, m, a]) => {
        const fn = (window as unknown as Installed)[k]?.[m];
        if (fn === undefined) return Promise.reject(new Error(`the page has no ${k}.${m}`));
        return fn(...a);
      },
      [key, method, args as unknown[]] as const,
    ) as ResultOf<Api[M]>;
}
