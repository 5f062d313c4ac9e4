import { describe, expect, it } from 'vitest';
import {
  AcquisitionError,
  createGadgetRegistry,
  defineGadget,
  html,
  type GadgetRegistry,
} from './index.ts';
import { attachedHost } from './test-support.ts';

// Acquirable methods used only by these tests (prefixed so they cannot clash with the app's).
declare module './index.ts' {
  interface Acquirable {
    testGreet(name: string): string;
    testCount(): Promise<number>;
    testNobodyProvides(): void;
  }
}

/** root > middle > leaf, each declared in its parent's markup. */
function tree(middleGreets: 'decline' | 'answer' | 'none'): {
  registry: GadgetRegistry;
  results: unknown[];
} {
  const results: unknown[] = [];
  const registry = createGadgetRegistry();
  registry.define(
    defineGadget({
      name: 'root',
      provide: {
        testGreet: (g, name) => `root(${g.name}) greets ${name}`,
        testCount: () => Promise.resolve(42),
      },
      render: () => html`<section><div data-gadget="middle" data-gadget-scope="m"></div></section>`,
    }),
  );
  registry.define(
    defineGadget({
      name: 'middle',
      provide:
        middleGreets === 'none'
          ? {}
          : {
              testGreet: (_g, name) => {
                if (middleGreets === 'decline') throw new AcquisitionError('not mine');
                return `middle greets ${name}`;
              },
            },
      render: () => html`<div data-gadget="leaf" data-gadget-scope="l"></div>`,
    }),
  );
  registry.define(
    defineGadget({
      name: 'leaf',
      render: () => html`<span>leaf</span>`,
      ready: async (g) => {
        results.push(await g.acquire('testGreet', 'leaf'));
        results.push(await g.acquire('testCount'));
      },
    }),
  );
  return { registry, results };
}

describe('acquisition', () => {
  it('reaches the root provider from a grandchild', async () => {
    const { registry, results } = tree('none');
    const element = attachedHost();
    await registry.mount(element, 'root');
    expect(results).toEqual(['root(root) greets leaf', 42]);
    element.remove();
  });

  it('lets the nearest provider answer', async () => {
    const { registry, results } = tree('answer');
    const element = attachedHost();
    await registry.mount(element, 'root');
    expect(results).toEqual(['middle greets leaf', 42]);
    element.remove();
  });

  it('passes the call on when a provider throws AcquisitionError', async () => {
    const { registry, results } = tree('decline');
    const element = attachedHost();
    await registry.mount(element, 'root');
    expect(results).toEqual(['root(root) greets leaf', 42]);
    element.remove();
  });

  it('passes async AcquisitionError rejections on to the providers given to mount', async () => {
    const registry = createGadgetRegistry();
    registry.define(
      defineGadget({
        name: 'declining',
        provide: { testGreet: () => Promise.reject(new AcquisitionError()) },
        render: () => html`<div data-gadget="asker" data-gadget-scope="a"></div>`,
      }),
    );
    let answer = '';
    registry.define(
      defineGadget({
        name: 'asker',
        render: () => html``,
        ready: async (g) => {
          answer = await g.acquire('testGreet', 'asker');
        },
      }),
    );
    const element = attachedHost();
    await registry.mount(element, 'declining', {
      provide: { testGreet: (name) => `mount greets ${name}` },
    });
    expect(answer).toBe('mount greets asker');
    element.remove();
  });

  it('does not let a gadget answer its own acquisition', async () => {
    const registry = createGadgetRegistry();
    let error: unknown;
    registry.define(
      defineGadget({
        name: 'selfish',
        provide: { testGreet: () => 'self' },
        render: () => html``,
        ready: async (g) => {
          error = await g.acquire('testGreet', 'me').catch((e: unknown) => e);
        },
      }),
    );
    const element = attachedHost();
    await registry.mount(element, 'selfish');
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('No gadget provides "testGreet"');
    element.remove();
  });

  it('rejects with a clear error when no gadget provides the method', async () => {
    const registry = createGadgetRegistry();
    registry.define(
      defineGadget({
        name: 'parent',
        provide: { testGreet: () => 'parent' },
        render: () => html`<div data-gadget="lost" data-gadget-scope="l"></div>`,
      }),
    );
    let error: unknown;
    registry.define(
      defineGadget({
        name: 'lost',
        render: () => html``,
        ready: async (g) => {
          error = await g.acquire('testNobodyProvides').catch((e: unknown) => e);
        },
      }),
    );
    const element = attachedHost();
    await registry.mount(element, 'parent', { provide: { testCount: () => Promise.resolve(1) } });
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('No gadget provides "testNobodyProvides"');
    element.remove();
  });

  it('rejects with the provider error (other than AcquisitionError) without asking further', async () => {
    const registry = createGadgetRegistry();
    registry.define(
      defineGadget({
        name: 'broken-provider',
        provide: {
          testGreet: () => {
            throw new RangeError('provider broke');
          },
        },
        render: () => html`<div data-gadget="asker" data-gadget-scope="a"></div>`,
      }),
    );
    let error: unknown;
    registry.define(
      defineGadget({
        name: 'asker',
        render: () => html``,
        ready: async (g) => {
          error = await g.acquire('testGreet', 'x').catch((e: unknown) => e);
        },
      }),
    );
    const element = attachedHost();
    await registry.mount(element, 'broken-provider', { provide: { testGreet: () => 'mount' } });
    expect(error).toBeInstanceOf(RangeError);
    element.remove();
  });
});
