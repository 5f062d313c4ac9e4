import { describe, expect, it } from 'vitest';
import {
  createGadgetRegistry,
  defineGadget,
  html,
  type GadgetHandle,
  type GadgetRef,
} from './index.ts';
import { attachedHost, settle, whenAborted } from './test-support.ts';

const note = defineGadget({
  name: 'note',
  state: (element) => ({ text: element.dataset['text'] ?? '', edits: 0 }),
  render: (g) => html`<p class="note">${g.state.text}</p>`,
  methods: {
    /** Replaces the text; resolves with the number of edits so far. */
    setText: async (g, text: string) => {
      await g.changeState({ text, edits: g.state.edits + 1 });
      return g.state.edits;
    },
    text: (g) => g.state.text,
  },
  services: [(_g, signal) => whenAborted(signal).then(() => undefined)],
});

/** A board whose ready hands its handle out. */
function board() {
  let handle: GadgetHandle<{ heading: string }> | undefined;
  const spec = defineGadget({
    name: 'board',
    state: () => ({ heading: 'h' }),
    render: (g) =>
      html`<h1>${g.state.heading}</h1>
        <div class="slot"></div>
        <div data-gadget="note" data-gadget-scope="first" data-text="from markup"></div>`,
    ready: (g) => {
      handle = g;
    },
  });
  return {
    spec,
    handle: () => {
      if (handle === undefined) throw new Error('not ready');
      return handle;
    },
  };
}

describe('registry', () => {
  it('refuses to define a name twice', () => {
    const registry = createGadgetRegistry();
    registry.define(note);
    expect(registry.has('note')).toBe(true);
    expect(() => {
      registry.define({ name: 'note', render: () => html`` });
    }).toThrow('Gadget "note" is already defined');
  });

  it('keeps registries apart', async () => {
    const one = createGadgetRegistry();
    const two = createGadgetRegistry();
    one.define(note);
    expect(two.has('note')).toBe(false);
    const element = attachedHost();
    await expect(two.mount(element, 'note')).rejects.toThrow('Unknown gadget "note"');
    element.remove();
  });

  it('refuses to mount twice on one element', async () => {
    const registry = createGadgetRegistry();
    registry.define(note);
    const element = attachedHost();
    await registry.mount(element, 'note');
    await expect(registry.mount(element, 'note')).rejects.toThrow(/already mounted/);
    element.remove();
  });
});

describe('children', () => {
  it('calls typed declared methods of a child declared in markup', async () => {
    const registry = createGadgetRegistry();
    const { spec, handle } = board();
    registry.define(spec);
    registry.define(note);
    const element = attachedHost();
    await registry.mount(element, 'board');
    const first = handle().child<typeof note>('first');
    expect(first.scope).toBe('first');
    expect(first.name).toBe('note');
    await expect(first.call('text')).resolves.toBe('from markup');
    const edits: number = await first.call('setText', 'changed <i>');
    expect(edits).toBe(1);
    expect(first.element.querySelector('.note')?.textContent).toBe('changed <i>');
    await expect(first.call('nope' as 'text')).rejects.toThrow(
      'Gadget "note" has no method "nope"',
    );
    await expect(first.call('toString' as 'text')).rejects.toThrow(/no method "toString"/);
    expect(() => handle().child('missing')).toThrow(
      'Gadget "board" has no child gadget with scope "missing"',
    );
    element.remove();
  });

  it('declares children from code, into its element or a given one, kept across re-renders', async () => {
    const registry = createGadgetRegistry();
    const { spec, handle } = board();
    registry.define(spec);
    registry.define(note);
    const element = attachedHost();
    await registry.mount(element, 'board');
    const g = handle();
    const appended = await g.declareGadget<typeof note>('note', { scope: 'code' });
    expect(appended.element.parentElement).toBe(element);
    expect(appended.element.dataset['gadgetScope']).toBe('code');
    const slot = element.querySelector<HTMLElement>('.slot');
    if (slot === null) throw new Error('no slot');
    const slotted = await g.declareGadget<typeof note>('note', { scope: 'slotted', element: slot });
    expect(slotted.element.parentElement).toBe(slot);
    await appended.call('setText', 'appended');
    await slotted.call('setText', 'slotted');

    await g.changeState({ heading: 'again' });
    expect(element.querySelector('h1')?.textContent).toBe('again');
    expect(appended.element.isConnected).toBe(true);
    expect(slotted.element.isConnected).toBe(true);
    await expect(g.child<typeof note>('code').call('text')).resolves.toBe('appended');
    await expect(g.child<typeof note>('slotted').call('text')).resolves.toBe('slotted');

    await expect(g.declareGadget('note', { scope: 'code' })).rejects.toThrow(/scope "code"/);
    await expect(g.declareGadget('unknown', { scope: 'u' })).rejects.toThrow(
      'Unknown gadget "unknown"',
    );

    // Removing a code-declared child's host destroys it.
    appended.element.remove();
    await settle();
    expect(() => g.child('code')).toThrow(/no child gadget/);
    await expect(appended.call('text')).rejects.toThrow(/no longer in the page/);
    element.remove();
  });

  it('mounts children that a re-render adds', async () => {
    let handle: GadgetHandle<{ count: number }> | undefined;
    const registry = createGadgetRegistry();
    registry.define(note);
    registry.define(
      defineGadget({
        name: 'list',
        state: () => ({ count: 1 }),
        render: (g) =>
          html`${Array.from(
            { length: g.state.count },
            (_, i) =>
              html`<div
                data-gadget="note"
                data-gadget-scope="n${i}"
                data-text="${`note ${String(i)}`}"
              ></div>`,
          )}`,
        ready: (g) => {
          handle = g;
        },
      }),
    );
    const element = attachedHost();
    await registry.mount(element, 'list');
    await handle?.changeState({ count: 3 });
    expect(Array.from(element.querySelectorAll('.note'), (p) => p.textContent)).toEqual([
      'note 0',
      'note 1',
      'note 2',
    ]);
    await expect(handle?.child<typeof note>('n2').call('text')).resolves.toBe('note 2');
    await handle?.changeState({ count: 1 });
    expect(element.querySelectorAll('.note')).toHaveLength(1);
    expect(() => handle?.child('n2')).toThrow(/no child gadget/);
    element.remove();
  });
});

// Type-level checks: compiled by `tsc -p tsconfig.node.json`, never run.
export function typeChecks(ref: GadgetRef<typeof note>, untyped: GadgetRef): void {
  void ref.call('setText', 'x');
  void ref.call('text');
  // @ts-expect-error: no such method
  void ref.call('missing');
  // @ts-expect-error: wrong argument type
  void ref.call('setText', 1);
  // @ts-expect-error: missing argument
  void ref.call('setText');
  const edits: Promise<number> = ref.call('setText', 'x');
  // @ts-expect-error: resolves to a number, not a string
  const wrong: Promise<string> = ref.call('setText', 'x');
  // An untyped ref accepts any method and arguments.
  const anything: Promise<unknown> = untyped.call('whatever', 1, 'two');
  void edits;
  void wrong;
  void anything;
}
