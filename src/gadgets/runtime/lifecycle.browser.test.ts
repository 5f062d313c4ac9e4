import { describe, expect, it } from 'vitest';
import { createGadgetRegistry, defineGadget, html, type GadgetHandle } from './index.ts';
import { attachedHost, deferred, settle, whenAborted } from './test-support.ts';

/** A child gadget whose service records its signal, inside a parent that can drop it. */
function serviceTree() {
  const signals: AbortSignal[] = [];
  const registry = createGadgetRegistry();
  const parent = defineGadget({
    name: 'parent',
    state: () => ({ showChild: true }),
    render: (g) =>
      html`<p>parent</p>
        ${g.state.showChild ? html`<div data-gadget="svc" data-gadget-scope="s"></div>` : null}`,
    methods: {
      hide: async (g) => {
        await g.changeState({ showChild: false });
      },
    },
  });
  registry.define(parent);
  registry.define(
    defineGadget({
      name: 'svc',
      render: () => html`<span>service</span>`,
      services: [
        async (_g, signal) => {
          signals.push(signal);
          await whenAborted(signal);
        },
      ],
    }),
  );
  return { registry, signals, parent };
}

describe('services', () => {
  it('start after the first render and are cancelled when a parent re-render drops the gadget', async () => {
    const { registry, signals } = serviceTree();
    const element = attachedHost();
    // Created before the runtime's own observer, so it is notified first: it sees whether the
    // re-render destroyed the child itself, without waiting for an observer.
    let armed = false;
    let abortedWhenObserved: boolean | undefined;
    const probe = new MutationObserver(() => {
      if (armed) abortedWhenObserved ??= signals[0]?.aborted;
    });
    probe.observe(element, { childList: true, subtree: true });
    const root = await registry.mount<ReturnType<typeof serviceTree>['parent']>(element, 'parent');
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(false);
    await settle();
    armed = true;
    await root.call('hide');
    probe.disconnect();
    expect(abortedWhenObserved).toBe(true);
    expect(signals[0]?.aborted).toBe(true);
    expect((signals[0]?.reason as DOMException).name).toBe('AbortError');
    expect(element.querySelector('[data-gadget="svc"]')).toBeNull();
    element.remove();
  });

  it('are cancelled when the element is removed by someone else', async () => {
    const { registry, signals } = serviceTree();
    const element = attachedHost();
    await registry.mount(element, 'parent');
    element.querySelector('[data-gadget="svc"]')?.remove();
    await settle();
    expect(signals[0]?.aborted).toBe(true);
    element.remove();
  });

  it('are cancelled with every descendant when the root leaves the page', async () => {
    const rootSignals: AbortSignal[] = [];
    const { registry, signals } = serviceTree();
    const element = attachedHost();
    const wrapper = document.createElement('section');
    element.append(wrapper);
    await registry.mount(wrapper, 'parent');
    const other = createGadgetRegistry();
    other.define({
      name: 'other',
      render: () => html``,
      services: [(_g, signal) => void rootSignals.push(signal)],
    });
    const sibling = document.createElement('div');
    element.append(sibling);
    await other.mount(sibling, 'other');
    element.innerHTML = '';
    await settle();
    expect(signals[0]?.aborted).toBe(true);
    expect(rootSignals[0]?.aborted).toBe(true);
    element.remove();
  });

  it('survive a move within the page', async () => {
    const { registry, signals } = serviceTree();
    const element = attachedHost();
    await registry.mount(element, 'parent');
    const elsewhere = attachedHost();
    elsewhere.append(element);
    await settle();
    expect(signals[0]?.aborted).toBe(false);
    elsewhere.remove();
    await settle();
    expect(signals[0]?.aborted).toBe(true);
  });

  it('are cancelled by unmount, which also empties the element', async () => {
    const { registry, signals } = serviceTree();
    const element = attachedHost();
    await registry.mount(element, 'parent');
    registry.unmount(element);
    expect(signals[0]?.aborted).toBe(true);
    expect(element.childNodes).toHaveLength(0);
    element.remove();
  });
});

describe('jobs', () => {
  it('abort the previous run when the same job runs again', async () => {
    const registry = createGadgetRegistry();
    let handle: GadgetHandle | undefined;
    registry.define(
      defineGadget({
        name: 'jobs',
        render: () => html``,
        ready: (g) => {
          handle = g;
        },
      }),
    );
    const element = attachedHost();
    await registry.mount(element, 'jobs');
    if (handle === undefined) throw new Error('not ready');
    const gate = deferred();
    const seen: AbortSignal[] = [];
    const slow = (signal: AbortSignal) => {
      seen.push(signal);
      return gate.promise.then(() => 'slow');
    };
    const first = handle.job('load', slow);
    const other = handle.job('other', () => 'other');
    const second = handle.job('load', slow);
    expect(seen[0]?.aborted).toBe(true);
    expect(seen[1]?.aborted).toBe(false);
    gate.resolve();
    await expect(first).rejects.toMatchObject({ name: 'AbortError' });
    await expect(second).resolves.toBe('slow');
    await expect(other).resolves.toBe('other');
    // Leaving the page aborts the running job.
    const third = handle.job('load', (signal) => whenAborted(signal));
    element.remove();
    await expect(third).rejects.toMatchObject({ name: 'AbortError' });
    expect(element.querySelector('.gadget-error')).toBeNull();
  });
});

describe('events', () => {
  it('abort the previous handler when a new event of the same type arrives', async () => {
    const signals: AbortSignal[] = [];
    const targets: string[] = [];
    const registry = createGadgetRegistry();
    registry.define(
      defineGadget({
        name: 'clicker',
        render: () =>
          html`<button type="button" class="go"><span>go</span></button>
            <p class="no">no</p>`,
        on: {
          click: {
            selector: '.go',
            handler: async (_g, event, signal, target) => {
              expect(event).toBeInstanceOf(MouseEvent);
              signals.push(signal);
              targets.push(target.className);
              await whenAborted(signal);
            },
          },
        },
      }),
    );
    const element = attachedHost();
    await registry.mount(element, 'clicker');
    element.querySelector('span')?.click();
    element.querySelector<HTMLElement>('.no')?.click();
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(false);
    element.querySelector<HTMLElement>('.go')?.click();
    expect(signals).toHaveLength(2);
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[1]?.aborted).toBe(false);
    expect(targets).toEqual(['go', 'go']);
    element.remove();
    await settle();
    expect(signals[1]?.aborted).toBe(true);
    // A removed gadget no longer listens.
    element.querySelector<HTMLElement>('.go')?.click();
    expect(signals).toHaveLength(2);
    expect(element.querySelector('.gadget-error')).toBeNull();
  });

  it('ignore matches inside child gadgets', async () => {
    const clicks: string[] = [];
    const registry = createGadgetRegistry();
    registry.define({
      name: 'outer',
      render: () =>
        html`<button class="b" id="outer-b">outer</button>
          <div data-gadget="inner" data-gadget-scope="i"></div>`,
      on: {
        click: {
          selector: 'button',
          handler: (_g, _event, _signal, target) => {
            clicks.push(target.id);
          },
        },
      },
    });
    registry.define({ name: 'inner', render: () => html`<button id="inner-b">inner</button>` });
    const element = attachedHost();
    await registry.mount(element, 'outer');
    element.querySelector<HTMLElement>('#inner-b')?.click();
    element.querySelector<HTMLElement>('#outer-b')?.click();
    expect(clicks).toEqual(['outer-b']);
    element.remove();
  });
});

describe('state', () => {
  it('batches changes made in one tick into one onStateChange and one render', async () => {
    let renders = 0;
    const changes: string[][] = [];
    let handle: GadgetHandle<{ a: number; b: string; c: boolean }> | undefined;
    const registry = createGadgetRegistry();
    registry.define(
      defineGadget({
        name: 'counter',
        state: () => ({ a: 0, b: 'x', c: false }),
        render: (g) => {
          renders++;
          return html`<output>${g.state.a}${g.state.b}${String(g.state.c)}</output>`;
        },
        onStateChange: (g, modified) => {
          changes.push([...modified].sort());
          // onStateChange sees the new state, before the render.
          expect(g.element.textContent).not.toBe(
            `${String(g.state.a)}${g.state.b}${String(g.state.c)}`,
          );
        },
        ready: (g) => {
          handle = g;
        },
      }),
    );
    const element = attachedHost();
    await registry.mount(element, 'counter');
    if (handle === undefined) throw new Error('not ready');
    expect(renders).toBe(1);

    const done = Promise.all([
      handle.changeState({ a: 1 }),
      handle.changeState({ b: 'y' }),
      handle.changeState({ a: 2, c: false }),
    ]);
    // The state itself changes at once.
    expect(handle.state).toEqual({ a: 2, b: 'y', c: false });
    expect(renders).toBe(1);
    await done;
    expect(renders).toBe(2);
    expect(changes).toEqual([['a', 'b']]);
    expect(element.querySelector('output')?.textContent).toBe('2yfalse');

    // Same values, or a change undone in the same tick: nothing to render.
    await handle.changeState({ a: 2, b: 'y' });
    await Promise.all([handle.changeState({ a: 3 }), handle.changeState({ a: 2 })]);
    expect(renders).toBe(2);
    expect(changes).toHaveLength(1);
    element.remove();
  });

  it('serialises batches: a change made during onStateChange renders after it', async () => {
    const renders: number[] = [];
    const registry = createGadgetRegistry();
    let handle: GadgetHandle<{ n: number }> | undefined;
    registry.define(
      defineGadget({
        name: 'chain',
        state: () => ({ n: 0 }),
        render: (g) => {
          renders.push(g.state.n);
          return html`${g.state.n}`;
        },
        onStateChange: async (g) => {
          if (g.state.n === 1) void g.changeState({ n: 2 });
          await settle();
        },
        ready: (g) => {
          handle = g;
        },
      }),
    );
    const element = attachedHost();
    await registry.mount(element, 'chain');
    await handle?.changeState({ n: 1 });
    await settle();
    await settle();
    expect(element.textContent).toBe('2');
    expect(renders[0]).toBe(0);
    expect(renders.at(-1)).toBe(2);
    expect(handle?.state.n).toBe(2);
    element.remove();
  });

  it('reads its initial state from the element', async () => {
    const registry = createGadgetRegistry();
    registry.define(
      defineGadget({
        name: 'configured',
        state: (element) => ({ label: element.dataset['label'] ?? 'none' }),
        render: (g) => html`<b>${g.state.label}</b>`,
      }),
    );
    registry.define({
      name: 'holder',
      render: () =>
        html`<div data-gadget="configured" data-gadget-scope="c" data-label="from markup"></div>`,
    });
    const element = attachedHost();
    await registry.mount(element, 'holder');
    expect(element.querySelector('b')?.textContent).toBe('from markup');
    element.remove();
  });
});
