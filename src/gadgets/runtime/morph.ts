// DOM patching for re-renders. Replacing innerHTML would drop focus, caret, scroll positions
// and every child gadget (with its state and services); instead the live tree is walked
// alongside the freshly parsed one and only what differs is changed. Nodes of the same kind
// and tag are kept; elements with a key (child gadget hosts, `id`, `data-key`) are matched by
// key, so a list can be reordered without rebuilding its items.

/** How the gadget runtime takes part in a morph. */
export interface MorphHooks {
  /**
   * Live elements kept exactly as they are, attributes and subtree, when the new markup has an
   * element with the same key there: child gadget hosts, whose content is the child's.
   */
  isOpaque(element: Element): boolean;
  /** Live nodes the morph neither matches nor removes (hosts of gadgets declared from code). */
  isForeign(node: Node): boolean;
  /** Called after a live node was removed, so the runtime can destroy gadgets inside it. */
  removed(node: Node): void;
}

/**
 * Makes the children of `live` match the children of `next` (typically a parsed
 * `<template>`'s content; its nodes are moved into `live` where new ones are needed).
 */
export function morphChildren(live: Node, next: Node, hooks: MorphHooks): void {
  const wanted = Array.from(next.childNodes);
  let cursor = skipForeign(live.firstChild, hooks);
  for (const want of wanted) {
    const key = keyOf(want);
    let match: ChildNode | null = null;
    if (cursor !== null && sameKind(cursor, want) && keyOf(cursor) === key) match = cursor;
    else if (key !== undefined) match = findKeyed(cursor, want, key, hooks);
    if (match === null) {
      live.insertBefore(want, cursor);
      continue;
    }
    if (match === cursor) cursor = skipForeign(cursor.nextSibling, hooks);
    else live.insertBefore(match, cursor);
    morphNode(match, want, hooks);
  }
  while (cursor !== null) {
    const after = skipForeign(cursor.nextSibling, hooks);
    live.removeChild(cursor);
    hooks.removed(cursor);
    cursor = after;
  }
}

function skipForeign(node: ChildNode | null, hooks: MorphHooks): ChildNode | null {
  let current = node;
  while (current !== null && hooks.isForeign(current)) current = current.nextSibling;
  return current;
}

function sameKind(a: Node, b: Node): boolean {
  if (a.nodeType !== b.nodeType) return false;
  if (a instanceof Element && b instanceof Element) {
    return a.localName === b.localName && a.namespaceURI === b.namespaceURI;
  }
  return true;
}

/**
 * The identity of an element across renders. Child gadget hosts are identified by gadget
 * name and scope; other elements by `data-key` or `id`.
 */
function keyOf(node: Node): string | undefined {
  if (!(node instanceof Element)) return undefined;
  const gadget = node.getAttribute('data-gadget');
  if (gadget !== null)
    return `gadget:${gadget}\u0000${node.getAttribute('data-gadget-scope') ?? ''}`;
  const key = node.getAttribute('data-key');
  if (key !== null) return `key:${key}`;
  return node.id === '' ? undefined : `id:${node.id}`;
}

function findKeyed(
  from: ChildNode | null,
  want: Node,
  key: string,
  hooks: MorphHooks,
): ChildNode | null {
  for (let node = from; node !== null; node = node.nextSibling) {
    if (!hooks.isForeign(node) && sameKind(node, want) && keyOf(node) === key) return node;
  }
  return null;
}

function morphNode(live: ChildNode, want: ChildNode, hooks: MorphHooks): void {
  if (!(live instanceof Element) || !(want instanceof Element)) {
    if (live.nodeValue !== want.nodeValue) live.nodeValue = want.nodeValue;
    return;
  }
  if (hooks.isOpaque(live)) return;
  const changed = morphAttributes(live, want);
  if (live instanceof HTMLTextAreaElement) {
    morphTextArea(live, want.textContent);
    return;
  }
  syncFormState(live, changed);
  if (live instanceof HTMLTemplateElement && want instanceof HTMLTemplateElement) {
    morphChildren(live.content, want.content, hooks);
    return;
  }
  morphChildren(live, want, hooks);
}

/** Copies want's attributes onto live; returns the names that changed. */
function morphAttributes(live: Element, want: Element): Set<string> {
  const changed = new Set<string>();
  for (const attr of Array.from(live.attributes)) {
    if (!want.hasAttributeNS(attr.namespaceURI, attr.localName)) {
      live.removeAttributeNS(attr.namespaceURI, attr.localName);
      changed.add(attr.name);
    }
  }
  for (const attr of Array.from(want.attributes)) {
    if (live.getAttributeNS(attr.namespaceURI, attr.localName) !== attr.value) {
      live.setAttributeNS(attr.namespaceURI, attr.name, attr.value);
      changed.add(attr.name);
    }
  }
  return changed;
}

function isFocused(element: Element): boolean {
  return element.ownerDocument.activeElement === element;
}

/**
 * Form controls keep what the user did (typed text, ticked boxes) across re-renders: their
 * live properties are set only when the render itself changed the attribute, and the text of
 * a focused field is never overwritten under the user's fingers.
 */
function syncFormState(live: Element, changed: ReadonlySet<string>): void {
  if (live instanceof HTMLInputElement) {
    if (changed.has('value') && !isFocused(live)) live.value = live.getAttribute('value') ?? '';
    if (changed.has('checked')) live.checked = live.hasAttribute('checked');
  } else if (live instanceof HTMLOptionElement) {
    if (changed.has('selected')) live.selected = live.hasAttribute('selected');
  }
}

function morphTextArea(live: HTMLTextAreaElement, text: string): void {
  if (live.defaultValue === text) return;
  const edited = live.value !== live.defaultValue;
  live.defaultValue = text;
  if (edited && !isFocused(live)) live.value = text;
}
