import { describe, expect, it } from 'vitest';
import { createGadgetRegistry, defineGadget, html, safe } from './index.ts';
import { isTemplate, markupOf } from './template.ts';
import { attachedHost } from './test-support.ts';

const attack = `<script>window.__pwned = true</script><img src=x onerror="window.__pwned = true">`;

/** Parses markup the way the runtime does, into a detached container. */
function parse(markup: string): HTMLElement {
  const template = document.createElement('template');
  template.innerHTML = markup;
  const container = document.createElement('div');
  container.append(template.content);
  return container;
}

describe('html', () => {
  it('escapes text and attribute values', () => {
    expect(markupOf(html`<p title="${`a"b'c`}">${'<b>&</b>'}</p>`)).toBe(
      '<p title="a&quot;b&#39;c">&lt;b&gt;&amp;&lt;/b&gt;</p>',
    );
  });

  it('renders user text containing a <script> as text, in content and in attributes', async () => {
    const registry = createGadgetRegistry();
    registry.define(
      defineGadget({
        name: 'echo',
        state: () => ({ text: attack }),
        render: (g) =>
          html`<p class="content">${g.state.text}</p>
            <p class="attr" title="${g.state.text}" data-x="${g.state.text}"></p>`,
      }),
    );
    const element = attachedHost();
    await registry.mount(element, 'echo');
    expect(element.querySelector('.content')?.textContent).toBe(attack);
    expect(element.querySelector('.attr')?.getAttribute('title')).toBe(attack);
    expect(element.querySelector('.attr')?.getAttribute('data-x')).toBe(attack);
    expect(element.querySelector('script, img')).toBeNull();
    expect(Reflect.get(window, '__pwned')).toBeUndefined();
    element.remove();
  });

  it('injects markup only through safe() or nested templates', () => {
    const inner = html`<em>${'<i>'}</em>`;
    const container = parse(
      markupOf(html`<div>${inner}${safe('<b>bold</b>')}${'<u>no</u>'}</div>`),
    );
    expect(container.querySelector('em')?.textContent).toBe('<i>');
    expect(container.querySelector('b')?.textContent).toBe('bold');
    expect(container.querySelector('u')).toBeNull();
    expect(container.textContent).toBe('<i>bold<u>no</u>');
  });

  it('joins arrays, renders numbers and drops null, undefined and false', () => {
    const items = ['a<', 'b'];
    // prettier-ignore
    expect(markupOf(html`<ul>${items.map((item) => html`<li>${item}</li>`)}</ul>`)).toBe('<ul><li>a&lt;</li><li>b</li></ul>');
    expect(markupOf(html`${1.5}|${0}|${null}|${undefined}|${false}|${[1, [2, '<']]}`)).toBe(
      '1.5|0||||12&lt;',
    );
  });

  it('hardens unquoted attribute values', () => {
    // prettier-ignore
    const container = parse(markupOf(html`<div title=${'x onclick=alert(1) "a" >'} class=${''} id=a></div>`));
    const div = container.querySelector('div');
    expect(div?.getAttribute('title')).toBe('x onclick=alert(1) "a" >');
    expect(div?.hasAttribute('onclick')).toBe(false);
    expect(div?.getAttribute('class')).toBe('');
    expect(div?.id).toBe('a');
  });

  it('neutralises script URLs at the start of URL attributes', () => {
    const container = parse(
      markupOf(
        html`<a href="${' java\tscript:alert(1)'}">x</a><a href="/path/${'javascript:x'}">y</a>`,
      ),
    );
    const [first, second] = Array.from(container.querySelectorAll('a'));
    expect(first?.getAttribute('href')).toBe('about:invalid#unsafe-url');
    expect(second?.getAttribute('href')).toBe('/path/javascript:x');
  });

  it('refuses plain values where escaping cannot help', () => {
    expect(() => html`<div ${'onclick=alert(1)'}></div>`).toThrow(TypeError);
    expect(() => html`<button onclick="${'alert(1)'}"></button>`).toThrow(/onclick/);
    expect(() => html`<iframe srcdoc="${attack}"></iframe>`).toThrow(/srcdoc/);
    // prettier-ignore
    expect(() => html`<script>const x = ${'1'};</script>`).toThrow(/script/);
    // prettier-ignore
    expect(() => html`<${'img'} src=x>`).toThrow(/tag name/);
    // Trusted markup and empty values are accepted there.
    // prettier-ignore
    expect(markupOf(html`<input ${safe('disabled')} ${null}>`)).toBe('<input disabled >');
    expect(markupOf(html`<button onclick="${safe('go()')}"></button>`)).toBe(
      '<button onclick="go()"></button>',
    );
  });

  it('keeps text contexts after the end of a script or comment', () => {
    // prettier-ignore
    expect(markupOf(html`<script>1</script>${'<b>'}<!-- ${'-->'} -->`)).toBe('<script>1</script>&lt;b&gt;<!-- --&gt; -->');
    expect(markupOf(html`<textarea>${'</textarea><b>'}</textarea>`)).toBe(
      '<textarea>&lt;/textarea&gt;&lt;b&gt;</textarea>',
    );
  });

  it('cannot be forged from a plain object', () => {
    expect(isTemplate(html`x`)).toBe(true);
    expect(isTemplate(safe('x'))).toBe(true);
    expect(isTemplate({ markup: '<b>x</b>' })).toBe(false);
    expect(isTemplate('<b>x</b>')).toBe(false);
  });

  it('refuses a render that returns a plain string', async () => {
    const registry = createGadgetRegistry();
    registry.define({
      name: 'stringly',
      // A caller bypassing the types: the runtime must still not parse the string.
      render: () => '<b>bold</b>' as unknown as ReturnType<typeof html>,
    });
    const element = attachedHost();
    await expect(registry.mount(element, 'stringly')).rejects.toThrow(/must return html/);
    expect(element.querySelector('b')).toBeNull();
    expect(element.querySelector('.gadget-error')?.textContent).toContain('stringly');
    element.remove();
  });
});
