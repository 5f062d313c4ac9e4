// Where each `${}` of an html`` template lands in the markup (text, attribute value, inside a
// tag...), worked out once per call site from the static strings alone. Escaping `& < > " '`
// is only safe in text and quoted attribute values: a plain string in a tag (`<div ${x}>`), in
// an event-handler attribute or inside <script> could still run code, so the template needs
// to know the context to refuse those, and to harden unquoted attribute values.

/** The context of one interpolation slot. */
export type Slot =
  /** Element content, RCDATA (<textarea>, <title>) or a comment: escaped text. */
  | { readonly kind: 'text' }
  /** An attribute value. */
  | {
      readonly kind: 'attribute';
      /** Lower-cased attribute name. */
      readonly name: string;
      /** False for `name=${x}`: the value then needs every delimiter escaped. */
      readonly quoted: boolean;
      /** Nothing static precedes the slot in the value (so it decides a URL's scheme). */
      readonly atStart: boolean;
    }
  /** Tag names, attribute names, raw text (<script>, <style>): only trusted markup may go here. */
  | { readonly kind: 'markup-only'; readonly where: string };

type State =
  | 'data'
  | 'tagName'
  | 'beforeAttrName'
  | 'attrName'
  | 'afterAttrName'
  | 'beforeAttrValue'
  | 'valueDouble'
  | 'valueSingle'
  | 'valueUnquoted'
  | 'endTag'
  | 'comment'
  | 'bogusComment'
  | 'rawText'
  | 'rcData';

// Elements whose content the parser does not treat as markup. In raw-text elements entity
// escaping means nothing (a script is code), in RCDATA ones escaped text is still just text.
const rawTextElements = new Set([
  'script',
  'style',
  'xmp',
  'iframe',
  'noembed',
  'noframes',
  'noscript',
  'plaintext',
]);
const rcDataElements = new Set(['textarea', 'title']);

const letter = /[a-zA-Z]/;
const space = /[\t\n\f\r ]/;

/** A small HTML tokenizer state machine, fed the static parts in order. */
class Scanner {
  state: State = 'data';
  tagName = '';
  attrName = '';
  valueHasStatic = false;
  /** The element whose closing tag ends raw text / RCDATA. */
  textEnd = '';

  feed(chunk: string): void {
    let i = 0;
    while (i < chunk.length) {
      i = this.step(chunk, i);
    }
  }

  /** Consumes one or more characters from chunk at i and returns the next index. */
  private step(chunk: string, i: number): number {
    const c = chunk.charAt(i);
    switch (this.state) {
      case 'data':
        if (c === '<') return this.openAngle(chunk, i);
        return i + 1;
      case 'tagName':
        if (space.test(c) || c === '/') this.state = 'beforeAttrName';
        else if (c === '>') this.endOfTag();
        else this.tagName += c.toLowerCase();
        return i + 1;
      case 'beforeAttrName':
        if (c === '>') this.endOfTag();
        else if (!space.test(c) && c !== '/') this.startAttr(c);
        return i + 1;
      case 'attrName':
        if (space.test(c)) this.state = 'afterAttrName';
        else if (c === '/') this.state = 'beforeAttrName';
        else if (c === '=') this.state = 'beforeAttrValue';
        else if (c === '>') this.endOfTag();
        else this.attrName += c.toLowerCase();
        return i + 1;
      case 'afterAttrName':
        if (c === '=') this.state = 'beforeAttrValue';
        else if (c === '>') this.endOfTag();
        else if (c === '/') this.state = 'beforeAttrName';
        else if (!space.test(c)) this.startAttr(c);
        return i + 1;
      case 'beforeAttrValue':
        this.valueHasStatic = false;
        if (c === '"') this.state = 'valueDouble';
        else if (c === "'") this.state = 'valueSingle';
        else if (c === '>') this.endOfTag();
        else if (!space.test(c)) {
          this.state = 'valueUnquoted';
          this.valueHasStatic = true;
        }
        return i + 1;
      case 'valueDouble':
      case 'valueSingle':
        if (c === (this.state === 'valueDouble' ? '"' : "'")) this.state = 'beforeAttrName';
        else this.valueHasStatic = true;
        return i + 1;
      case 'valueUnquoted':
        if (space.test(c)) this.state = 'beforeAttrName';
        else if (c === '>') this.endOfTag();
        else this.valueHasStatic = true;
        return i + 1;
      case 'endTag':
      case 'bogusComment':
        if (c === '>') this.state = 'data';
        return i + 1;
      case 'comment': {
        const end = chunk.indexOf('-->', i);
        if (end < 0) return chunk.length;
        this.state = 'data';
        return end + 3;
      }
      case 'rawText':
      case 'rcData': {
        const close = `</${this.textEnd}`;
        const end = chunk.toLowerCase().indexOf(close, i);
        if (end < 0) return chunk.length;
        this.state = 'endTag';
        return end + close.length;
      }
    }
  }

  private openAngle(chunk: string, i: number): number {
    const next = chunk.charAt(i + 1);
    if (letter.test(next)) {
      this.state = 'tagName';
      this.tagName = '';
      return i + 1;
    }
    if (next === '/' && letter.test(chunk.charAt(i + 2))) {
      this.state = 'endTag';
      return i + 2;
    }
    if (chunk.startsWith('<!--', i)) {
      this.state = 'comment';
      return i + 4;
    }
    if (next === '!' || next === '?') {
      this.state = 'bogusComment';
      return i + 2;
    }
    return i + 1;
  }

  private startAttr(first: string): void {
    this.state = 'attrName';
    this.attrName = first.toLowerCase();
  }

  private endOfTag(): void {
    if (rawTextElements.has(this.tagName)) {
      this.state = 'rawText';
      this.textEnd = this.tagName;
    } else if (rcDataElements.has(this.tagName)) {
      this.state = 'rcData';
      this.textEnd = this.tagName;
    } else {
      this.state = 'data';
    }
  }

  /** The context of a slot that follows the static text fed so far; moves past the slot. */
  slot(before: string): Slot {
    switch (this.state) {
      case 'data':
        // `<${x}` or `</${x}`: the value would become a tag name.
        if (/<\/?$/.test(before)) return { kind: 'markup-only', where: 'a tag name' };
        return { kind: 'text' };
      case 'comment':
      case 'rcData':
        return { kind: 'text' };
      case 'rawText':
        return { kind: 'markup-only', where: `the content of <${this.textEnd}>` };
      case 'beforeAttrValue':
        // The slot is the start of an unquoted value; what follows it is still that value.
        this.state = 'valueUnquoted';
        this.valueHasStatic = false;
        return { kind: 'attribute', name: this.attrName, quoted: false, atStart: true };
      case 'valueDouble':
      case 'valueSingle':
      case 'valueUnquoted':
        return {
          kind: 'attribute',
          name: this.attrName,
          quoted: this.state !== 'valueUnquoted',
          atStart: !this.valueHasStatic,
        };
      case 'tagName':
      case 'beforeAttrName':
      case 'attrName':
      case 'afterAttrName':
        return { kind: 'markup-only', where: `the <${this.tagName}> tag` };
      case 'endTag':
      case 'bogusComment':
        return { kind: 'markup-only', where: 'a closing tag or declaration' };
    }
  }
}

// Keyed by the call site's strings array, which JavaScript keeps identical for every
// evaluation of the same tagged template, so each template is scanned once.
const cache = new WeakMap<TemplateStringsArray, readonly Slot[]>();

/** The context of every slot of a tagged template, `strings.length - 1` entries. */
export function slotsOf(strings: TemplateStringsArray): readonly Slot[] {
  const cached = cache.get(strings);
  if (cached !== undefined) return cached;
  const scanner = new Scanner();
  const slots: Slot[] = [];
  for (let i = 0; i < strings.length - 1; i++) {
    const chunk = strings[i] ?? '';
    scanner.feed(chunk);
    slots.push(scanner.slot(chunk));
  }
  cache.set(strings, slots);
  return slots;
}
