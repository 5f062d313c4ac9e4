import { describe, expect, it } from 'vitest';
import {
  createGadgetRegistry,
  defineGadget,
  html,
  type GadgetErrorDetail,
  type GadgetHandle,
  type GadgetRegistry,
} from './index.ts';
import { attachedHost, settle } from './test-support.ts';

/** A parent with a "good" counter child and a child of the given name next to it. */
function family(registry: GadgetRegistry, other: string) {
  let parent: GadgetHandle<{ title: string }> | undefined;
  const good = defineGadget({
    name: 'good',
    state: () => ({ clicks: 0 }),
    render: (g) => html`<button type="button" class="good">${g.state.clicks}</button>`,
    on: {
      click: {
        handler: async (g) => {
          await g.changeState({ clicks: g.state.clicks + 1 });
        },
      },
    },
  });
  registry.define(good);
  registry.define(
    defineGadget({
      name: 'family',
      state: () => ({ title: 'family' }),
      render: (g) =>
        html`<h1>${g.state.title}</h1>
          <div data-gadget="good" data-gadget-scope="good"></div>
          <div data-gadget="${other}" data-gadget-scope="other"></div>`,
      ready: (g) => {
        parent = g;
      },
    }),
  );
  return {
    parent: () => {
      if (parent === undefined) throw new Error('not ready');
      return parent;
    },
  };
}

/** Collects the gadget-error events reaching element. */
function errorsAt(element: HTMLElement): GadgetErrorDetail[] {
  const details: GadgetErrorDetail[] = [];
  element.addEventListener('gadget-error', (event) => {
    details.push(event.detail);
  });
  return details;
}

/** The sibling still renders and reacts; the parent still re-renders. */
async function expectFamilyWorks(
  element: HTMLElement,
  parent: GadgetHandle<{ title: string }>,
): Promise<void> {
  const button = element.querySelector<HTMLElement>('button.good');
  expect(button?.textContent).toBe('0');
  button?.click();
  await settle();
  expect(element.querySelector('button.good')?.textContent).toBe('1');
  await parent.changeState({ title: 'still here' });
  expect(element.querySelector('h1')?.textContent).toBe('still here');
}

describe('failure containment', () => {
  it('shows a child whose render throws in its own element; its sibling still works', async () => {
    const registry = createGadgetRegistry();
    const { parent } = family(registry, 'bad');
    registry.define({
      name: 'bad',
      render: () => {
        throw new Error('render <b>exploded</b>');
      },
    });
    const element = attachedHost();
    const errors = errorsAt(element);
    await registry.mount(element, 'family');
    const box = element.querySelector('[data-gadget="bad"] > .gadget-error');
    expect(box?.getAttribute('role')).toBe('alert');
    expect(box?.textContent).toContain('bad');
    expect(box?.textContent).toContain('render <b>exploded</b>');
    expect(box?.querySelector('b')).toBeNull();
    expect(errors.map((e) => [e.name, e.scope])).toEqual([['bad', 'other']]);
    expect(element.querySelectorAll('.gadget-error')).toHaveLength(1);
    await expectFamilyWorks(element, parent());
    // The failed child is kept as it is by the parent's re-render.
    expect(element.querySelectorAll('.gadget-error')).toHaveLength(1);
    element.remove();
  });

  it('contains errors thrown in ready, services and event handlers', async () => {
    for (const where of ['ready', 'service', 'event'] as const) {
      const registry = createGadgetRegistry();
      const { parent } = family(registry, 'bad');
      registry.define({
        name: 'bad',
        render: () => html`<button type="button" class="bad">bad</button>`,
        ready: () => {
          if (where === 'ready') throw new Error(`failed in ${where}`);
        },
        services: [
          async () => {
            await Promise.resolve();
            if (where === 'service') throw new Error(`failed in ${where}`);
          },
        ],
        on: {
          click: {
            handler: () => {
              if (where === 'event') return Promise.reject(new Error(`failed in ${where}`));
              return undefined;
            },
          },
        },
      });
      const element = attachedHost();
      const errors = errorsAt(element);
      await registry.mount(element, 'family');
      element.querySelector<HTMLElement>('button.bad')?.click();
      await settle();
      expect(element.querySelector('[data-gadget="bad"] .gadget-error')?.textContent).toContain(
        `failed in ${where}`,
      );
      expect(errors).toHaveLength(1);
      await expectFamilyWorks(element, parent());
      element.remove();
    }
  });

  it('ignores AbortErrors from services that were cancelled', async () => {
    const registry = createGadgetRegistry();
    registry.define({
      name: 'aborting',
      render: () => html`<p>ok</p>`,
      services: [
        () => {
          throw new DOMException('stopped', 'AbortError');
        },
      ],
    });
    const element = attachedHost();
    await registry.mount(element, 'aborting');
    await settle();
    expect(element.querySelector('.gadget-error')).toBeNull();
    expect(element.textContent).toBe('ok');
    element.remove();
  });

  it('shows a failing method in the child and rejects to the calling parent', async () => {
    const registry = createGadgetRegistry();
    const { parent } = family(registry, 'bad');
    const bad = defineGadget({
      name: 'bad',
      render: () => html`<p>bad</p>`,
      methods: {
        explode: (_g, why: string) => {
          throw new Error(why);
        },
      },
    });
    registry.define(bad);
    const element = attachedHost();
    await registry.mount(element, 'family');
    const ref = parent().child<typeof bad>('other');
    await expect(ref.call('explode', 'method failed')).rejects.toThrow('method failed');
    expect(ref.element.querySelector('.gadget-error')?.textContent).toContain('method failed');
    await expect(ref.call('explode', 'again')).rejects.toThrow(/has failed: method failed/);
    await expectFamilyWorks(element, parent());
    element.remove();
  });

  it('shows an unknown gadget in its placeholder; the rest works', async () => {
    const registry = createGadgetRegistry();
    const { parent } = family(registry, 'no-such-gadget');
    const element = attachedHost();
    const errors = errorsAt(element);
    await registry.mount(element, 'family');
    expect(
      element.querySelector('[data-gadget="no-such-gadget"] .gadget-error')?.textContent,
    ).toContain('Unknown gadget "no-such-gadget"');
    expect(errors.map((e) => e.name)).toEqual(['no-such-gadget']);
    await expectFamilyWorks(element, parent());
    expect(errors).toHaveLength(1);
    element.remove();
  });

  it('rejects mounting an unknown root gadget and shows why', async () => {
    const registry = createGadgetRegistry();
    const element = attachedHost();
    await expect(registry.mount(element, 'nope')).rejects.toThrow('Unknown gadget "nope"');
    expect(element.querySelector('.gadget-error')?.textContent).toContain('nope');
    element.remove();
  });

  it('lets an ancestor handle gadget-error events of its descendants', async () => {
    const seen: string[] = [];
    const registry = createGadgetRegistry();
    registry.define({
      name: 'watcher',
      render: () => html`<div data-gadget="thrower" data-gadget-scope="t"></div>`,
      on: {
        'gadget-error': {
          handler: (_g, event) => {
            seen.push(`${event.detail.name}: ${(event.detail.error as Error).message}`);
          },
        },
      },
    });
    registry.define({
      name: 'thrower',
      render: () => {
        throw new Error('boom');
      },
    });
    const element = attachedHost();
    await registry.mount(element, 'watcher');
    expect(seen).toEqual(['thrower: boom']);
    element.remove();
  });
});
