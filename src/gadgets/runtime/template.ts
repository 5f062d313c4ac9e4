// The only way gadget code produces markup. A Template can be made only by `html` (which
// escapes every interpolated value for where it lands) or by `safe` (an explicit, greppable
// statement that a string is trusted markup), so no path turns a plain string into HTML.
import { slotsOf, type Slot } from './template-context.ts';

let wrap!: (markup: string) => Template;
let unwrap!: (template: Template) => string;

/**
 * A piece of trusted markup made by {@link html} or {@link safe}. Opaque on purpose: its
 * markup can only be read by the runtime that renders it, and it cannot be forged from a
 * plain object.
 */
export class Template {
  readonly #markup: string;

  private constructor(markup: string) {
    this.#markup = markup;
  }

  static {
    // Module-private factory and reader: a class-private field is the one brand that a
    // look-alike object cannot carry.
    wrap = (markup) => new Template(markup);
    unwrap = (template) => template.#markup;
  }
}

/** Anything `html` accepts in a `${}`: nested templates, text, numbers, lists of those. */
export type TemplateValue =
  Template | string | number | bigint | boolean | null | undefined | readonly TemplateValue[];

/** Whether value is a Template (made by html or safe). */
export function isTemplate(value: unknown): value is Template {
  return value instanceof Template;
}

/** The markup of a template, for the renderer only. */
export function markupOf(template: Template): string {
  return unwrap(template);
}

/**
 * Tagged template that builds markup. Every interpolated value is escaped for its context
 * (`& < > " '` in text and quoted attributes; every delimiter in unquoted attributes) unless
 * it is itself a Template; arrays are joined; `null`, `undefined` and `false` render as
 * nothing. Plain values are refused (TypeError) where escaping cannot make them safe: inside a
 * tag, in `on*=` and `srcdoc=` attributes and inside `<script>`/`<style>`. A `javascript:` or
 * `vbscript:` URL at the start of a URL attribute becomes `about:invalid#unsafe-url`.
 *
 * @example html`<li class="${kind}">${name}</li>`
 */
export function html(strings: TemplateStringsArray, ...values: readonly TemplateValue[]): Template {
  const slots = slotsOf(strings);
  let markup = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) {
    const slot = slots[i];
    if (slot === undefined) throw new TypeError('html must be used as a tagged template');
    markup += renderValue(values[i], slot) + (strings[i + 1] ?? '');
  }
  return wrap(markup);
}

/**
 * Marks a string as trusted markup, to be inserted as is. The only way to inject markup that
 * did not come from an html`` literal: use it for markup the app itself produced, never for
 * user or synced data.
 */
export function safe(markup: string): Template {
  return wrap(markup);
}

// Attributes whose value is a URL that the browser may navigate to or load.
const urlAttributes = new Set([
  'href',
  'src',
  'action',
  'formaction',
  'xlink:href',
  'poster',
  'cite',
  'data',
  'background',
  'ping',
]);

function isValueList(value: TemplateValue): value is readonly TemplateValue[] {
  return Array.isArray(value);
}

function renderValue(value: TemplateValue, slot: Slot): string {
  if (value === null || value === undefined || value === false) return emptyIn(slot);
  if (value instanceof Template) return unwrap(value);
  if (isValueList(value)) {
    const joined = value.map((item) => renderValue(item, slot)).join('');
    return joined === '' ? emptyIn(slot) : joined;
  }
  const text = String(value);
  switch (slot.kind) {
    case 'text':
      return escapeText(text);
    case 'markup-only':
      if (text === '') return '';
      throw new TypeError(
        `html: a plain value cannot be placed in ${slot.where}; only html\`\` or safe() markup can`,
      );
    case 'attribute':
      return renderAttribute(text, slot);
  }
}

function renderAttribute(text: string, slot: Extract<Slot, { kind: 'attribute' }>): string {
  if (slot.name.startsWith('on') || slot.name === 'srcdoc') {
    // The browser would run (or render) the decoded value: escaping cannot help here.
    if (text === '') return emptyIn(slot);
    throw new TypeError(
      `html: a plain value cannot be placed in the ${slot.name} attribute; only html\`\` or safe() markup can`,
    );
  }
  const value =
    slot.atStart && urlAttributes.has(slot.name) && isScriptUrl(text)
      ? 'about:invalid#unsafe-url'
      : text;
  if (slot.quoted) return escapeText(value);
  // Unquoted: a space, quote, `=`, backtick or `>` would end the value, so encode all but
  // the harmless characters.
  const encoded = value.replace(
    /[^\w.\-:/]/gu,
    (c) => `&#x${(c.codePointAt(0) ?? 0).toString(16)};`,
  );
  return encoded === '' ? emptyIn(slot) : encoded;
}

/** What an empty value renders as: `""` where an unquoted attribute would otherwise vanish. */
function emptyIn(slot: Slot): string {
  return slot.kind === 'attribute' && !slot.quoted && slot.atStart ? '""' : '';
}

function isScriptUrl(url: string): boolean {
  // Browsers ignore ASCII whitespace and control characters in a scheme ("java\tscript:").
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is stripped
  const scheme = url.replace(/[\u0000-\u0020]/g, '').toLowerCase();
  return scheme.startsWith('javascript:') || scheme.startsWith('vbscript:');
}

const entities: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for element content and quoted attribute values. */
export function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c] ?? c);
}
