// Failure containment. renderJS lets one unhandled error blank the whole page; here a failing
// gadget replaces only its own content with a visible message and tells its ancestors through
// a bubbling DOM event, so siblings and parents keep working.

/** `detail` of the `gadget-error` event. */
export interface GadgetErrorDetail {
  /** Name of the gadget that failed (or that could not be found). */
  readonly name: string;
  /** Its scope in its parent, '' for a root. */
  readonly scope: string;
  /** What was thrown. */
  readonly error: unknown;
}

declare global {
  interface HTMLElementEventMap {
    /** Dispatched (bubbling) on a gadget's element when that gadget fails. */
    'gadget-error': CustomEvent<GadgetErrorDetail>;
  }
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    // undefined for undefined and functions, whatever its declared type says
    const json = JSON.stringify(error) as string | undefined;
    return json ?? String(error);
  } catch {
    return String(error);
  }
}

/**
 * Replaces element's content with `<div class="gadget-error" role="alert">` naming the gadget
 * and the error, then dispatches a bubbling `gadget-error` event. Built with textContent, so
 * the message is never parsed as markup.
 */
export function showGadgetError(element: HTMLElement, detail: GadgetErrorDetail): void {
  const doc = element.ownerDocument;
  const box = doc.createElement('div');
  box.className = 'gadget-error';
  box.setAttribute('role', 'alert');
  const name = doc.createElement('strong');
  name.textContent = detail.name;
  const message = doc.createElement('span');
  message.className = 'gadget-error-message';
  message.textContent = messageOf(detail.error);
  box.append('Gadget ', name, ' failed: ', message);
  element.replaceChildren(box);
  element.dispatchEvent(new CustomEvent('gadget-error', { bubbles: true, composed: true, detail }));
}

/** Whether error is the rejection of an aborted operation (a DOMException named AbortError). */
export function isAbortError(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && 'name' in error && error.name === 'AbortError'
  );
}

/** An AbortError with a message saying why, used as every abort reason in the runtime. */
export function abortReason(message: string): DOMException {
  return new DOMException(message, 'AbortError');
}
