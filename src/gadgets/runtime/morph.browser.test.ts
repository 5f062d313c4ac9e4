import { describe, expect, it } from 'vitest';
import { createGadgetRegistry, defineGadget, html, type GadgetHandle } from './index.ts';
import { morphChildren } from './morph.ts';
import { attachedHost } from './test-support.ts';

const plainHooks = { isOpaque: () => false, isForeign: () => false, removed: () => undefined };

function morphTo(live: HTMLElement, markup: string): void {
  const template = document.createElement('template');
  template.innerHTML = markup;
  morphChildren(live, template.content, plainHooks);
}

const counter = defineGadget({
  name: 'counter',
  state: () => ({ count: 0 }),
  render: (g) => html`<span class="count">${g.state.count}</span>`,
  methods: {
    increment: async (g, by: number) => {
      await g.changeState({ count: g.state.count + by });
      return g.state.count;
    },
  },
});

describe('morph', () => {
  it('keeps a focused input, its typed value and caret across a parent re-render', async () => {
    let handle: GadgetHandle<{ title: string }> | undefined;
    const registry = createGadgetRegistry();
    registry.define(
      defineGadget({
        name: 'form',
        state: () => ({ title: 'one' }),
        render: (g) =>
          html`<h2>${g.state.title}</h2>
            <label
              >Name <input name="n" value="${g.state.title}" class="${g.state.title}"
            /></label>`,
        ready: (g) => {
          handle = g;
        },
      }),
    );
    const element = attachedHost();
    await registry.mount(element, 'form');
    const input = element.querySelector('input');
    if (input === null || handle === undefined) throw new Error('not rendered');
    input.focus();
    input.value = 'typed by the user';
    input.setSelectionRange(3, 5);
    await handle.changeState({ title: 'two' });
    expect(element.querySelector('h2')?.textContent).toBe('two');
    expect(element.querySelector('input')).toBe(input);
    expect(input.className).toBe('two');
    expect(document.activeElement).toBe(input);
    expect(input.value).toBe('typed by the user');
    expect([input.selectionStart, input.selectionEnd]).toEqual([3, 5]);
    element.remove();
  });

  it("keeps a child gadget's element, state and services across a parent re-render", async () => {
    let parentHandle: GadgetHandle<{ heading: string; extra: boolean }> | undefined;
    const registry = createGadgetRegistry();
    registry.define(counter);
    registry.define(
      defineGadget({
        name: 'page',
        state: () => ({ heading: 'a', extra: false }),
        render: (g) =>
          html`<h1>${g.state.heading}</h1>
            ${g.state.extra ? html`<p class="extra">extra</p>` : null}
            <div data-gadget="counter" data-gadget-scope="c" class="${g.state.heading}"></div>`,
        ready: (g) => {
          parentHandle = g;
        },
      }),
    );
    const element = attachedHost();
    await registry.mount(element, 'page');
    if (parentHandle === undefined) throw new Error('not ready');
    const host = element.querySelector('[data-gadget="counter"]');
    const ref = parentHandle.child<typeof counter>('c');
    await expect(ref.call('increment', 5)).resolves.toBe(5);
    await parentHandle.changeState({ heading: 'b', extra: true });
    expect(element.querySelector('h1')?.textContent).toBe('b');
    expect(element.querySelector('.extra')).not.toBeNull();
    expect(element.querySelector('[data-gadget="counter"]')).toBe(host);
    expect(host?.querySelector('.count')?.textContent).toBe('5');
    expect(parentHandle.child('c')).toBe(ref);
    await expect(ref.call('increment', 1)).resolves.toBe(6);
    element.remove();
  });

  it('replaces a child gadget whose scope changed, destroying the old one', async () => {
    let parentHandle: GadgetHandle<{ scope: string }> | undefined;
    const registry = createGadgetRegistry();
    registry.define(counter);
    registry.define(
      defineGadget({
        name: 'switcher',
        state: () => ({ scope: 'first' }),
        render: (g) => html`<div data-gadget="counter" data-gadget-scope="${g.state.scope}"></div>`,
        ready: (g) => {
          parentHandle = g;
        },
      }),
    );
    const element = attachedHost();
    await registry.mount(element, 'switcher');
    if (parentHandle === undefined) throw new Error('not ready');
    const first = parentHandle.child<typeof counter>('first');
    await first.call('increment', 3);
    await parentHandle.changeState({ scope: 'second' });
    expect(() => parentHandle?.child('first')).toThrow(/no child gadget with scope "first"/);
    await expect(first.call('increment', 1)).rejects.toThrow(/no longer in the page/);
    const second = parentHandle.child<typeof counter>('second');
    expect(second.element.querySelector('.count')?.textContent).toBe('0');
    expect(element.querySelectorAll('[data-gadget]')).toHaveLength(1);
    element.remove();
  });

  it('updates text and attributes in place and removes what is gone', () => {
    const live = document.createElement('div');
    morphTo(live, '<p class="a" title="t">one</p><ul><li>1</li><li>2</li></ul><!--c-->');
    const p = live.querySelector('p');
    const ul = live.querySelector('ul');
    morphTo(live, '<p class="b">two</p><ul><li>1</li></ul><span>new</span>');
    expect(live.querySelector('p')).toBe(p);
    expect(live.querySelector('ul')).toBe(ul);
    expect(p?.className).toBe('b');
    expect(p?.hasAttribute('title')).toBe(false);
    expect(live.innerHTML).toBe('<p class="b">two</p><ul><li>1</li></ul><span>new</span>');
  });

  it('matches keyed elements when a list is reordered', () => {
    const live = document.createElement('ul');
    morphTo(live, '<li data-key="a">A</li><li data-key="b">B</li><li data-key="c">C</li>');
    const [a, b, c] = Array.from(live.children);
    morphTo(live, '<li data-key="c">C</li><li data-key="a">A!</li><li data-key="d">D</li>');
    const after = Array.from(live.children);
    expect(after[0]).toBe(c);
    expect(after[1]).toBe(a);
    expect(after.includes(b as Element)).toBe(false);
    expect(live.textContent).toBe('CA!D');
  });

  it('applies value and checked changes made by the render, not those made by the user', () => {
    const live = document.createElement('div');
    document.body.append(live);
    morphTo(live, '<input class="t" value="a"><input type="checkbox" class="c">');
    const text = live.querySelector<HTMLInputElement>('.t');
    const box = live.querySelector<HTMLInputElement>('.c');
    if (text === null || box === null) throw new Error('not rendered');
    text.value = 'user';
    morphTo(live, '<input class="t" value="a"><input type="checkbox" class="c">');
    expect(text.value).toBe('user');
    morphTo(live, '<input class="t" value="b"><input type="checkbox" class="c" checked>');
    expect(text.value).toBe('b');
    expect(box.checked).toBe(true);
    live.remove();
  });
});
